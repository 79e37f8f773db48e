//! Authentication throttling (认证失败限制), one throttle for people and devices: web logins
//! (keys: the user name, the client address) and HJ 212 device authentication (keys: the MN,
//! the peer address). Pure: the caller passes the time (milliseconds).
//!
//! Per key it counts failures. The first [`ThrottlePolicy::free_failures`] cost nothing; each
//! further one makes the key wait before its next attempt, the wait doubling up to
//! [`ThrottlePolicy::max_delay_ms`] (growing delays slow a guesser without letting anyone lock
//! a name out for long). A policy may also ban a key for [`ThrottlePolicy::ban_ms`] after
//! [`ThrottlePolicy::ban_after`] failures (addresses: a guesser's address is refused outright,
//! without its passwords being checked). A key quiet for [`ThrottlePolicy::forget_ms`] is
//! forgotten. Memory is bounded: at most [`ThrottlePolicy::capacity`] keys are kept.
//!
//! Attempts are counted *before* the password is checked ([`AuthThrottle::attempt`]), so
//! concurrent guesses cannot all pass one check; the caller then settles the attempt: a
//! success [`AuthThrottle::succeed`]s (forgets the key: the user name or MN proved it) or
//! [`AuthThrottle::release`]s (takes back only this attempt: an address that once got a
//! password right must not thereby wipe its other failures), a failure leaves it counted.
//!
//! The numbers are configuration (`docs/assumptions.md` W7); no standard prescribes them.
//! 等保 2.0 level-2 guidance (登录失败处理功能) asks for a limit without fixing its numbers.

use std::collections::HashMap;

/// The limits of one kind of key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures a key may have before it has to wait between attempts.
    pub free_failures: u32,
    /// The wait after the first failure beyond the free ones (ms); each further failure
    /// doubles it.
    pub base_delay_ms: i64,
    /// The longest wait between attempts (ms).
    pub max_delay_ms: i64,
    /// Failures after which the key is banned; `None`: never banned, only slowed.
    pub ban_after: Option<u32>,
    /// How long a ban lasts (ms). A failure after a ban, before the key is forgotten, bans it
    /// again.
    pub ban_ms: i64,
    /// A key without a failure for this long is forgotten (ms).
    pub forget_ms: i64,
    /// Keys kept at most; when full, forgotten keys are dropped first, then the oldest half.
    pub capacity: usize,
}

impl ThrottlePolicy {
    /// The wait owed after `failures` failures (ms).
    #[must_use]
    pub fn delay_ms(&self, failures: u32) -> i64 {
        if failures < self.free_failures.max(1) {
            return 0;
        }
        let doublings = (failures - self.free_failures.max(1)).min(40);
        self.base_delay_ms
            .max(0)
            .saturating_mul(1i64 << doublings)
            .min(self.max_delay_ms.max(0))
    }
}

impl ThrottlePolicy {
    /// The most attempts one key gets within `duration_ms` when it retries as soon as it is
    /// allowed and every attempt fails, and when (ms after the first) it is first banned: the
    /// figures of a policy, for the documentation and the operators.
    #[must_use]
    pub fn guesses_within(&self, duration_ms: i64) -> (u64, Option<i64>) {
        let mut t = AuthThrottle::new(*self);
        let (mut now, mut n, mut first_ban) = (0i64, 0u64, None);
        while now < duration_ms {
            match t.attempt("k", now) {
                Ok(a) => {
                    n += 1;
                    if a.bans && first_ban.is_none() {
                        first_ban = Some(now);
                    }
                    now += 1;
                }
                Err(r) => now += r.retry_after_ms().max(1),
            }
        }
        (n, first_ban)
    }
}

/// Why an attempt is refused now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The key must wait this long (ms) after its last failure.
    Wait(i64),
    /// The key is banned for this long still (ms).
    Banned(i64),
}

impl Refusal {
    /// Milliseconds until the key may try again.
    #[must_use]
    pub fn retry_after_ms(self) -> i64 {
        match self {
            Refusal::Wait(ms) | Refusal::Banned(ms) => ms,
        }
    }
}

/// An attempt counted by [`AuthThrottle::attempt`], to be settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// Failures of the key, this attempt included.
    pub failures: u32,
    /// This attempt, if it fails, bans the key (it used the last one allowed).
    pub bans: bool,
    /// The key's ban before this attempt (restored by [`AuthThrottle::release`]).
    banned_until_before: i64,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last_ms: i64,
    banned_until_ms: i64,
}

/// Failed-authentication bookkeeping for many keys of one kind.
#[derive(Debug, Clone)]
pub struct AuthThrottle {
    policy: ThrottlePolicy,
    keys: HashMap<String, Entry>,
}

