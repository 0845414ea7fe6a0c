//! The audit chain (SEC-26): every row carries `mac = HMAC-SM3(k_audit, prev_mac ‖ row)`, so
//! changing, removing or inserting a row anywhere breaks every later link. This module holds
//! the pure parts: the canonical encoding of a row, the link function and the walk that finds
//! the first broken row. SQL is in `chain_store`.
//!
//! `k_audit` is derived once from the key ring's MAC key and kept for the process, because
//! rows are appended through `audit::record`, which sees only the caller's transaction. A
//! server runs one application, so there is one key; tests that build several applications
//! in one process share the first one's key, consistently for writing and checking.

use std::sync::OnceLock;

use super::model::AuditRow;

/// The link before the first row: all zeroes (there is nothing to hide in it).
pub const GENESIS: [u8; 32] = [0; 32];

/// Tag at the start of every encoded row, so a change of encoding cannot be mistaken for an
/// old one.
const ROW_TAG: &[u8] = b"zhibu.audit_row.v1";

static KEY: OnceLock<[u8; 32]> = OnceLock::new();

/// Sets the process's chain key from the key ring (first call wins; see the module comment).
pub fn install_key(k_audit: [u8; 32]) {
    let _ = KEY.set(k_audit);
}

/// The chain key, `None` when no application has been built in this process.
#[must_use]
pub fn key() -> Option<&'static [u8; 32]> {
    KEY.get()
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    // Lengths make the encoding unambiguous: no field can run into the next.
    out.extend_from_slice(&u32::try_from(b.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(b);
}

fn put_opt(out: &mut Vec<u8>, v: Option<i64>) {
    match v {
        None => out.push(0),
        Some(v) => {
            out.push(1);
            out.extend_from_slice(&v.to_be_bytes());
        }
    }
}

/// The row as bytes: every stored column except the mac, each length-prefixed or fixed-width,
/// with the time as microseconds since the epoch (both backends keep microseconds).
#[must_use]
pub fn canonical(r: &AuditRow) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    put_bytes(&mut out, ROW_TAG);
    out.extend_from_slice(&r.id.to_be_bytes());
    out.extend_from_slice(&(r.at.unix_timestamp_nanos() / 1000).to_be_bytes());
    put_opt(&mut out, r.actor_id);
    for s in [
        &r.actor_name,
        &r.actor_role,
        &r.ip,
        &r.session_tag,
        &r.request_id,
        &r.action,
        &r.object_type,
        &r.object_id,
    ] {
        put_bytes(&mut out, s.as_bytes());
    }
    put_opt(&mut out, r.org_id);
    put_bytes(&mut out, r.result.as_bytes());
    put_bytes(&mut out, r.detail.as_bytes());
    out
}

/// The row's link: `HMAC-SM3(k_audit, prev ‖ canonical(row))`.
#[must_use]
pub fn link(k_audit: &[u8; 32], prev: &[u8; 32], r: &AuditRow) -> [u8; 32] {
    let mut data = Vec::with_capacity(300);
    data.extend_from_slice(prev);
    data.extend_from_slice(&canonical(r));
    crate::shared::crypto::hmac_sm3(k_audit, &data)
}

/// What the check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainCheck {
    /// Every row links to the one before, and the last one is the recorded head.
    Intact {
        /// Rows checked.
        rows: i64,
    },
    /// This row's link does not match: it, or a row just before it, was changed or removed,
    /// or it was inserted around the chain.
    Broken {
        /// The row id.
        row_id: i64,
    },
    /// Rows written before the chain was started no longer match what was sealed then.
    BeforeChain {
        /// The last row sealed into the anchor.
        anchor_id: i64,
    },
    /// The chain's own record is gone.
    HeadMissing,
    /// Rows at the end were removed: the last remaining row is not the recorded head.
    TailRemoved {
        /// The last remaining row (0 when none is left).
        last_id: i64,
    },
}

