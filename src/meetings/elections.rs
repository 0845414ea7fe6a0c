//! Elections recorded in the minutes (ELEC-07…11) until the full election procedure exists:
//! seats, candidates with their votes, the four-fifths quorum, ballot counts and who was
//! elected; and the words that say which rule decided a vote or an election. No IO.

use serde::{Deserialize, Serialize};

use super::votes::{VoteKind, VoteRecord};

/// A candidate and the votes for them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Candidate {
    /// 姓名.
    pub name: String,
    /// 得票.
    pub votes: i64,
}

/// What the count says of one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 当选.
    Elected,
    /// Passed half but tied at the last seat: a further vote among the tied (ELEC-11).
    Tied,
    /// 未当选.
    NotElected,
}

impl Outcome {
    /// Chinese word.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Elected => "当选",
            Self::Tied => "票数相同，须再次投票",
            Self::NotElected => "未当选",
        }
    }
}

/// Longest list of candidates on one ballot.
const MAX_CANDIDATES: usize = 60;

impl VoteRecord {
    /// ELEC-07 and ELEC-10: enough present, and no more ballots returned than handed out.
    #[must_use]
    pub fn election_valid(&self) -> bool {
        self.is_election()
            && self.quorum()
            && !(self.ballots_issued > 0 && self.ballots_returned > self.ballots_issued)
    }

    /// ELEC-11, candidate by candidate in the order recorded: elected only with more than
    /// half of the votes of those present; the highest take the seats; a tie at the last seat
    /// elects none of the tied. Nobody is elected by a void election.
    #[must_use]
    pub fn outcomes(&self) -> Vec<(&Candidate, Outcome)> {
        let passing = |c: &Candidate| 2 * c.votes > self.present;
        let mut ranked: Vec<i64> = self
            .candidates
            .iter()
            .filter(|c| passing(c))
            .map(|c| c.votes)
            .collect();
        ranked.sort_unstable_by(|a, b| b.cmp(a));
        let seats = usize::try_from(self.seats.max(0)).unwrap_or(0);
        // The votes of the last seat filled (all who passed when fewer passed than there are
        // seats), and whether the next candidate has as many.
        let cut = ranked
            .get(seats.min(ranked.len()).saturating_sub(1))
            .copied();
        let tie_at_cut = seats > 0 && ranked.len() > seats && ranked.get(seats) == cut.as_ref();
        self.candidates
            .iter()
            .map(|c| {
                let o = if !self.election_valid() || !passing(c) || seats == 0 {
                    Outcome::NotElected
                } else if tie_at_cut && Some(c.votes) == cut {
                    Outcome::Tied
                } else if cut.is_some_and(|v| c.votes >= v) {
                    Outcome::Elected
                } else {
                    Outcome::NotElected
                };
                (c, o)
            })
            .collect()
    }

    /// "张三、李四", or "无".
    #[must_use]
    pub fn elected_text(&self) -> String {
        let names: Vec<&str> = self
            .outcomes()
            .into_iter()
            .filter(|(_, o)| *o == Outcome::Elected)
            .map(|(c, _)| c.name.as_str())
            .collect();
        if names.is_empty() {
            "无".into()
        } else {
            names.join("、")
        }
    }

    /// Seats left unfilled by this round (另行选举, ELEC-11).
    #[must_use]
    pub fn unfilled(&self) -> i64 {
        let elected = self
            .outcomes()
            .iter()
            .filter(|(_, o)| *o == Outcome::Elected)
            .count();
        self.seats - i64::try_from(elected).unwrap_or(0)
    }

    /// Problems with an election's entries, in Chinese.
    pub(super) fn election_problem(&self) -> Option<String> {
        let topic = self.topic.trim();
        if self.candidates.is_empty() {
            return Some(format!(
                "“{topic}”是选举事项，请填写候选人及得票，如“张三 9；李四 8”"
            ));
        }
        if self.candidates.len() > MAX_CANDIDATES {
            return Some(format!("“{topic}”的候选人过多"));
        }
        if self.seats < 1 || self.seats > i64::try_from(self.candidates.len()).unwrap_or(0) {
            return Some(format!(
                "“{topic}”的应选人数须在 1 至候选人数（{} 人）之间",
                self.candidates.len()
            ));
        }
        for c in &self.candidates {
            let name = c.name.trim();
            if name.is_empty() || name.chars().count() > 30 {
                return Some(format!("“{topic}”的候选人姓名不能为空（不超过 30 字）"));
            }
            if c.votes < 0 || c.votes > self.present {
                return Some(format!(
                    "“{topic}”中{name}的得票 {} 超出到会有选举权的 {} 人",
                    c.votes, self.present
                ));
            }
        }
        let mut names: Vec<&str> = self.candidates.iter().map(|c| c.name.trim()).collect();
        names.sort_unstable();
        if names.windows(2).any(|w| w[0] == w[1]) {
            return Some(format!("“{topic}”的候选人姓名重复"));
        }
        if self.ballots_issued < 0 || self.ballots_returned < 0 {
            return Some(format!("“{topic}”的票数不能为负数"));
        }
        None
    }