impl AuthThrottle {
    /// A throttle with `policy`.
    #[must_use]
    pub fn new(policy: ThrottlePolicy) -> AuthThrottle {
        AuthThrottle {
            policy,
            keys: HashMap::new(),
        }
    }

    /// The policy.
    #[must_use]
    pub fn policy(&self) -> &ThrottlePolicy {
        &self.policy
    }

    fn live(&self, key: &str, now_ms: i64) -> Option<&Entry> {
        self.keys.get(key).filter(|e| !self.forgotten(e, now_ms))
    }

    /// A key is forgotten after a quiet period counted from its last failure or the end of
    /// its ban, whichever is later: the first failure after a ban bans it again.
    fn forgotten(&self, e: &Entry, now_ms: i64) -> bool {
        forgotten(e, now_ms, self.policy.forget_ms)
    }

    /// Whether `key` may try now, without counting anything.
    ///
    /// # Errors
    ///
    /// The [`Refusal`] when it may not.
    pub fn check(&self, key: &str, now_ms: i64) -> Result<(), Refusal> {
        let Some(e) = self.live(key, now_ms) else {
            return Ok(());
        };
        if now_ms < e.banned_until_ms {
            return Err(Refusal::Banned(e.banned_until_ms - now_ms));
        }
        let next = e.last_ms.saturating_add(self.policy.delay_ms(e.failures));
        if now_ms < next {
            return Err(Refusal::Wait(next - now_ms));
        }
        Ok(())
    }

    /// Checks and counts an attempt in one step, before the password is verified.
    ///
    /// # Errors
    ///
    /// The [`Refusal`] when `key` may not try now (nothing is counted then).
    pub fn attempt(&mut self, key: &str, now_ms: i64) -> Result<Attempt, Refusal> {
        self.check(key, now_ms)?;
        Ok(self.count(key, now_ms))
    }

    /// Counts a failure of `key` whatever its state (an attempt refused by another key's
    /// throttle still tells against this one).
    pub fn count(&mut self, key: &str, now_ms: i64) -> Attempt {
        if self.keys.len() >= self.policy.capacity.max(1) && !self.keys.contains_key(key) {
            self.prune(now_ms);
        }
        let forget = self.policy.forget_ms;
        let e = self.keys.entry(key.to_owned()).or_insert(Entry {
            failures: 0,
            last_ms: now_ms,
            banned_until_ms: i64::MIN,
        });
        if forgotten(e, now_ms, forget) {
            *e = Entry {
                failures: 0,
                last_ms: now_ms,
                banned_until_ms: i64::MIN,
            };
        }
        let before = e.banned_until_ms;
        e.failures = e.failures.saturating_add(1);
        e.last_ms = now_ms;
        let bans = self
            .policy
            .ban_after
            .is_some_and(|b| e.failures >= b.max(1));
        if bans {
            e.banned_until_ms = now_ms.saturating_add(self.policy.ban_ms);
        }
        Attempt {
            failures: e.failures,
            bans,
            banned_until_before: before,
        }
    }

    /// Takes back `attempt` (it succeeded for a key that must not be cleared by one success,
    /// or the check could not be made): one failure less, and the ban it set lifted.
    pub fn release(&mut self, key: &str, attempt: &Attempt) {
        if let Some(e) = self.keys.get_mut(key) {
            e.failures = e.failures.saturating_sub(1);
            if attempt.bans {
                e.banned_until_ms = attempt.banned_until_before;
            }
            if e.failures == 0 && e.banned_until_ms == i64::MIN {
                self.keys.remove(key);
            }
        }
    }

    /// Forgets `key`'s failures (a successful login of that user name or MN).
    pub fn succeed(&mut self, key: &str) {
        self.keys.remove(key);
    }

    /// Failures `key` has now (0 when unknown or forgotten).
    #[must_use]
    pub fn failures(&self, key: &str, now_ms: i64) -> u32 {
        self.live(key, now_ms).map_or(0, |e| e.failures)
    }

    /// Keys currently tracked.
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is tracked.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn prune(&mut self, now_ms: i64) {
        let forget = self.policy.forget_ms;
        self.keys.retain(|_, e| !forgotten(e, now_ms, forget));
        if self.keys.len() >= self.policy.capacity.max(1) {
            // Still full of live keys: drop the older half (by last failure).
            let mut lasts: Vec<i64> = self.keys.values().map(|e| e.last_ms).collect();
            lasts.sort_unstable();
            let cut = lasts[lasts.len() / 2];
            self.keys.retain(|_, e| e.last_ms > cut);
        }
    }
}

