//! 公民身份号码 (GB 11643-1999): check digit, embedded birth date and sex, and masking.

use time::{Date, Month};

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

/// What a valid number tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdInfo {
    /// Birth date.
    pub birth: Date,
    /// `true` for male (odd sequence digit).
    pub male: bool,
}

/// Normalises full-width digits and a lower-case `x`, and removes spaces.
#[must_use]
pub fn normalize(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => {
                char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
            }
            'x' | 'ｘ' | 'Ｘ' => 'X',
            _ => c,
        })
        .collect()
}

/// The check character for the first 17 digits.
#[must_use]
pub fn check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    Some(char::from(CHECK[(sum % 11) as usize]))
}

/// Validates an 18-character number; the error is the message to show.
///
/// # Errors
/// A Chinese sentence naming the problem.
pub fn parse(raw: &str) -> Result<IdInfo, &'static str> {
    let s = normalize(raw);
    if s.chars().count() != 18 {
        return Err("公民身份号码应为 18 位");
    }
    if !s.is_ascii() {
        return Err("公民身份号码前 17 位应为数字");
    }
    let (body, last) = s.split_at(17);
    let Some(expected) = check_char(body) else {
        return Err("公民身份号码前 17 位应为数字");
    };
    if !matches!(&body[..1], "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8") {
        return Err("公民身份号码的地区码无效");
    }
    let num = |r: std::ops::Range<usize>| body[r].parse::<u32>().unwrap_or(0);
    let year = i32::try_from(num(6..10)).unwrap_or(0);
    let month = Month::try_from(u8::try_from(num(10..12)).unwrap_or(0))
        .map_err(|_| "公民身份号码中的出生日期无效")?;
    let day = u8::try_from(num(12..14)).unwrap_or(0);
    let birth =
        Date::from_calendar_date(year, month, day).map_err(|_| "公民身份号码中的出生日期无效")?;
    if year < 1900 {
        return Err("公民身份号码中的出生日期无效");
    }
    if !last.starts_with(expected) {
        return Err("公民身份号码校验位不正确，请核对");
    }
    Ok(IdInfo {
        birth,
        male: num(16..17) % 2 == 1,
    })
}

/// Characters a masked 身份证号 keeps at each end (SEC-53/55).
pub const MASK_HEAD: usize = 3;
/// See [`MASK_HEAD`].
pub const MASK_TAIL: usize = 2;

/// `110*************2X`: the first three and last two characters (SEC-53/55). The county code,
/// the whole birth date and most of the sequence are hidden, and wherever the number is shown
/// masked the age is shown instead of the birth date, so nothing shown together rebuilds it
/// (keeping the first six and last four left exactly the birth date hidden).
#[must_use]
pub fn mask(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..MASK_HEAD].iter().collect();
    let tail: String = chars[chars.len() - MASK_TAIL..].iter().collect();
    format!(
        "{head}{}{tail}",
        "*".repeat(chars.len() - MASK_HEAD - MASK_TAIL)
    )
}

/// `138****5678`.
#[must_use]
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn gb11643_known_good_number() {
        // The standard's worked example.
        let info = parse("11010519491231002X").unwrap();
        assert_eq!(info.birth, date!(1949 - 12 - 31));
        assert!(!info.male);
        assert!(parse("11010519491231002x").is_ok());
        assert!(parse("１１０１０５１９４９１２３１００２Ｘ").is_ok());
    }

    #[test]
    fn gb11643_any_single_digit_change_fails() {
        let good = "11010519491231002X";
        for i in 0..17 {
            let mut b = good.as_bytes().to_vec();
            b[i] = if b[i] == b'9' { b'0' } else { b[i] + 1 };
            let s = String::from_utf8(b).unwrap();
            assert!(parse(&s).is_err(), "{s}");
        }
        assert!(parse("110105194912310021").is_err());
        assert!(parse("1101051949123100").is_err());
        assert!(parse("身份证号码身份证号码身份证号码身份证").is_err());
    }

    #[test]
    fn sec_53_masking() {
        assert_eq!(mask("11010519491231002X"), "110*************2X");
        // The birth date (characters 7–14) and the county code are never shown.
        let m = mask("11010519491231002X");
        assert!(!m.contains("1949") && !m.contains("1231") && !m.contains("105"));
        assert!(m.chars().filter(|c| *c == '*').count() >= 12);
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask("123"), "***");
    }
}
