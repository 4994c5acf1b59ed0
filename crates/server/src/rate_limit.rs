//! Per-client token buckets for the verification surfaces (`/v/*` and `POST /api/v1/verify`): enough for a
//! person or an integration checking documents, not for enumerating tokens or burning CPU on validations.
//!
//! Clients are told apart by their address (IPv6 by its /64, which one subscriber usually holds whole). The
//! table is in memory and bounded: when full, idle clients (whose bucket has refilled) go first, then the
//! longest-unseen one. Behind a reverse proxy every client shares the proxy's address; see the README.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How fast one client may call a rate-limited surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per minute.
    pub per_minute: u32,
    /// Requests allowed at once after a pause.
    pub burst: u32,
    /// Clients tracked at most.
    pub max_clients: usize,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self { per_minute: 30, burst: 10, max_clients: 10_000 }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

#[derive(Debug)]
pub(crate) struct Limiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl Limiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        Self { limit, buckets: Mutex::new(HashMap::new()) }
    }

    fn per_second(&self) -> f64 {
        f64::from(self.limit.per_minute.max(1)) / 60.0
    }

    fn burst(&self) -> f64 {
        f64::from(self.limit.burst.max(1))
    }

    fn refilled(&self, bucket: Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        (bucket.tokens + elapsed * self.per_second()).min(self.burst())
    }

    /// Takes one token for `client`; `Err(wait)` when there is none yet.
    pub(crate) fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let key = client_key(client);
        // A poisoned lock only means another request panicked mid-update; the table is still usable.
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !buckets.contains_key(&key) && buckets.len() >= self.limit.max_clients.max(1) {
            self.evict(&mut buckets, now);
        }
        let bucket = buckets.entry(key).or_insert(Bucket { tokens: self.burst(), updated: now });
        let tokens = self.refilled(*bucket, now);
        if tokens >= 1.0 {
            *bucket = Bucket { tokens: tokens - 1.0, updated: now };
            Ok(())
        } else {
            *bucket = Bucket { tokens, updated: now };
            Err(Duration::from_secs_f64(((1.0 - tokens) / self.per_second()).max(0.0)).max(Duration::from_secs(1)))
        }
    }

    fn evict(&self, buckets: &mut HashMap<IpAddr, Bucket>, now: Instant) {
        let burst = self.burst();
        buckets.retain(|_, b| self.refilled(*b, now) < burst);
        if buckets.len() >= self.limit.max_clients.max(1)
            && let Some(oldest) = buckets.iter().min_by_key(|(_, b)| b.updated).map(|(k, _)| *k)
        {
            buckets.remove(&oldest);
        }
    }

    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.buckets.lock().map(|b| b.len()).unwrap_or_default()
    }
}

/// IPv4 addresses as they are; IPv6 by /64 (an IPv4-mapped address counts as IPv4).
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: RateLimit = RateLimit { per_minute: 60, burst: 3, max_clients: 2 };

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_burst_then_the_sustained_rate() {
        let limiter = Limiter::new(LIMIT);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check(ip("10.0.0.1"), t0), Ok(()));
        }
        let wait = limiter.check(ip("10.0.0.1"), t0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(1));
        // Another client has its own bucket.
        assert_eq!(limiter.check(ip("10.0.0.2"), t0), Ok(()));
        // One token per second comes back (60 per minute).
        assert_eq!(limiter.check(ip("10.0.0.1"), t0 + Duration::from_millis(1100)), Ok(()));
        assert!(limiter.check(ip("10.0.0.1"), t0 + Duration::from_millis(1200)).is_err());
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        let limiter = Limiter::new(RateLimit { max_clients: 10, ..LIMIT });
        let t0 = Instant::now();
        for host in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3"] {
            assert_eq!(limiter.check(ip(host), t0), Ok(()));
        }
        assert!(limiter.check(ip("2001:db8:1:2::4"), t0).is_err());
        assert_eq!(limiter.check(ip("2001:db8:1:3::1"), t0), Ok(()));
        assert_eq!(client_key(ip("::ffff:10.0.0.1")), ip("10.0.0.1"));
    }

    #[test]
    fn the_table_stays_bounded_and_evicts_idle_clients_first() {
        let limiter = Limiter::new(LIMIT);
        let t0 = Instant::now();
        limiter.check(ip("10.0.0.1"), t0).unwrap();
        for _ in 0..3 {
            let _ = limiter.check(ip("10.0.0.2"), t0 + Duration::from_secs(5));
        }
        // 10.0.0.1 has refilled by now (idle), 10.0.0.2 has not: the idle one goes.
        limiter.check(ip("10.0.0.3"), t0 + Duration::from_secs(5)).unwrap();
        assert_eq!(limiter.tracked(), 2);
        assert!(limiter.check(ip("10.0.0.2"), t0 + Duration::from_secs(5)).is_err(), "the busy client kept its state");
        // Nobody idle: the longest-unseen client goes, the table never grows.
        for (i, host) in ["10.0.0.4", "10.0.0.5", "10.0.0.6"].iter().enumerate() {
            limiter.check(ip(host), t0 + Duration::from_secs(5) + Duration::from_millis(i as u64)).unwrap();
            assert!(limiter.tracked() <= 2);
        }
    }
}