/// See [`AuthThrottle::forgotten`].
fn forgotten(e: &Entry, now_ms: i64, forget_ms: i64) -> bool {
    now_ms.saturating_sub(e.last_ms.max(e.banned_until_ms)) >= forget_ms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ThrottlePolicy {
        ThrottlePolicy {
            free_failures: 3,
            base_delay_ms: 100,
            max_delay_ms: 1_000,
            ban_after: Some(10),
            ban_ms: 60_000,
            forget_ms: 600_000,
            capacity: 1_000,
        }
    }

    #[test]
    fn free_failures_then_a_doubling_capped_delay() {
        let p = policy();
        let delays: Vec<i64> = (0..10).map(|n| p.delay_ms(n)).collect();
        assert_eq!(delays, [0, 0, 0, 100, 200, 400, 800, 1000, 1000, 1000]);
        assert_eq!(p.delay_ms(u32::MAX), 1000);
    }

    #[test]
    fn waits_grow_and_other_keys_are_not_affected() {
        let mut t = AuthThrottle::new(policy());
        for i in 0..3 {
            assert!(t.attempt("u", i).is_ok());
        }
        // Three failures: the next attempt waits 100 ms after the last one.
        assert_eq!(t.attempt("u", 3), Err(Refusal::Wait(99)));
        assert!(t.attempt("u", 102).is_ok());
        assert_eq!(t.check("u", 150), Err(Refusal::Wait(152)));
        assert_eq!(t.check("v", 150), Ok(()));
        // Forgotten after a quiet period.
        assert_eq!(t.failures("u", 102 + 600_000), 0);
        assert_eq!(t.check("u", 102 + 600_000), Ok(()));
    }

    #[test]
    fn a_ban_refuses_outright_and_a_failure_after_it_bans_again() {
        let mut t = AuthThrottle::new(ThrottlePolicy {
            base_delay_ms: 0,
            ..policy()
        });
        for i in 0..9 {
            assert!(!t.attempt("ip", i).unwrap().bans);
        }
        assert!(t.attempt("ip", 9).unwrap().bans);
        assert_eq!(t.check("ip", 10), Err(Refusal::Banned(59_999)));
        assert_eq!(t.check("ip", 60_009), Ok(()));
        assert!(t.attempt("ip", 60_009).unwrap().bans);
    }

    #[test]
    fn release_takes_back_one_attempt_and_its_ban_succeed_clears() {
        let mut t = AuthThrottle::new(ThrottlePolicy {
            base_delay_ms: 0,
            ..policy()
        });
        for i in 0..9 {
            t.attempt("ip", i).unwrap();
        }
        let last = t.attempt("ip", 9).unwrap();
        assert!(last.bans);
        // It was the right password after all: no ban, the earlier failures stay.
        t.release("ip", &last);
        assert_eq!(t.check("ip", 10), Ok(()));
        assert_eq!(t.failures("ip", 10), 9);
        t.succeed("ip");
        assert_eq!(t.failures("ip", 10), 0);
        assert!(t.is_empty());
    }

    #[test]
    fn without_a_ban_a_key_is_only_slowed() {
        let mut t = AuthThrottle::new(ThrottlePolicy {
            ban_after: None,
            ..policy()
        });
        let mut now = 0;
        let mut allowed = 0;
        while now < 100_000 {
            match t.attempt("admin", now) {
                Ok(a) => {
                    assert!(!a.bans);
                    allowed += 1;
                }
                Err(r) => assert!(matches!(r, Refusal::Wait(ms) if ms <= 1_000)),
            }
            now += 10;
        }
        // 3 free, 4 growing waits (1.4 s), then one a second: 3 + 4 + 98.
        assert_eq!(allowed, 105);
    }

    #[test]
    fn figures_of_a_policy() {
        // 3 free at 0, 1, 2 ms; waits of 100, 200, 400, 800 ms, then bans at the tenth.
        let (n, ban) = policy().guesses_within(60_000);
        assert_eq!(n, 10);
        assert_eq!(ban, Some(2 + 100 + 200 + 400 + 800 + 1000 * 3));
        let slowed = ThrottlePolicy {
            ban_after: None,
            ..policy()
        };
        assert_eq!(slowed.guesses_within(100_000).0, 105);
    }

    #[test]
    fn memory_is_bounded() {
        let mut t = AuthThrottle::new(ThrottlePolicy {
            capacity: 10,
            free_failures: 1,
            ..policy()
        });
        for i in 0..100 {
            t.count(&format!("k{i}"), i);
        }
        assert!(t.len() <= 10, "{}", t.len());
        // The newest key is still tracked.
        t.count("k99", 100);
        assert_eq!(t.check("k99", 101), Err(Refusal::Wait(199)));
    }
}
