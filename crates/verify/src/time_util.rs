//! Time formatting for reports.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// RFC 3339 in UTC; falls back to the Unix timestamp for dates RFC 3339 cannot express.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC).format(&Rfc3339).unwrap_or_else(|_| format!("@{}", t.unix_timestamp()))
}