impl ChainCheck {
    /// Whether nothing was found.
    #[must_use]
    pub fn is_intact(&self) -> bool {
        matches!(self, Self::Intact { .. })
    }

    /// The sentence for the auditor's page and the command line.
    #[must_use]
    pub fn message(&self) -> String {
        match self {
            Self::Intact { rows } => format!("审计日志完整：共 {rows} 条"),
            Self::Broken { row_id } => format!("第 {row_id} 条记录被篡改或删除"),
            Self::BeforeChain { anchor_id } => {
                format!("启用校验前的记录（第 {anchor_id} 条及之前）被篡改或删除")
            }
            Self::TailRemoved { last_id } => {
                format!("第 {} 条及之后的记录被删除", last_id + 1)
            }
            Self::HeadMissing => "审计日志的校验记录缺失，日志可能被篡改".to_owned(),
        }
    }
}

/// The recorded state of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The last row written before the chain started (0 for none).
    pub anchor_id: i64,
    /// The link after those rows.
    pub anchor_mac: [u8; 32],
    /// The last chained row (equal to `anchor_id` before the first append).
    pub head_id: i64,
    /// Its link.
    pub head_mac: [u8; 32],
}

/// Walks rows in id order and stops at the first broken link. (No `Debug`: it holds the key.)
pub struct Walk<'k> {
    key: &'k [u8; 32],
    head: Head,
    prev: [u8; 32],
    rows: i64,
    last_id: i64,
    past_anchor: bool,
    found: Option<ChainCheck>,
}

impl<'k> Walk<'k> {
    /// Starts a walk against the recorded head.
    #[must_use]
    pub fn new(key: &'k [u8; 32], head: Head) -> Self {
        Self {
            key,
            head,
            prev: GENESIS,
            rows: 0,
            last_id: 0,
            past_anchor: false,
            found: None,
        }
    }

    /// Whether a break was found (the rest need not be read).
    #[must_use]
    pub fn done(&self) -> bool {
        self.found.is_some()
    }

    fn cross_anchor(&mut self) {
        if !self.past_anchor {
            self.past_anchor = true;
            if self.prev != self.head.anchor_mac {
                self.found = Some(ChainCheck::BeforeChain {
                    anchor_id: self.head.anchor_id,
                });
            }
        }
    }

    /// Takes the next row with its stored mac.
    pub fn feed(&mut self, r: &AuditRow, mac: Option<&str>) {
        if self.done() {
            return;
        }
        self.rows += 1;
        let before = std::mem::replace(&mut self.last_id, r.id);
        let expected = link(self.key, &self.prev, r);
        if r.id <= self.head.anchor_id {
            // Written before the chain: sealed as a whole by the anchor.
            self.prev = expected;
            return;
        }
        self.cross_anchor();
        if self.done() {
            return;
        }
        // Chained ids have no gaps (each append takes the next one under the chain lock),
        // so a gap is a removed row, reported where it was.
        if before >= self.head.anchor_id && r.id != before + 1 {
            self.found = Some(ChainCheck::Broken { row_id: before + 1 });
            return;
        }
        if mac.is_none_or(|m| !m.eq_ignore_ascii_case(&hex::encode(expected))) {
            self.found = Some(ChainCheck::Broken { row_id: r.id });
            return;
        }
        self.prev = expected;
    }

    /// The verdict after the last row.
    #[must_use]
    pub fn finish(mut self) -> ChainCheck {
        self.cross_anchor();
        if let Some(f) = self.found {
            return f;
        }
        if self.last_id < self.head.head_id || self.prev != self.head.head_mac {
            return ChainCheck::TailRemoved {
                last_id: self.last_id,
            };
        }
        ChainCheck::Intact { rows: self.rows }
    }
}

