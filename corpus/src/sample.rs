//! The seeded shuffle that picks the compile sample (`corpus/compile-sample.txt`).
//!
//! A tiny splitmix64 generator keeps the choice reproducible without a dependency:
//! the same seed and the same `dev-ids.txt` always give the same sample.

/// The seed of the committed compile sample.
pub const SEED: u64 = 0x0A51_C0DE_5EED_2024;

/// splitmix64 (Steele, Lea, Flood 2014), as in the reference C implementation.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`), by multiply-shift.
    pub fn below(&mut self, n: usize) -> usize {
        let wide = u128::from(self.next_u64()) * n as u128;
        usize::try_from(wide >> 64).unwrap_or(0)
    }
}

/// The first `count` items of a Fisher–Yates shuffle of `items` (sorted first, so the
/// result does not depend on the input order).
pub fn choose(items: &[String], count: usize, seed: u64) -> Vec<String> {
    let mut items = items.to_vec();
    items.sort();
    let mut rng = SplitMix64::new(seed);
    for i in (1..items.len()).rev() {
        let j = rng.below(i + 1);
        items.swap(i, j);
    }
    items.truncate(count);
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_reference() {
        let mut rng = SplitMix64::new(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
        assert_eq!(rng.next_u64(), 9_817_491_932_198_370_423);
    }

    #[test]
    fn choice_is_deterministic_and_distinct() {
        let items: Vec<String> = (0..100).map(|i| format!("id{i}")).collect();
        let mut reversed = items.clone();
        reversed.reverse();
        let a = choose(&items, 40, SEED);
        assert_eq!(a, choose(&reversed, 40, SEED));
        assert_eq!(a.len(), 40);
        let distinct: std::collections::BTreeSet<_> = a.iter().collect();
        assert_eq!(distinct.len(), 40);
        assert_ne!(a, choose(&items, 40, SEED + 1));
        assert_eq!(choose(&items, 500, SEED).len(), 100);
    }
}
