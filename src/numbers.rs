//! How counts are written for people, in the CLI's messages and the report alike: `1,234,567`.

/// `n` with a comma between each group of three digits: 1234567 as `1,234,567`, -4321 as
/// `-4,321`.
pub fn thousands(n: impl Into<i128>) -> String {
    let n: i128 = n.into();
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_of_three() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567i64), "1,234,567");
        assert_eq!(thousands(-4321), "-4,321");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
        // Usable where a function of one count is wanted, as the report's tables use it.
        assert_eq!(Some(12_345i64).map_or(String::new(), thousands), "12,345");
    }
}
