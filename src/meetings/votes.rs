//! Quorum and passing rules of VOTE-01…08 (with the reading a setting chooses, VOTE-02) and
//! the structured part of a 会议记录 (MEET-13), with their checks. Elections are tallied in
//! `elections`. No IO.

use serde::{Deserialize, Serialize};

/// VOTE-02 / MEET-02: a meeting may decide when more than half of those entitled are present
/// (CAL-04: strictly more than half).
#[must_use]
pub fn quorum_met(present: i64, entitled: i64) -> bool {
    entitled > 0 && 2 * present > entitled
}

/// What an agenda item decides, which sets its quorum (VOTE-02, ELEC-07).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteKind {
    /// An ordinary resolution of the 党员大会: quorum per the setting.
    Ordinary,
    /// Accepting, converting, extending or cancelling a 预备党员: always "超过半数".
    Membership,
    /// An election: candidates and votes per candidate, four fifths present.
    Election,
}

impl VoteKind {
    /// From the stored code; old records without one were ordinary votes.
    #[must_use]
    pub fn from_code(s: &str) -> Self {
        match s {
            "membership" => Self::Membership,
            "election" => Self::Election,
            _ => Self::Ordinary,
        }
    }
    /// Stored code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Ordinary => "ordinary",
            Self::Membership => "membership",
            Self::Election => "election",
        }
    }
    /// Guessed from a topic, for the first draft and for topics recorded as ordinary.
    #[must_use]
    pub fn of_topic(topic: &str) -> Self {
        if topic.contains("选举") || topic.contains("补选") {
            Self::Election
        } else if ["接收", "预备党员", "转正", "延长预备期", "取消预备"]
            .iter()
            .any(|w| topic.contains(w))
        {
            Self::Membership
        } else {
            Self::Ordinary
        }
    }
}

/// The quorum readings in force (VOTE-02, ELEC-07), as stored codes.
#[derive(Debug, Clone, Copy)]
pub struct Readings {
    /// `strict` or `inclusive`.
    pub ordinary: &'static str,
    /// `more_than` or `at_least`.
    pub election: &'static str,
}

impl Readings {
    /// From the settings.
    #[must_use]
    pub fn of(c: &crate::config::MeetingsConfig) -> Self {
        use crate::config::{ElectionQuorum, QuorumReading};
        Self {
            ordinary: match c.quorum_reading {
                QuorumReading::Strict => "strict",
                QuorumReading::Inclusive => "inclusive",
            },
            election: match c.election_quorum {
                ElectionQuorum::MoreThan => "more_than",
                ElectionQuorum::AtLeast => "at_least",
            },
        }
    }
    /// The quorum line for the attendance of a 党员大会 before any vote is recorded.
    #[must_use]
    pub fn ordinary_met(self, present: i64, entitled: i64) -> bool {
        entitled > 0
            && if self.ordinary == "inclusive" {
                2 * present >= entitled
            } else {
                2 * present > entitled
            }
    }
}

/// One vote on an agenda item, as recorded in the minutes (VOTE-08). `passed` is never stored:
/// it is recomputed from the counts. The quorum rule in force is stored with the vote when the
/// minutes are saved, so a later change of setting does not rewrite history.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VoteRecord {
    /// The 议题 voted on.
    pub topic: String,
    /// `ordinary`, `membership` (接收/转正/延长/取消预备党员) or `election`.
    #[serde(default)]
    pub kind: String,
    /// 赞成 at the meeting.
    pub yes: i64,
    /// 反对.
    pub no: i64,
    /// 弃权.
    pub abstain: i64,
    /// Written opinions in favour from absent voting members (VOTE-05).
    #[serde(default)]
    pub written_yes: i64,
    /// `show_of_hands` or `secret` (VOTE-06); elections are always secret (ELEC-09).
    pub method: String,
    /// Members entitled to vote when the vote was taken.
    #[serde(default)]
    pub entitled: i64,
    /// Entitled members present.
    #[serde(default)]
    pub present: i64,
    /// The quorum reading applied, set by the server: `strict` / `inclusive` for votes,
    /// `more_than` / `at_least` for elections.
    #[serde(default)]
    pub quorum_rule: String,
    /// Seats to fill (elections).
    #[serde(default)]
    pub seats: i64,
    /// Candidates and their votes (elections).
    #[serde(default)]
    pub candidates: Vec<super::elections::Candidate>,
    /// Ballots handed out (elections, ELEC-10); 0 when not recorded.
    #[serde(default)]
    pub ballots_issued: i64,
    /// Ballots returned.
    #[serde(default)]
    pub ballots_returned: i64,
}

impl VoteRecord {
    /// What the item decides.
    #[must_use]
    pub fn vote_kind(&self) -> VoteKind {
        match VoteKind::from_code(&self.kind) {
            // VOTE-02: membership decisions are strict whatever the recorder chose.
            VoteKind::Ordinary if VoteKind::of_topic(&self.topic) == VoteKind::Membership => {
                VoteKind::Membership
            }
            k => k,
        }
    }
    /// Whether this is an election.
    #[must_use]
    pub fn is_election(&self) -> bool {
        self.vote_kind() == VoteKind::Election
    }

    /// Fixes the counts and the rule in force when the minutes are saved.
    pub fn settle(&mut self, entitled: i64, present: i64, reading: Readings) {
        self.entitled = entitled;
        self.present = present;
        self.vote_kind().code().clone_into(&mut self.kind);
        match self.vote_kind() {
            VoteKind::Ordinary => reading.ordinary,
            VoteKind::Membership => "strict",
            VoteKind::Election => reading.election,
        }
        .clone_into(&mut self.quorum_rule);
        if self.is_election() {
            self.method = "secret".into();
            (self.yes, self.no, self.abstain, self.written_yes) = (0, 0, 0, 0);
        } else {
            self.candidates.clear();
            (self.seats, self.ballots_issued, self.ballots_returned) = (0, 0, 0);
        }
    }

    /// Whether enough were present (VOTE-02 by the stored reading, ELEC-07 for elections).
    #[must_use]
    pub fn quorum(&self) -> bool {
        let (p, e) = (self.present, self.entitled);
        e > 0
            && match (self.vote_kind(), self.quorum_rule.as_str()) {
                (VoteKind::Election, "at_least") => 5 * p >= 4 * e,
                (VoteKind::Election, _) => 5 * p > 4 * e,
                (VoteKind::Ordinary, "inclusive") => 2 * p >= e,
                _ => quorum_met(p, e),
            }
    }

    /// VOTE-03: in favour (with written opinions) must exceed half of those entitled — not of
    /// those present — and the meeting must have had its quorum. An election passes nothing:
    /// it is valid or void, and candidates are elected or not.
    #[must_use]
    pub fn passed(&self) -> bool {
        !self.is_election() && self.quorum() && 2 * (self.yes + self.written_yes) > self.entitled
    }

    /// "通过" / "未通过", or for an election "选举有效" / "选举无效".
    #[must_use]
    pub fn result_label(&self) -> &'static str {
        if self.is_election() {
            if self.election_valid() {
                "选举有效"
            } else {
                "选举无效"
            }
        } else if self.passed() {
            "通过"
        } else {
            "未通过"
        }
    }

    /// Whether the result counts as a success (for the badge colour).
    #[must_use]
    pub fn succeeded(&self) -> bool {
        if self.is_election() {
            self.election_valid()
        } else {
            self.passed()
        }
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
        if self.is_election() {
            return self.election_problem();
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
