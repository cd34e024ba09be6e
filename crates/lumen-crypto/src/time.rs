//! The wall clock, read in one place. Code that decides on time (expiry, freshness) takes `now` as
//! a parameter; only the edges (a client starting an update, an audit line) call these.
//!
//! ```
//! let now = lumen_crypto::time::unix_now();
//! assert!(now > 1_700_000_000);
//! assert!(lumen_crypto::time::unix_now_millis() / 1000 >= now as u128);
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch; 0 if the clock is set before 1970.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Milliseconds since the Unix epoch; 0 if the clock is set before 1970.
pub fn unix_now_millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}
