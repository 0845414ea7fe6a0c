//! Importing a roster workbook into one branch: every cell of every row is checked and every
//! problem reported by row and column; nothing is written unless all rows are valid, and then
//! all rows are written in one transaction. Rows match existing records by 身份证号, so
//! importing the same file twice updates instead of duplicating.

use std::collections::{HashMap, HashSet};

use crate::app::App;
use crate::audit::{Actor, AuditEvent};
use crate::auth::{MemberAction, OrgAction, Scope};
use crate::orgs::model::{Org, OrgKind};

use super::events::{self, NewEvent};
use super::model::{Category, EventKind, MemberFields, validate};
use super::sheet::{self, Cell, Sheet, column_name};
use super::store;
use super::workbook::{IGNORED, key_of, status_cell_ok};
use crate::shared::error::DomainError;

/// A problem in one cell (or in the header when `row` is the header row).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CellError {
    /// Excel row number.
    pub row: u32,
    /// Column letters, e.g. `C`.
    pub column: String,
    /// Header text of the column.
    pub header: String,
    /// What is wrong.
    pub message: String,
}

/// What a valid row will do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowAction {
    /// A new record.
    Insert,
    /// Update this record.
    Update(i64),
}

/// One checked row.
#[derive(Debug, Clone)]
pub struct CheckedRow {
    /// Excel row number.
    pub row: u32,
    /// Name as written.
    pub name: String,
    /// The record to write, when valid.
    pub valid: Option<(MemberFields, Category, Option<i64>, RowAction)>,
}

/// The outcome of checking a workbook.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    /// Rows in file order.
    pub rows: Vec<CheckedRow>,
    /// Every problem found.
    pub errors: Vec<CellError>,
}

impl Checked {
    /// Rows that would be added.
    #[must_use]
    pub fn inserts(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(r.valid, Some((_, _, _, RowAction::Insert))))
            .count()
    }
    /// Rows that would update existing records.
    #[must_use]
    pub fn updates(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(r.valid, Some((_, _, _, RowAction::Update(_)))))
            .count()
    }
}

/// Failures before any row is looked at.
impl From<sheet::SheetError> for DomainError {
    fn from(e: sheet::SheetError) -> Self {
        DomainError::Invalid(e.to_string())
    }
}

/// Parses the workbook off the async threads, with a time limit (SEC-35).
async fn read_sheet(bytes: Vec<u8>) -> Result<Sheet, DomainError> {
    let task = tokio::task::spawn_blocking(move || sheet::read(&bytes));
    match tokio::time::timeout(std::time::Duration::from_secs(20), task).await {
        Ok(Ok(r)) => Ok(r?),
        Ok(Err(_)) => Err(DomainError::Invalid("文件无法读取".into())),
        Err(_) => Err(DomainError::Invalid(
            "文件处理超时，请检查文件或分批导入".into(),
        )),
    }
}

fn cell_text(c: &Cell, key: &str) -> Result<String, String> {
    let date_key = matches!(
        key,
        "birth_date" | "joined_on" | "converted_on" | "work_started_on" | "lost_contact_on"
    );
    match c {
        Cell::Empty => Ok(String::new()),
        Cell::Text(t) => Ok(t.clone()),
        Cell::Date(d) => Ok(crate::shared::text::ymd(*d)),
        Cell::Bool(b) => Ok(if *b { "是".into() } else { "否".into() }),
        Cell::Error => Err("单元格的值是错误值（如 #N/A），请修正".into()),
        Cell::Number(n) if date_key => sheet::serial_to_date(*n)
            .map(crate::shared::text::ymd)
            .ok_or_else(|| "不是有效的日期".into()),
        Cell::Number(_) if key == "id_number" => Err(
            "公民身份号码被 Excel 存成了数字，后几位可能已丢失；请将该列设为文本格式后重新填写"
                .into(),
        ),
        #[expect(
            clippy::cast_possible_truncation,
            reason = "whole numbers only, checked by the comparison"
        )]
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Ok(format!("{}", *n as i64)),
        Cell::Number(n) => Ok(n.to_string()),
    }
}