    /// The regulation and wording that decided the quorum and the result, for the page.
    #[must_use]
    pub fn basis_text(&self) -> String {
        let ordinary = "《中国共产党支部工作条例（试行）》第十一条";
        match (self.vote_kind(), self.quorum_rule.as_str()) {
            (VoteKind::Election, rule) => format!(
                "《中国共产党基层组织选举工作条例》：到会有选举权的党员{}应到会人数的五分之四，选举有效；\
                 候选人得票超过实到会有选举权人数的一半始得当选",
                if rule == "at_least" { "不少于" } else { "超过" }
            ),
            (VoteKind::Membership, _) => "《中国共产党发展党员工作细则》第二十二条：到会有表决权的党员超过应到会有表决权党员的半数，\
                 赞成人数超过应到会有表决权党员的半数"
                .into(),
            (VoteKind::Ordinary, "inclusive") => format!(
                "{ordinary}：半数以上有表决权的党员到会（含半数），赞成人数超过应到会有表决权党员的半数"
            ),
            (VoteKind::Ordinary, _) => format!(
                "{ordinary}：有表决权的党员到会超过半数，赞成人数超过应到会有表决权党员的半数"
            ),
        }
    }

    /// Why an election is void, or an empty string.
    #[must_use]
    pub fn void_reason(&self) -> String {
        if !self.is_election() || self.election_valid() {
            return String::new();
        }
        if self.ballots_issued > 0 && self.ballots_returned > self.ballots_issued {
            return format!(
                "收回选票 {} 张多于发出的 {} 张，选举无效，应重新投票",
                self.ballots_returned, self.ballots_issued
            );
        }
        let word = if self.quorum_rule == "at_least" {
            "不足"
        } else {
            "未超过"
        };
        format!(
            "到会有选举权的党员 {} 人，{word}应到会 {} 人的五分之四，选举无效",
            self.present, self.entitled
        )
    }
}

/// Reads "张三 9；李四 8" (also with commas, colons or new lines) into candidates.
///
/// # Errors
/// A part without a name and a whole number, in Chinese.
pub fn parse_candidates(text: &str) -> Result<Vec<Candidate>, String> {
    let mut out = Vec::new();
    for part in text.split(['；', ';', '\n', '，', ',', '、']) {
        let part = part.trim().trim_end_matches('票').trim_end();
        if part.is_empty() {
            continue;
        }
        let cut = part.rfind(|c: char| !c.is_ascii_digit()).map_or(0, |i| {
            i + part[i..].chars().next().map_or(1, char::len_utf8)
        });
        let (name, votes) = part.split_at(cut);
        let name = name.trim().trim_end_matches([':', '：']).trim();
        let votes = votes.trim();
        let Ok(votes) = votes.parse::<i64>() else {
            return Err(format!("候选人及得票请写作“姓名 票数”：{part}"));
        };
        if name.is_empty() {
            return Err(format!("候选人及得票请写作“姓名 票数”：{part}"));
        }
        out.push(Candidate {
            name: name.to_owned(),
            votes,
        });
    }
    Ok(out)
}

/// "张三 9；李四 8", the form's text for stored candidates.
#[must_use]
pub fn candidates_text(cs: &[Candidate]) -> String {
    cs.iter()
        .map(|c| format!("{} {}", c.name, c.votes))
        .collect::<Vec<_>>()
        .join("；")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn election(present: i64, seats: i64, votes: &[(&str, i64)]) -> VoteRecord {
        let mut v = VoteRecord {
            topic: "选举支部委员会委员".into(),
            kind: "election".into(),
            seats,
            candidates: votes
                .iter()
                .map(|(n, v)| Candidate {
                    name: (*n).into(),
                    votes: *v,
                })
                .collect(),
            ..VoteRecord::default()
        };
        let r = super::super::model::Readings {
            ordinary: "strict",
            election: "more_than",
        };
        v.settle(10, present, r);
        v
    }

    fn labels(v: &VoteRecord) -> Vec<&'static str> {
        v.outcomes().into_iter().map(|(_, o)| o.label()).collect()
    }

    #[test]
    fn elec_07_eight_of_ten_is_void_nine_is_valid() {
        let v = election(8, 1, &[("甲", 8)]);
        assert!(!v.election_valid() && !v.passed());
        assert_eq!(v.result_label(), "选举无效");
        assert_eq!(labels(&v), ["未当选"]);
        let v = election(9, 1, &[("甲", 8)]);
        assert!(
            v.election_valid() && !v.passed(),
            "an election never passes"
        );
        assert_eq!(labels(&v), ["当选"]);
    }

    #[test]
    fn elec_11_more_than_half_of_those_present_and_ties_at_the_last_seat() {
        // 9 present: 5 is more than half, 4 is not.
        let v = election(9, 2, &[("甲", 9), ("乙", 5), ("丙", 5), ("丁", 4)]);
        assert_eq!(
            labels(&v),
            [
                "当选",
                "票数相同，须再次投票",
                "票数相同，须再次投票",
                "未当选"
            ]
        );
        assert_eq!(v.unfilled(), 1);
        // Fewer pass than there are seats: those who pass are elected, the rest is 另行选举.
        let v = election(9, 3, &[("甲", 9), ("乙", 4), ("丙", 3)]);
        assert_eq!(labels(&v), ["当选", "未当选", "未当选"]);
        assert_eq!(v.unfilled(), 2);
    }

    #[test]
    fn elec_10_more_ballots_returned_than_issued_voids() {
        let mut v = election(10, 1, &[("甲", 9)]);
        (v.ballots_issued, v.ballots_returned) = (10, 11);
        assert!(!v.election_valid());
        assert!(v.void_reason().contains("多于发出"));
    }

    #[test]
    fn candidates_are_read_from_one_line() {
        let c = parse_candidates("张三 9；李四：8\n王五8票").unwrap_or_default();
        assert_eq!(
            c.iter()
                .map(|c| (c.name.as_str(), c.votes))
                .collect::<Vec<_>>(),
            [("张三", 9), ("李四", 8), ("王五", 8)]
        );
        assert!(parse_candidates("张三").is_err());
        assert!(parse_candidates("9").is_err());
    }
}
