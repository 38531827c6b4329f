//! Clerk's request-level result as the middleware stores it: [`RequestOutcome`] (status, auth,
//! reason, the headers the response must carry), and [`apply_outcome_headers`] to put those
//! headers on a response you build yourself.
//!
//! The rules live in [`clerk_core::request`]; these are its types, re-exported.

pub use clerk_core::request::{
    RequestOutcome, RequestReason, RequestStatus, HEADER_AUTH_MESSAGE, HEADER_AUTH_REASON, HEADER_AUTH_STATUS,
};

pub use crate::authenticate::{apply_outcome_headers, client_ip};
