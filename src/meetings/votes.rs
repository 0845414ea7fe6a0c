//! Quorum and passing rules of VOTE-01…08 and the structured part of a 会议记录 (MEET-13),
//! with their checks. No IO.

use serde::{Deserialize, Serialize};

/// VOTE-02 / MEET-02: a meeting may decide when more than half of those entitled are present
/// (CAL-04: strictly more than half).
#[must_use]
pub fn quorum_met(present: i64, entitled: i64) -> bool {
    entitled > 0 && 2 * present > entitled
}

/// One vote on an agenda item, as recorded in the minutes (VOTE-08). `passed` is never stored:
/// it is recomputed from the counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VoteRecord {
    /// The 议题 voted on.
    pub topic: String,
    /// 赞成 at the meeting.
    pub yes: i64,
    /// 反对.
    pub no: i64,
    /// 弃权.
    pub abstain: i64,
    /// Written opinions in favour from absent voting members (VOTE-05).
    #[serde(default)]
    pub written_yes: i64,
    /// `show_of_hands` or `secret` (VOTE-06).
    pub method: String,
    /// Members entitled to vote when the vote was taken.
    #[serde(default)]
    pub entitled: i64,
    /// Entitled members present.
    #[serde(default)]
    pub present: i64,
}

impl VoteRecord {
    /// VOTE-03: in favour (with written opinions) must exceed half of those entitled — not of
    /// those present — and the meeting must have had its quorum (VOTE-02).
    #[must_use]
    pub fn passed(&self) -> bool {
        quorum_met(self.present, self.entitled) && 2 * (self.yes + self.written_yes) > self.entitled
    }

    /// "通过" or "未通过".
    #[must_use]
    pub fn result_label(&self) -> &'static str {
        if self.passed() { "通过" } else { "未通过" }
    }

    /// Chinese name of the method.
    #[must_use]
    pub fn method_label(&self) -> &'static str {
        if self.method == "secret" {
            "无记名投票"
        } else {
            "举手表决"
        }
    }

    /// Problems with the counts, in Chinese.
    #[must_use]
    pub fn problem(&self) -> Option<String> {
        let topic = self.topic.trim();
        if topic.is_empty() || topic.chars().count() > 200 {
            return Some("表决事项不能为空（不超过 200 字）".into());
        }
        if [self.yes, self.no, self.abstain, self.written_yes]
            .iter()
            .any(|n| *n < 0)
        {
            return Some(format!("“{topic}”的票数不能为负数"));
        }
        if self.yes + self.no + self.abstain > self.present {
            return Some(format!(
                "“{topic}”的赞成、反对、弃权合计 {} 票，超过到会有表决权的 {} 人",
                self.yes + self.no + self.abstain,
                self.present
            ));
        }
        if self.written_yes > self.entitled - self.present {
            return Some(format!("“{topic}”的书面意见数超过未到会有表决权的人数"));
        }
        if !matches!(self.method.as_str(), "show_of_hands" | "secret") {
            return Some("表决方式应为举手表决或无记名投票".into());
        }
        None
    }
}

/// The structured part of a 会议记录 that is written after the meeting (MEET-13). Time, place,
/// chair, recorder and attendance come from the meeting itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Minutes {
    /// 发言摘要.
    #[serde(default)]
    pub speeches: String,
    /// 决议.
    #[serde(default)]
    pub decisions: String,
    /// 缺席原因 beyond approved 请假.
    #[serde(default)]
    pub absence_notes: String,
    /// 表决结果.
    #[serde(default)]
    pub votes: Vec<VoteRecord>,
}

/// Longest text accepted in one minutes field.
pub const MAX_MINUTES_FIELD: usize = 20_000;

impl Minutes {
    /// Problems, in Chinese.
    #[must_use]
    pub fn problem(&self, submitting: bool) -> Option<String> {
        for (label, v) in [
            ("发言摘要", &self.speeches),
            ("决议", &self.decisions),
            ("缺席原因", &self.absence_notes),
        ] {
            if v.chars().count() > MAX_MINUTES_FIELD {
                return Some(format!("{label}不能超过 {MAX_MINUTES_FIELD} 字"));
            }
        }
        if self.votes.len() > 50 {
            return Some("表决事项过多".into());
        }
        if submitting && self.speeches.trim().is_empty() {
            return Some("提交前请填写发言摘要".into());
        }
        self.votes.iter().find_map(VoteRecord::problem)
    }
}
