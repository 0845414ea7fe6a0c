//! `[meetings]` and `[points]`: the settings of organisational life and of 党员积分.

use serde::{Deserialize, Serialize};

/// `[meetings]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MeetingsConfig {
    /// Seconds each check-in QR code stays current before the screen shows the next one.
    pub checkin_rotate_secs: u32,
    /// Minutes before the start at which check-in opens.
    pub checkin_opens_minutes_before: u32,
    /// Minutes after the end at which check-in closes.
    pub checkin_closes_minutes_after: u32,
    /// Days before a period ends at which a branch is warned about meetings still owed.
    pub warn_days_before_period_end: u32,
    /// Largest photo or attachment, in MiB.
    pub attachment_max_mib: u32,
    /// Most files on one meeting.
    pub attachments_per_meeting: u32,
    /// VOTE-02: how "半数以上" is read for a 党员大会's ordinary votes: `strict` (more than
    /// half, the reading most units apply) or `inclusive` (half or more, as CAL-05 reads
    /// "以上"). Votes on accepting or converting 预备党员 are always strict.
    pub quorum_reading: QuorumReading,
    /// ELEC-07: the election quorum, `more_than` four fifths (the 1990 text) or `at_least`
    /// four fifths, while the sources differ.
    pub election_quorum: ElectionQuorum,
    /// MEET-04: whether a 党课 held by a 党委 or 总支 for its subtree counts as a 党课 of each
    /// branch whose members were on its roll.
    pub lectures_from_above_count: bool,
    /// ORG-06: the meeting kinds a 临时党支部 is held to. Its members keep their relationship in
    /// their own branch, which appraises them, so 民主评议 is left out by default.
    pub temporary_branch_kinds: Vec<String>,
}

/// VOTE-02: the reading of the general quorum for ordinary votes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuorumReading {
    /// 超过半数: `2 × present > entitled`.
    #[default]
    Strict,
    /// 半数以上 including half: `2 × present ≥ entitled`.
    Inclusive,
}

/// ELEC-07: the reading of the four-fifths election quorum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ElectionQuorum {
    /// 超过应到会人数的五分之四: `5 × present > 4 × entitled`.
    #[default]
    MoreThan,
    /// 不少于五分之四: `5 × present ≥ 4 × entitled`.
    AtLeast,
}

impl Default for MeetingsConfig {
    fn default() -> Self {
        Self {
            checkin_rotate_secs: 30,
            checkin_opens_minutes_before: 30,
            checkin_closes_minutes_after: 30,
            warn_days_before_period_end: 7,
            attachment_max_mib: 10,
            attachments_per_meeting: 50,
            quorum_reading: QuorumReading::Strict,
            election_quorum: ElectionQuorum::MoreThan,
            lectures_from_above_count: true,
            temporary_branch_kinds: [
                "branch_general",
                "branch_committee",
                "lecture",
                "theme_day",
                "org_life",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

impl MeetingsConfig {
    /// Checks the kind codes.
    ///
    /// # Errors
    /// An unknown meeting kind.
    pub fn validate(&self) -> Result<(), super::ConfigError> {
        for k in &self.temporary_branch_kinds {
            if crate::meetings::model::Kind::from_code(k).is_none() {
                return Err(super::ConfigError(format!(
                    "meetings.temporary_branch_kinds 中的会议类型无效: {k}"
                )));
            }
        }
        Ok(())
    }
}

/// `[points]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PointsConfig {
    /// Whether ordinary members see the whole ranking (otherwise only their own rank).
    pub members_see_ranking: bool,
    /// PTS-10 bands on a year's points: 优秀 candidate, 合格, 基本合格.
    pub grade_bands: [i64; 3],
    /// PTS-07: how often a 通报 is generated for every committee and branch once a period has
    /// closed: `week`, `month`, `quarter` or `off`.
    pub report_every: String,
}

impl Default for PointsConfig {
    fn default() -> Self {
        Self {
            members_see_ranking: false,
            grade_bands: [90, 70, 60],
            report_every: "quarter".into(),
        }
    }
}

impl PointsConfig {
    /// Checks the bands and the report cadence.
    ///
    /// # Errors
    /// A value out of range, in Chinese.
    pub fn validate(&self) -> Result<(), super::ConfigError> {
        let [g0, g1, g2] = self.grade_bands;
        if !(g0 > g1 && g1 > g2 && g2 >= 0) {
            return Err(super::ConfigError(
                "points.grade_bands 须为从高到低的三个分数，如 [90, 70, 60]".into(),
            ));
        }
        if !["week", "month", "quarter", "off"].contains(&self.report_every.as_str()) {
            return Err(super::ConfigError(
                "points.report_every 须为 week、month、quarter 或 off".into(),
            ));
        }
        Ok(())
    }
}