/// Folds rows written before the chain into its anchor.
#[must_use]
pub fn anchor_of<'a>(key: &[u8; 32], rows: impl IntoIterator<Item = &'a AuditRow>) -> [u8; 32] {
    rows.into_iter()
        .fold(GENESIS, |prev, r| link(key, &prev, r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn row(id: i64, detail: &str) -> AuditRow {
        AuditRow {
            id,
            at: datetime!(2026-12-03 06:00:00.123456 UTC),
            actor_id: Some(3),
            actor_name: "张三（138****8000）".into(),
            actor_role: "member".into(),
            ip: "10.0.0.1".into(),
            session_tag: "abcd".into(),
            request_id: "r1".into(),
            action: "feed.post".into(),
            object_type: "feed_post".into(),
            object_id: id.to_string(),
            org_id: Some(2),
            result: "success".into(),
            detail: detail.into(),
            account_name: None,
        }
    }

    const K: [u8; 32] = [7; 32];

    fn chained(rows: &[AuditRow], anchor: i64) -> (Head, Vec<String>) {
        let anchor_mac = anchor_of(&K, rows.iter().filter(|r| r.id <= anchor));
        let mut prev = anchor_mac;
        let mut macs = Vec::new();
        for r in rows {
            if r.id <= anchor {
                macs.push(String::new());
            } else {
                prev = link(&K, &prev, r);
                macs.push(hex::encode(prev));
            }
        }
        let head = Head {
            anchor_id: anchor,
            anchor_mac,
            head_id: rows.last().map_or(anchor, |r| r.id),
            head_mac: prev,
        };
        (head, macs)
    }

    fn check(head: &Head, rows: &[AuditRow], macs: &[String]) -> ChainCheck {
        let mut w = Walk::new(&K, head.clone());
        for (r, m) in rows.iter().zip(macs) {
            w.feed(r, Some(m.as_str()).filter(|m| !m.is_empty()));
        }
        w.finish()
    }

    #[test]
    fn sec_26_encoding_is_unambiguous() {
        let mut a = row(1, "x");
        let mut b = row(1, "x");
        a.ip = "1".into();
        a.session_tag = "23".into();
        b.ip = "12".into();
        b.session_tag = "3".into();
        assert_ne!(canonical(&a), canonical(&b));
        let mut c = row(1, "x");
        c.org_id = None;
        assert_ne!(canonical(&row(1, "x")), canonical(&c));
    }

    #[test]
    fn sec_26_chain_finds_the_first_broken_row() {
        let rows: Vec<AuditRow> = (1..=6).map(|i| row(i, "d")).collect();
        let (head, macs) = chained(&rows, 2);
        assert_eq!(check(&head, &rows, &macs), ChainCheck::Intact { rows: 6 });
        // A changed detail after the anchor.
        let mut changed = rows.clone();
        changed[3].detail = "改".into();
        assert_eq!(
            check(&head, &changed, &macs),
            ChainCheck::Broken { row_id: 4 }
        );
        // A removed middle row shows where it was.
        let (mut r2, mut m2) = (rows.clone(), macs.clone());
        r2.remove(3);
        m2.remove(3);
        assert_eq!(check(&head, &r2, &m2), ChainCheck::Broken { row_id: 4 });
        // Removed tail.
        assert_eq!(
            check(&head, &rows[..5], &macs[..5]),
            ChainCheck::TailRemoved { last_id: 5 }
        );
        // A changed row from before the chain.
        let mut old = rows.clone();
        old[0].actor_name = "李四".into();
        assert_eq!(
            check(&head, &old, &macs),
            ChainCheck::BeforeChain { anchor_id: 2 }
        );
        assert_eq!(
            ChainCheck::Broken { row_id: 4 }.message(),
            "第 4 条记录被篡改或删除"
        );
    }

    #[test]
    fn sec_26_empty_chain_is_intact() {
        let (head, macs) = chained(&[], 0);
        assert_eq!(check(&head, &[], &macs), ChainCheck::Intact { rows: 0 });
    }
}
