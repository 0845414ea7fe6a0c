//! The `zhibu` binary as an operator uses it: help, configuration checks, first start,
//! account creation from standard input, backup and restore, and durability under `kill -9`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

mod help;

const BIN: &str = env!("CARGO_BIN_EXE_zhibu");

struct TempDir(PathBuf);
impl TempDir {
    fn new() -> Self {
        let d =
            std::env::temp_dir().join(format!("zhibu-cli-{}", zhibu::shared::token::request_id()));
        std::fs::create_dir_all(&d).unwrap();
        Self(d)
    }
    fn db(&self, name: &str) -> String {
        format!("sqlite://{}", self.0.join(name).display())
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn zhibu(args: &[&str], stdin: Option<&str>) -> Output {
    let mut c = Command::new(BIN)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("ZHIBU_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = c.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    c.wait_with_output().unwrap()
}

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn help_and_config_commands() {
    let h = zhibu(&["--help"], None);
    assert!(h.status.success());
    for cmd in ["serve", "migrate", "config", "demo", "admin"] {
        assert!(out(&h).contains(cmd), "{cmd} in --help");
    }
    let a = zhibu(&["admin", "create-user", "--help"], None);
    assert!(out(&a).contains("security_admin"), "role codes are listed");
    assert!(zhibu(&["--version"], None).status.success());
    let ex = zhibu(&["config", "example"], None);
    assert_eq!(String::from_utf8_lossy(&ex.stdout), zhibu::config::EXAMPLE);
    let dir = TempDir::new();
    let good = dir.0.join("good.toml");
    std::fs::write(&good, zhibu::config::EXAMPLE).unwrap();
    assert!(
        zhibu(&["config", "check", good.to_str().unwrap()], None)
            .status
            .success()
    );
    let bad = dir.0.join("bad.toml");
    std::fs::write(&bad, "[database]\nurl = \"mysql://root@h/db\"\n").unwrap();
    let r = zhibu(&["config", "check", bad.to_str().unwrap()], None);
    assert!(!r.status.success());
    assert!(out(&r).contains("数据库地址"), "{}", out(&r));
    let r = zhibu(&["serve", "--database", "postgress://typo/db"], None);
    assert!(!r.status.success(), "unknown schemes are refused at start");
}

fn wait_ready(port: u16) {
    let t = Instant::now();
    loop {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = write!(
                s,
                "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            );
            let mut r = String::new();
            let _ = s.read_to_string(&mut r);
            if r.starts_with("HTTP/1.1 200") {
                return;
            }
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "server never became ready"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A `zhibu serve` child on a port the system chose, and what it printed up to the line that
/// says where it listens.
struct Served {
    child: Child,
    port: u16,
    printed: Vec<String>,
}

/// Starts `zhibu serve` on port 0 and reads the bound address from its start-up line, so no
/// port is picked here and then taken by someone else before the server binds it.
fn serve(db: &str) -> Served {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--database", db])
        .env("ZHIBU_AUTH__LOGIN_PER_IP_PER_MINUTE", "100000")
        .env("ZHIBU_AUTH__LOGIN_PER_IP_PER_HOUR", "100000")
        .env("ZHIBU_LOG__LEVEL", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    let port = loop {
        let line = lines
            .next()
            .expect("serve printed its address before it stopped")
            .unwrap();
        // 支部已启动：http://127.0.0.1:40123 （数据库 …）
        let port = line
            .split_once("支部已启动：http://")
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .and_then(|addr| addr.rsplit_once(':'))
            .and_then(|(_, p)| p.parse::<u16>().ok());
        printed.push(line);
        if let Some(p) = port {
            break p;
        }
    };
    // Keep reading so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Served {
        child,
        port,
        printed,
    }
}

fn api_login(port: u16, user: &str, pw: &str) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let body = format!(r#"{{"username":"{user}","password":"{pw}"}}"#);
    write!(s, "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).ok()?;
    let mut r = String::new();
    s.read_to_string(&mut r).ok()?;
    r.get(9..12)?.parse().ok()
}

#[test]
fn first_start_creates_admin_with_one_time_password() {
    let dir = TempDir::new();
    let db = dir.db("first.db");
    let Served {
        mut child,
        port,
        printed,
    } = serve(&db);
    let password = printed
        .iter()
        .find_map(|l| l.trim().strip_prefix("一次性密码："))
        .expect("the one-time password is printed")
        .to_owned();
    wait_ready(port);
    assert_eq!(api_login(port, "admin", &password), Some(200));
    assert_eq!(
        api_login(port, "admin", "Yanshi@2026!"),
        Some(401),
        "no demo passwords outside demo data"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    // A second start on the same database creates nobody and prints no password.
    let mut again = serve(&db);
    wait_ready(again.port);
    again.child.kill().unwrap();
    again.child.wait().unwrap();
    assert!(!again.printed.iter().any(|l| l.contains("一次性密码")));
}

fn create_user(db: &str, username: &str, pw: &str) -> Output {
    create_user_as(db, username, pw, "security_admin")
}

fn create_user_as(db: &str, username: &str, pw: &str, role: &str) -> Output {
    zhibu(
        &[
            "admin",
            "create-user",
            "--username",
            username,
            "--display-name",
            "测试",
            "--role",
            role,
            "--password-stdin",
            "--database",
            db,
        ],
        Some(&format!("{pw}\n")),
    )
}

#[test]
fn admin_create_user_backup_and_restore() {
    let dir = TempDir::new();
    let db = dir.db("admin.db");
    let weak = create_user(&db, "anquan", "short");
    assert!(!weak.status.success());
    assert!(out(&weak).contains("至少需要 12 个字符"), "{}", out(&weak));
    assert!(
        create_user(&db, "anquan", "Baowei#Guanli2026")
            .status
            .success()
    );
    let dup = create_user(&db, "ANQUAN", "Baowei#Guanli2026");
    assert!(
        !dup.status.success(),
        "usernames are unique case-insensitively"
    );
    let backup = dir.0.join("b.db");
    let b = zhibu(
        &[
            "admin",
            "backup",
            backup.to_str().unwrap(),
            "--database",
            &db,
        ],
        None,
    );
    assert!(b.status.success(), "{}", out(&b));
    // SEC-18: the command line keeps to one account per 三员 role too.
    let second = create_user(&db, "anquan2", "Baowei#Guanli2026");
    assert!(!second.status.success());
    assert!(
        out(&second).contains("已有安全管理员账号"),
        "{}",
        out(&second)
    );
    assert!(
        create_user_as(&db, "later", "Wanbei#Zhanghu26", "audit_admin")
            .status
            .success()
    );
    let r = zhibu(
        &[
            "admin",
            "restore",
            backup.to_str().unwrap(),
            "--database",
            &db,
        ],
        None,
    );
    assert!(r.status.success(), "{}", out(&r));
    let again = create_user_as(&db, "later", "Wanbei#Zhanghu26", "audit_admin");
    assert!(
        again.status.success(),
        "the account made after the backup is gone after restore: {}",
        out(&again)
    );
    let st = zhibu(&["migrate", "status", "--database", &db], None);
    assert!(out(&st).contains("已应用"));
}

/// RES-03: every login the client saw acknowledged survives `kill -9`, and the file is intact.
#[test]
fn rel_03_acknowledged_writes_survive_kill_9() {
    let dir = TempDir::new();
    let db = dir.db("crash.db");
    assert!(
        create_user(&db, "crash", "Beng#Kuai.Test26")
            .status
            .success()
    );
    for round in 0..3 {
        let Served {
            mut child, port, ..
        } = serve(&db);
        wait_ready(port);
        let stop = Instant::now() + Duration::from_millis(400 + 150 * round);
        let mut acked = 0;
        while Instant::now() < stop {
            if api_login(port, "crash", "Beng#Kuai.Test26") == Some(200) {
                acked += 1;
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let count = count_logins(&dir.0.join("crash.db"));
        assert!(
            count >= acked,
            "round {round}: {acked} acknowledged, {count} stored"
        );
    }
    let check = integrity(&dir.0.join("crash.db"));
    assert_eq!(check, "ok");
}

fn count_logins(path: &Path) -> u64 {
    let n: i64 = sqlite_scalar(
        path,
        "SELECT count(*) FROM audit_log WHERE action = 'auth.login'",
    );
    u64::try_from(n).unwrap()
}

fn integrity(path: &Path) -> String {
    sqlite_scalar(path, "PRAGMA integrity_check")
}

/// One value read straight from a `SQLite` file, outside the server.
fn sqlite_scalar<T>(path: &Path, sql: &str) -> T
where
    T: Send + Unpin + for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        let v: T = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        v
    })
}

#[test]
fn import_and_export_from_the_command_line() {
    let dir = TempDir::new();
    let db = dir.db("sheets.db");
    assert!(zhibu(&["demo", "--database", &db], None).status.success());
    let write = |name: &str, id: &str| {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in [
            "姓名",
            "公民身份号码",
            "民族",
            "学历",
            "人员类别",
            "入党日期",
            "转正日期",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(0, u16::try_from(c).unwrap(), *h).unwrap();
        }
        for (c, v) in [
            "命令行导入",
            id,
            "汉族",
            "大学本科",
            "正式党员",
            "2001-07-01",
            "2002-07-01",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(1, u16::try_from(c).unwrap(), *v).unwrap();
        }
        let path = dir.0.join(name);
        wb.save(&path).unwrap();
        path
    };
    let count =
        || -> i64 { sqlite_scalar(&dir.0.join("sheets.db"), "SELECT count(*) FROM members") };
    let before = count();
    let bad = write("bad.xlsx", "110105194912310021");
    let r = zhibu(
        &[
            "import",
            "members",
            bad.to_str().unwrap(),
            "--org",
            "3",
            "--database",
            &db,
        ],
        None,
    );
    assert!(!r.status.success());
    assert!(out(&r).contains("第 2 行 B列"), "{}", out(&r));
    assert_eq!(count(), before, "nothing written");
    let good = write("good.xlsx", "11010519491231002X");
    let dry = zhibu(
        &[
            "import",
            "members",
            good.to_str().unwrap(),
            "--org",
            "3",
            "--dry-run",
            "--database",
            &db,
        ],
        None,
    );
    assert!(dry.status.success(), "{}", out(&dry));
    assert_eq!(count(), before);
    let real = zhibu(
        &[
            "import",
            "members",
            good.to_str().unwrap(),
            "--org",
            "3",
            "--database",
            &db,
        ],
        None,
    );
    assert!(real.status.success(), "{}", out(&real));
    assert_eq!(count(), before + 1);
    let export = dir.0.join("out.xlsx");
    let e = zhibu(
        &[
            "export",
            "members",
            export.to_str().unwrap(),
            "--org",
            "1",
            "--database",
            &db,
        ],
        None,
    );
    assert!(e.status.success(), "{}", out(&e));
    let s = zhibu::members::sheet::read(&std::fs::read(&export).unwrap()).unwrap();
    assert_eq!(i64::try_from(s.rows.len()).unwrap(), before + 1);
}

#[test]
fn issue_accounts_and_link_a_member_from_the_command_line() {
    let dir = TempDir::new();
    let db = dir.db("accounts.db");
    assert!(zhibu(&["demo", "--database", &db], None).status.success());
    let slips = dir.0.join("slips.xlsx");
    let r = zhibu(
        &[
            "admin",
            "issue-accounts",
            "--org",
            "4",
            "--out",
            slips.to_str().unwrap(),
            "--database",
            &db,
        ],
        None,
    );
    assert!(r.status.success(), "{}", out(&r));
    let s = zhibu::members::sheet::read(&std::fs::read(&slips).unwrap()).unwrap();
    // 22 members, of whom the 书记 already signs in as `jg2shuji`.
    assert_eq!(s.rows.len(), 21, "机关二支部's members without an account");
    let again = zhibu(
        &[
            "admin",
            "issue-accounts",
            "--org",
            "4",
            "--out",
            slips.to_str().unwrap(),
            "--database",
            &db,
        ],
        None,
    );
    assert!(!again.status.success(), "never overwrites a slips file");
    let linked = zhibu(
        &[
            "admin",
            "create-user",
            "--username",
            "lianjie",
            "--display-name",
            "关联",
            "--role",
            "member",
            "--member",
            "5",
            "--password-stdin",
            "--database",
            &db,
        ],
        Some("Guanlian#2026x\n"),
    );
    assert!(linked.status.success(), "{}", out(&linked));
    let org: i64 = sqlite_scalar(
        &dir.0.join("accounts.db"),
        "SELECT org_id FROM users WHERE username = 'lianjie'",
    );
    assert_eq!(org, 3, "the account takes the member's branch");
}

/// SEC-26 and RES-05 as the operator sees them: `verify-audit` reports an intact log and then
/// the changed row (exiting non-zero); an encrypted backup is private, refuses a wrong
/// passphrase typed at the prompt and restores with the right one.
#[test]
fn sec_26_verify_audit_and_res_05_sealed_backup() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new();
    let db = dir.db("chain.db");
    assert!(zhibu(&["demo", "--database", &db], None).status.success());
    let v = zhibu(&["admin", "verify-audit", "--database", &db], None);
    assert!(v.status.success(), "{}", out(&v));
    assert!(out(&v).contains("审计日志完整：共"), "{}", out(&v));
    let pass = dir.0.join("pass");
    std::fs::write(&pass, "correct horse battery staple\n").unwrap();
    let bak = dir.0.join("b.db.enc");
    let b = zhibu(
        &[
            "admin",
            "backup",
            bak.to_str().unwrap(),
            "--passphrase-file",
            pass.to_str().unwrap(),
            "--database",
            &db,
        ],
        None,
    );
    assert!(b.status.success(), "{}", out(&b));
    let mode = std::fs::metadata(&bak).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let restore = |typed: &str| {
        zhibu(
            &["admin", "restore", bak.to_str().unwrap(), "--database", &db],
            Some(typed),
        )
    };
    let wrong = restore("not the passphrase\n");
    assert!(!wrong.status.success());
    assert!(out(&wrong).contains("备份口令不正确"), "{}", out(&wrong));
    let right = restore("correct horse battery staple\n");
    assert!(right.status.success(), "{}", out(&right));
    // An operator with database access edits the newest row.
    let path = dir.0.join("chain.db");
    let last: i64 = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(&path);
        let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
        sqlx::query("DROP TRIGGER audit_log_no_update")
            .execute(&pool)
            .await
            .unwrap();
        let last: i64 = sqlx::query_scalar("SELECT max(id) FROM audit_log")
            .fetch_one(&pool)
            .await
            .unwrap();
        sqlx::query("UPDATE audit_log SET detail = '无' WHERE id = $1")
            .bind(last)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        last
    });
    let v = zhibu(&["admin", "verify-audit", "--database", &db], None);
    assert!(!v.status.success(), "a break exits non-zero");
    assert!(
        out(&v).contains(&format!("第 {last} 条记录被篡改或删除")),
        "{}",
        out(&v)
    );
}
