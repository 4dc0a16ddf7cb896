//! Numbers as the seed writes them: `1,111,500`.

/// `n` with a comma between every three digits.
///
/// ```
/// assert_eq!(wall::thousands(1_111_500), "1,111,500");
/// assert_eq!(wall::thousands(585), "585");
/// ```
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn groups_of_three() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(32_233_500), "32,233,500");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
    }
}