/// Checks every row against the rules, the branch and the records already in the system.
///
/// # Errors
/// Denied, or an unreadable workbook.
pub async fn check(
    app: &App,
    scope: &Scope,
    org_id: i64,
    bytes: Vec<u8>,
) -> Result<(Org, Checked), DomainError> {
    let org = crate::orgs::service::get_checked(app, scope, org_id, OrgAction::View).await?;
    scope.check_member(MemberAction::Edit, &org.path, 0)?;
    if !org.kind().is_branch() || !org.is_active() {
        return Err(DomainError::Invalid("请选择要导入到的党支部".into()));
    }
    let sheet = read_sheet(bytes).await?;
    let mut out = Checked::default();
    let mut keys: Vec<Option<&'static str>> = Vec::new();
    let mut seen_keys = HashSet::new();
    for (i, h) in sheet.headers.iter().enumerate() {
        let col = u32::try_from(i).unwrap_or(0);
        let err = |m: String| CellError {
            row: sheet.header_row,
            column: column_name(col),
            header: h.clone(),
            message: m,
        };
        match key_of(h) {
            Some(k) if !seen_keys.insert(k) => out.errors.push(err("表头重复".into())),
            Some(k) => {
                keys.push(Some(k));
                continue;
            }
            None if h.is_empty() || IGNORED.contains(&h.as_str()) => {}
            None => out
                .errors
                .push(err(format!("无法识别的表头“{h}”，请使用模板中的列名"))),
        }
        keys.push(None);
    }
    for required in [
        "name",
        "id_number",
        "ethnicity",
        "education",
        "category",
        "joined_on",
    ] {
        if !seen_keys.contains(required) {
            let header = super::workbook::COLUMNS
                .iter()
                .find(|(k, ..)| *k == required)
                .map_or("", |(_, n, _)| n);
            out.errors.push(CellError {
                row: sheet.header_row,
                column: String::new(),
                header: header.into(),
                message: "缺少必需的列".into(),
            });
        }
    }
    if !out.errors.is_empty() {
        return Ok((org, out));
    }
    let codes = store::code_sets(&mut app.db.conn().await?.exec()).await?;
    let groups: HashMap<String, i64> = crate::orgs::service::list_under(
        &mut app.db.conn().await?.exec(),
        &scope.visible_within(&org)?,
        false,
    )
    .await?
    .into_iter()
    .filter(|g| g.kind() == OrgKind::Group && g.parent_id == Some(org.id))
    .map(|g| (g.name, g.id))
    .collect();
    let today = app.clock.today();
    let mut in_file: HashMap<String, u32> = HashMap::new();
    let mut conn = app.db.conn().await?;
    // Look every 身份证号 of the file up at once rather than row by row.
    let id_col = keys.iter().position(|k| *k == Some("id_number"));
    let numbers: Vec<String> = sheet
        .rows
        .iter()
        .filter_map(|(_, cells)| id_col.and_then(|i| cells.get(i)))
        .filter_map(|c| match c {
            Cell::Text(t) => Some(super::idcard::normalize(t)),
            _ => None,
        })
        .collect();
    let existing: HashMap<String, store::Existing> =
        store::find_many_by_id_number(&mut conn.exec(), &app.keys, &numbers)
            .await?
            .into_iter()
            .map(|e| (e.id_number.clone(), e))
            .collect();
    for (row, cells) in &sheet.rows {
        let mut errors = Vec::new();
        let col_of = |k: &str| {
            keys.iter()
                .position(|x| *x == Some(k))
                .map_or(0, |p| u32::try_from(p).unwrap_or(0))
        };
        let mut push = |k: &str, m: String| {
            let c = col_of(k);
            errors.push(CellError {
                row: *row,
                column: column_name(c),
                header: sheet.headers.get(c as usize).cloned().unwrap_or_default(),
                message: m,
            });
        };
        let mut raw: HashMap<String, String> = HashMap::new();
        // A cell that cannot be read is reported once, not again as missing by the rules.
        let mut unread: HashSet<&'static str> = HashSet::new();
        for (i, k) in keys.iter().enumerate() {
            let Some(k) = k else { continue };
            match cell_text(cells.get(i).unwrap_or(&Cell::Empty), k) {
                Ok(v) => {
                    raw.insert((*k).to_owned(), v);
                }
                Err(m) => {
                    unread.insert(*k);
                    push(k, m);
                }
            }
        }
        let name = raw.get("name").cloned().unwrap_or_default();
        let category =
            if let Some(c) = Category::parse(raw.get("category").map_or("", String::as_str)) {
                c
            } else {
                push("category", "人员类别应为“正式党员”或“预备党员”".into());
                Category::Full
            };
        let group = match raw.get("group").map(|g| g.trim()).filter(|g| !g.is_empty()) {
            None => None,
            Some(g) => {
                if let Some(id) = groups.get(g) {
                    Some(*id)
                } else {
                    push("group", format!("本支部没有名为“{g}”的党小组"));
                    None
                }
            }
        };
        let fields = match validate(&raw, category, &codes, today) {
            Ok(f) => Some(f),
            Err(fe) => {
                for e in fe.into_iter().filter(|e| !unread.contains(e.field)) {
                    push(e.field, e.message);
                }
                None
            }
        };
        let mut action = RowAction::Insert;
        if let Some(f) = &fields {
            if let Some(first) = in_file.insert(f.id_number.clone(), *row) {
                push("id_number", format!("与第 {first} 行的公民身份号码重复"));
            }
            if let Some(e) = existing.get(&f.id_number) {
                if e.org_id == org.id {
                    if e.category != category.code() {
                        push("category", "人员类别的变更（转正）请在党员页面登记".into());
                    }
                    action = RowAction::Update(e.id);
                } else {
                    let whom = if scope
                        .check_member(MemberAction::View, &e.path, e.id)
                        .is_ok()
                    {
                        format!("“{}”的“{}”", e.org_name, e.name)
                    } else {
                        "其他组织".to_owned()
                    };
                    push(
                        "id_number",
                        format!("该公民身份号码已登记在{whom}，组织关系变动请办理转接"),
                    );
                }
                let current = super::model::Status::from_code(&e.membership_status)
                    .map(super::model::Status::label);
                if !status_cell_ok(raw.get("status").map_or("", String::as_str), current) {
                    push("status", "党籍状态的变更请在党员页面登记".into());
                }
            } else if !status_cell_ok(raw.get("status").map_or("", String::as_str), None) {
                push("status", "新登记的党员党籍状态应为“正常”".into());
            }
        }
        let valid = if errors.is_empty() {
            fields.map(|f| (f, category, group, action))
        } else {
            None
        };
        out.errors.extend(errors);
        out.rows.push(CheckedRow {
            row: *row,
            name,
            valid,
        });
    }
    Ok((org, out))
}

