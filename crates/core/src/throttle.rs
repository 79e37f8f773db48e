//! Login throttling (登录失败限制): after too many failed logins for one key (a user name, a
//! client address) within a window, further attempts for that key are refused until the
//! window has passed since the first failure. Pure: the caller passes the time.
//!
//! The limits are configuration (`docs/assumptions.md` W7); no standard prescribes them. The
//! defaults (5 failures in 15 minutes) follow the common practice of 等保 2.0 level-2
//! guidance (登录失败处理功能), which asks for a limit without fixing its numbers.

use std::collections::HashMap;

/// Failed-login bookkeeping for many keys.
#[derive(Debug, Clone)]
pub struct LoginThrottle {
    max_failures: u32,
    window_ms: i64,
    /// Per key: failures so far and when the first of them happened.
    failures: HashMap<String, (u32, i64)>,
    /// Keys kept at most; the oldest expired ones are dropped first, then the oldest.
    capacity: usize,
}

impl LoginThrottle {
    /// A throttle allowing `max_failures` failed attempts per key within `window_ms`.
    pub fn new(max_failures: u32, window_ms: i64) -> LoginThrottle {
        LoginThrottle {
            max_failures: max_failures.max(1),
            window_ms: window_ms.max(1),
            failures: HashMap::new(),
            capacity: 100_000,
        }
    }

    /// Whether `key` may try now: `Err(retry_after_ms)` when it is locked.
    pub fn check(&self, key: &str, now_ms: i64) -> Result<(), i64> {
        match self.failures.get(key) {
            Some(&(n, first)) if n >= self.max_failures && now_ms - first < self.window_ms => {
                Err(first + self.window_ms - now_ms)
            }
            _ => Ok(()),
        }
    }

    /// Records a failed attempt for `key`.
    pub fn fail(&mut self, key: &str, now_ms: i64) {
        if self.failures.len() >= self.capacity && !self.failures.contains_key(key) {
            self.prune(now_ms);
        }
        let window = self.window_ms;
        let e = self.failures.entry(key.to_owned()).or_insert((0, now_ms));
        if now_ms - e.1 >= window {
            *e = (0, now_ms);
        }
        e.0 = e.0.saturating_add(1);
    }

    /// Checks and counts an attempt in one step, before the password is verified, so that
    /// concurrent attempts cannot all pass the check: `Err(retry_after_ms)` when `key` is
    /// locked; otherwise the attempt is counted as a failure until [`LoginThrottle::succeed`]
    /// clears it (or [`LoginThrottle::release`] takes it back), and `Ok(true)` says this attempt
    /// used the last one allowed.
    pub fn attempt(&mut self, key: &str, now_ms: i64) -> Result<bool, i64> {
        self.check(key, now_ms)?;
        self.fail(key, now_ms);
        Ok(self.check(key, now_ms).is_err())
    }

    /// Takes back an attempt counted by [`LoginThrottle::attempt`] that neither failed nor
    /// succeeded (the check could not be made).
    pub fn release(&mut self, key: &str) {
        if let Some(e) = self.failures.get_mut(key) {
            e.0 = e.0.saturating_sub(1);
        }
    }

    /// Forgets `key`'s failures (after a successful login).
    pub fn succeed(&mut self, key: &str) {
        self.failures.remove(key);
    }

    /// Keys currently tracked.
    pub fn len(&self) -> usize {
        self.failures.len()
    }

    /// Whether no key is tracked.
    pub fn is_empty(&self) -> bool {
        self.failures.is_empty()
    }

    fn prune(&mut self, now_ms: i64) {
        let window = self.window_ms;
        self.failures
            .retain(|_, (_, first)| now_ms - *first < window);
        if self.failures.len() >= self.capacity {
            // Still full of live keys: drop the oldest half.
            let mut firsts: Vec<i64> = self.failures.values().map(|(_, f)| *f).collect();
            firsts.sort_unstable();
            let cut = firsts[firsts.len() / 2];
            self.failures.retain(|_, (_, first)| *first > cut);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_the_limit_and_unlocks_when_the_window_passes() {
        let mut t = LoginThrottle::new(3, 1000);
        for i in 0..3 {
            assert_eq!(t.check("u", 100 + i), Ok(()));
            t.fail("u", 100 + i);
        }
        // The third failure at 102 locks until 100 + 1000.
        assert_eq!(t.check("u", 500), Err(600));
        assert_eq!(t.check("u", 1099), Err(1));
        assert_eq!(t.check("u", 1100), Ok(()));
        // Other keys are not affected.
        assert_eq!(t.check("v", 500), Ok(()));
        // A failure after the window starts a new count.
        t.fail("u", 1100);
        assert_eq!(t.check("u", 1101), Ok(()));
    }

    #[test]
    fn success_clears_the_count() {
        let mut t = LoginThrottle::new(2, 1000);
        t.fail("u", 0);
        t.succeed("u");
        t.fail("u", 1);
        assert_eq!(t.check("u", 2), Ok(()));
        t.fail("u", 2);
        assert_eq!(t.check("u", 3), Err(998));
    }

    #[test]
    fn attempts_are_counted_before_they_are_checked() {
        let mut t = LoginThrottle::new(3, 1000);
        // Three attempts in flight at once: the third uses the last one; a fourth is refused.
        assert_eq!(t.attempt("u", 0), Ok(false));
        assert_eq!(t.attempt("u", 0), Ok(false));
        assert_eq!(t.attempt("u", 0), Ok(true));
        assert_eq!(t.attempt("u", 0), Err(1000));
        // One of them could not be checked: it is taken back.
        t.release("u");
        assert_eq!(t.attempt("u", 1), Ok(true));
        // A success clears all.
        t.succeed("u");
        assert_eq!(t.attempt("u", 2), Ok(false));
    }

    #[test]
    fn memory_is_bounded() {
        let mut t = LoginThrottle::new(2, 1000);
        t.capacity = 10;
        for i in 0..100 {
            t.fail(&format!("k{i}"), i);
        }
        assert!(t.len() <= 10, "{}", t.len());
        // The newest key is still tracked.
        t.fail("k99", 100);
        assert_eq!(t.check("k99", 101), Err(998));
    }
}
