//! Browser journey of a group bot (with `ZHIBU_E2E=1`, on the demo database): a branch
//! secretary adds a `WeCom` bot pointing at a local stand-in webhook, sees its address masked,
//! sends a test message, and watches the delivery log turn to 已送达 as the server's job posts it.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::e2e_support::start;

/// A webhook that answers every post as `WeCom` does when it accepts, counting the posts.
fn hook() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = vec![0u8; 65536];
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let mut got = Vec::new();
            // Read the headers and the body the Content-Length announces.
            while let Ok(n) = s.read(&mut buf) {
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&got).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if got.len() >= end + 4 + len {
                        break;
                    }
                }
            }
            count.fetch_add(1, Ordering::SeqCst);
            let body = r#"{"errcode":0,"errmsg":"ok"}"#;
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (
        format!("http://127.0.0.1:{port}/cgi-bin/webhook/send?key=e2e-token-9876"),
        seen,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zhibu_e2e),
    ignore = "needs ZHIBU_E2E=1 (Chromium and chromedriver)"
)]
async fn a_group_bot_is_added_tested_and_delivers() {
    let env = start().await;
    let (b, base) = (&env.b, &env.base);
    let (url, seen) = hook();
    env.login("jg1shuji").await;
    b.go(&format!("{base}/bots")).await;
    assert!(b.source().await.contains("添加群机器人"));
    b.type_into("#b-name", "第一支部党员群").await;
    b.type_into("#b-url", &url).await;
    b.press("form[action='/bots'] button[type=submit]").await;
    assert!(
        b.wait(async |b| b.source().await.contains("已添加群机器人"))
            .await,
        "added"
    );
    let page = b.source().await;
    assert!(
        page.contains("…9876") && !page.contains("e2e-token"),
        "masked"
    );
    let bot = b.url().await;
    b.press("form[action$='/test'] button").await;
    assert!(
        b.wait(async |b| b.source().await.contains("测试消息已排队"))
            .await
    );
    let mut delivered = false;
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        b.go(&bot).await;
        if b.source().await.contains("已送达") {
            delivered = true;
            break;
        }
    }
    assert!(delivered, "the job posted it and the log says so");
    assert_eq!(seen.load(Ordering::SeqCst), 1, "posted once");
}
