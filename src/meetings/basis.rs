//! The basis of each default meeting cadence as a person reads it: the regulation and article,
//! never the rule id the cadence rows carry. A default the regulations leave open (MEET-04: the
//! 条例 sets no number for branch 党课) is marked as this system's local default.

/// The regulation and article behind a cadence's `rule_ref`.
#[must_use]
pub fn citation(rule_ref: &str) -> &'static str {
    match rule_ref {
        "MEET-01" => "《中国共产党支部工作条例（试行）》第十一条",
        "MEET-02" => "《中国共产党支部工作条例（试行）》第十二条",
        "MEET-03" => "《中国共产党支部工作条例（试行）》第十三条",
        "MEET-04" => "《中国共产党支部工作条例（试行）》第十六条要求按期上党课，未规定次数",
        "MEET-05" => "《中国共产党支部工作条例（试行）》第十六条",
        "MEET-06" => "《中国共产党支部工作条例（试行）》第十七条",
        "MEET-07" => "《中国共产党支部工作条例（试行）》第十八条",
        _ => "本单位规定",
    }
}

/// Whether the default is a local choice rather than a national requirement.
#[must_use]
pub fn is_local(rule_ref: &str) -> bool {
    !matches!(
        rule_ref,
        "MEET-01" | "MEET-02" | "MEET-03" | "MEET-05" | "MEET-06" | "MEET-07"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meet_04_the_lecture_default_is_local_and_no_id_is_shown() {
        assert!(is_local("MEET-04") && !is_local("MEET-01"));
        for r in ["MEET-01", "MEET-04", "MEET-07", "X"] {
            assert!(!citation(r).contains("MEET"), "{r}");
        }
    }
}
