//! What a test injects and observes: faults on demand ([`Faults`]: latency, error bursts,
//! dropped connections, outages, key rotation), the Backend API's rate limits ([`RateLimit`]),
//! and per-endpoint call counters with the request log ([`Calls`]).

pub(crate) mod calls;
pub(crate) mod on_demand;
pub(crate) mod rate_limit;

pub use calls::{CallKey, Calls, RequestRecord, DROPPED, LOGGED_HEADERS, REDACTED_QUERY_PARAMS};
pub use on_demand::{Faults, Outage};
pub use rate_limit::RateLimit;
