//! Word-at-a-time (SWAR) byte searches for the tokeniser: find the first of 2 or 3 given bytes.
//! Safe code only; 8 bytes per step.

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// High bit set in each byte of `x` that is zero (exact for the lowest such byte, which is all
/// the callers use).
#[inline(always)]
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(LO) & !x & HI
}

#[inline(always)]
fn word(b: &[u8], i: usize) -> Option<u64> {
    let w: [u8; 8] = b.get(i..i + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(w))
}

/// Index of the first byte at or after `from` equal to `a` or `b`, or `s.len()`.
#[inline]
pub(crate) fn find2(s: &[u8], mut from: usize, a: u8, b: u8) -> usize {
    let (wa, wb) = (LO * u64::from(a), LO * u64::from(b));
    while let Some(x) = word(s, from) {
        let m = zero_bytes(x ^ wa) | zero_bytes(x ^ wb);
        if m != 0 {
            return from + (m.trailing_zeros() / 8) as usize;
        }
        from += 8;
    }
    while from < s.len() && s[from] != a && s[from] != b {
        from += 1;
    }
    from.min(s.len())
}

/// Index of the first byte at or after `from` equal to `a`, `b` or `c`, or `s.len()`.
#[inline]
pub(crate) fn find3(s: &[u8], mut from: usize, a: u8, b: u8, c: u8) -> usize {
    let (wa, wb, wc) = (LO * u64::from(a), LO * u64::from(b), LO * u64::from(c));
    while let Some(x) = word(s, from) {
        let m = zero_bytes(x ^ wa) | zero_bytes(x ^ wb) | zero_bytes(x ^ wc);
        if m != 0 {
            return from + (m.trailing_zeros() / 8) as usize;
        }
        from += 8;
    }
    while from < s.len() && s[from] != a && s[from] != b && s[from] != c {
        from += 1;
    }
    from.min(s.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first() {
        let s = b"abcdefghij;klmnop,qr=stuvwxyz0123456789";
        for from in 0..s.len() + 2 {
            let naive2 = (from..s.len())
                .find(|&i| s[i] == b';' || s[i] == b',')
                .unwrap_or(s.len());
            assert_eq!(find2(s, from, b';', b','), naive2.max(from.min(s.len())));
            let naive3 = (from..s.len())
                .find(|&i| matches!(s[i], b';' | b',' | b'='))
                .unwrap_or(s.len());
            assert_eq!(
                find3(s, from, b';', b',', b'='),
                naive3.max(from.min(s.len()))
            );
        }
        // Bytes ≥ 0x80 and zero bytes do not confuse it.
        let t = [0x80u8, 0, 0xFF, 0x3B, 1, 2, 3, 4, 5, 0x2C];
        assert_eq!(find2(&t, 0, b';', b','), 3);
        assert_eq!(find2(&t, 4, b';', b','), 9);
    }
}