/// Checks again and, when every row is valid, writes all rows in one transaction.
///
/// # Errors
/// Denied, an unreadable workbook, or [`DomainError::Invalid`] when any row has a problem
/// (then nothing is written).
pub async fn commit(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    org_id: i64,
    bytes: Vec<u8>,
) -> Result<(usize, usize), DomainError> {
    let (org, checked) = check(app, scope, org_id, bytes).await?;
    if !checked.errors.is_empty() {
        return Err(DomainError::Invalid(format!(
            "文件中有 {} 处问题，未导入任何数据",
            checked.errors.len()
        )));
    }
    let now = app.now();
    let today = app.clock.today();
    app.db
        .write(actor, now, async |w| {
            let (mut inserted, mut updated) = (0, 0);
            for row in &checked.rows {
                let Some((fields, category, group, action)) = &row.valid else {
                    continue;
                };
                match action {
                    RowAction::Insert => {
                        let id = store::insert(
                            &mut w.exec(),
                            &app.keys,
                            org.id,
                            *group,
                            category.code(),
                            fields,
                            now,
                        )
                        .await?;
                        let ev = NewEvent {
                            member_id: id,
                            kind: EventKind::Register,
                            occurred_on: today.max(fields.joined_on),
                            from_org_id: None,
                            to_org_id: Some(org.id),
                            note: "批量导入",
                            recorded_by: actor.user_id,
                            recorded_by_name: &actor.name,
                        };
                        events::insert(&mut w.exec(), &ev, now).await?;
                        inserted += 1;
                    }
                    RowAction::Update(id) => {
                        store::update(&mut w.exec(), &app.keys, *id, *group, fields, now).await?;
                        updated += 1;
                    }
                }
            }
            let ev = AuditEvent::success("member.import", "org", org.id)
                .org(org.id)
                .detail(format!("新增 {inserted} 人，更新 {updated} 人"));
            w.audit(ev).await?;
            Ok((inserted, updated))
        })
        .await
}
