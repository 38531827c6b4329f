//! A user's email addresses and phone numbers as the Backend API's `/v1/email_addresses` and
//! `/v1/phone_numbers` change them: each one lives in its user (`email_addresses`,
//! `phone_numbers`, the primary ids), every change is a `user.updated`.

use serde_json::Value;

use crate::clock::now_ms;
use crate::ids::new_id;
use crate::store::user::{EmailAddress, PhoneNumber, User, Verification};
use crate::store::user_store::UserStore;
use crate::webhooks::delivery::Origin;

/// At most this many email addresses, and as many phone numbers, per user.
pub(crate) const MAX_PER_USER: usize = 50;

/// Which identifications a call is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `/v1/email_addresses`.
    Email,
    /// `/v1/phone_numbers`.
    Phone,
}

/// A new email address or phone number.
#[derive(Debug, Clone, Default)]
pub(crate) struct NewIdentification {
    pub(crate) user_id: String,
    pub(crate) value: String,
    pub(crate) verified: bool,
    /// `None`: primary only when it is the user's first of its kind.
    pub(crate) primary: Option<bool>,
    /// Phone numbers only.
    pub(crate) reserved_for_second_factor: bool,
}

/// What an update changes; `None` keeps it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct IdentificationChange {
    pub(crate) verified: Option<bool>,
    pub(crate) primary: Option<bool>,
    /// Phone numbers only.
    pub(crate) reserved_for_second_factor: Option<bool>,
}

/// Why a call is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IdentificationRefusal {
    /// No user has the `user_id`.
    UserNotFound,
    /// No identification of the kind has the id.
    NotFound,
    /// Not an email address / not an E.164 phone number.
    InvalidFormat,
    /// Another identification (of any user) has the value.
    Taken(String),
    /// Only a verified identification can be primary.
    VerificationNeeded,
    /// Only a verified phone number can be reserved for the second factor (on create or not).
    SecondFactorUnverified { create: bool },
    /// The user would be left without any identification.
    LastIdentification,
    /// The user has [`MAX_PER_USER`] of the kind.
    TooMany,
}

/// Whether Clerk would take `value` as an identification of `kind`.
pub(crate) fn valid(kind: Kind, value: &str) -> bool {
    match kind {
        Kind::Email => match value.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
                    && !value.chars().any(char::is_whitespace)
            }
            None => false,
        },
        Kind::Phone => value.strip_prefix('+').is_some_and(|digits| {
            (7..=15).contains(&digits.len())
                && digits.bytes().all(|b| b.is_ascii_digit())
                && !digits.starts_with('0')
        }),
    }
}

type Outcome<T> = Result<T, IdentificationRefusal>;

impl UserStore {
    /// The email address or phone number `id` as Clerk serves it.
    pub(crate) fn identification(&self, kind: Kind, id: &str) -> Option<Value> {
        self.with_users(|users| users.iter().find_map(|user| render(kind, user, id)))
    }

    /// Adds an email address or phone number to a user.
    pub(crate) fn create_identification(
        &self,
        kind: Kind,
        new: NewIdentification,
        origin: &Origin,
    ) -> Outcome<Value> {
        if !valid(kind, &new.value) {
            return Err(IdentificationRefusal::InvalidFormat);
        }
        if new.primary == Some(true) && !new.verified {
            return Err(IdentificationRefusal::VerificationNeeded);
        }
        if new.reserved_for_second_factor && !new.verified {
            return Err(IdentificationRefusal::SecondFactorUnverified { create: true });
        }
        let id = new_id("idn_");
        let user = self.with_users(|users| {
            if users.iter().any(|user| holds(kind, user, &new.value)) {
                return Err(IdentificationRefusal::Taken(new.value.clone()));
            }
            let user = users
                .iter_mut()
                .find(|user| user.id == new.user_id)
                .ok_or(IdentificationRefusal::UserNotFound)?;
            let now = now_ms().max(user.updated_at + 1);
            let verification = new.verified.then(Verification::admin);
            match kind {
                Kind::Email => {
                    if user.email_addresses.len() >= MAX_PER_USER {
                        return Err(IdentificationRefusal::TooMany);
                    }
                    user.email_addresses.push(EmailAddress {
                        id: id.clone(),
                        object: "email_address".to_owned(),
                        email_address: new.value.clone(),
                        reserved: false,
                        verification,
                        linked_to: Vec::new(),
                        matches_sso_connection: false,
                        created_at: now,
                        updated_at: now,
                    });
                    let first = user.primary_email_address_id.is_none() && new.verified;
                    if new.primary.unwrap_or(first) {
                        user.primary_email_address_id = Some(id.clone());
                    }
                }
                Kind::Phone => {
                    if user.phone_numbers.len() >= MAX_PER_USER {
                        return Err(IdentificationRefusal::TooMany);
                    }
                    let reserved = new.reserved_for_second_factor;
                    let default = reserved && !user.phone_numbers.iter().any(|p| p.default_second_factor);
                    user.phone_numbers.push(PhoneNumber {
                        id: id.clone(),
                        object: "phone_number".to_owned(),
                        phone_number: new.value.clone(),
                        reserved_for_second_factor: reserved,
                        default_second_factor: default,
                        reserved: false,
                        verification,
                        linked_to: Vec::new(),
                        backup_codes: None,
                        created_at: now,
                        updated_at: now,
                    });
                    let first = user.primary_phone_number_id.is_none() && new.verified;
                    if new.primary.unwrap_or(first) {
                        user.primary_phone_number_id = Some(id.clone());
                    }
                }
            }
            user.updated_at = now;
            Ok(user.clone())
        })?;
        self.emit_updated(&user, origin);
        render(kind, &user, &id).ok_or(IdentificationRefusal::NotFound)
    }

    /// Changes an email address or phone number (verified, primary, second factor).
    pub(crate) fn update_identification(
        &self,
        kind: Kind,
        id: &str,
        change: IdentificationChange,
        origin: &Origin,
    ) -> Outcome<Value> {
        let user = self.with_users(|users| {
            let user = users
                .iter_mut()
                .find(|user| render(kind, user, id).is_some())
                .ok_or(IdentificationRefusal::NotFound)?;
            let now = now_ms().max(user.updated_at + 1);
            let verification = |verified: bool| verified.then(Verification::admin);
            match kind {
                Kind::Email => {
                    let email = user
                        .email_addresses
                        .iter_mut()
                        .find(|e| e.id == id)
                        .ok_or(IdentificationRefusal::NotFound)?;
                    if let Some(verified) = change.verified {
                        email.verification = verification(verified);
                    }
                    if change.primary == Some(true) && email.verification.is_none() {
                        return Err(IdentificationRefusal::VerificationNeeded);
                    }
                    email.updated_at = now;
                    if change.primary == Some(true) {
                        user.primary_email_address_id = Some(id.to_owned());
                    }
                }
                Kind::Phone => {
                    let has_default = user
                        .phone_numbers
                        .iter()
                        .any(|p| p.default_second_factor && p.id != id);
                    let phone = user
                        .phone_numbers
                        .iter_mut()
                        .find(|p| p.id == id)
                        .ok_or(IdentificationRefusal::NotFound)?;
                    if let Some(verified) = change.verified {
                        phone.verification = verification(verified);
                    }
                    let verified = phone.verification.is_some();
                    if change.primary == Some(true) && !verified {
                        return Err(IdentificationRefusal::VerificationNeeded);
                    }
                    if let Some(reserved) = change.reserved_for_second_factor {
                        if reserved && !verified {
                            return Err(IdentificationRefusal::SecondFactorUnverified { create: false });
                        }
                        phone.reserved_for_second_factor = reserved;
                        phone.default_second_factor = reserved && !has_default;
                    }
                    phone.updated_at = now;
                    if change.primary == Some(true) {
                        user.primary_phone_number_id = Some(id.to_owned());
                    }
                }
            }
            user.updated_at = now;
            Ok(user.clone())
        })?;
        self.emit_updated(&user, origin);
        render(kind, &user, id).ok_or(IdentificationRefusal::NotFound)
    }

    /// Removes an email address or phone number; a primary one's role passes to the next of
    /// its kind (verified ones first). Refused for the user's last identification.
    pub(crate) fn delete_identification(&self, kind: Kind, id: &str, origin: &Origin) -> Outcome<()> {
        let user = self.with_users(|users| {
            let user = users
                .iter_mut()
                .find(|user| render(kind, user, id).is_some())
                .ok_or(IdentificationRefusal::NotFound)?;
            let identifications =
                user.email_addresses.len() + user.phone_numbers.len() + usize::from(user.username.is_some());
            if identifications <= 1 {
                return Err(IdentificationRefusal::LastIdentification);
            }
            match kind {
                Kind::Email => {
                    user.email_addresses.retain(|e| e.id != id);
                    if user.primary_email_address_id.as_deref() == Some(id) {
                        user.primary_email_address_id = next_primary(
                            user.email_addresses
                                .iter()
                                .map(|e| (&e.id, e.verification.is_some())),
                        );
                    }
                }
                Kind::Phone => {
                    user.phone_numbers.retain(|p| p.id != id);
                    if user.primary_phone_number_id.as_deref() == Some(id) {
                        user.primary_phone_number_id = next_primary(
                            user.phone_numbers
                                .iter()
                                .map(|p| (&p.id, p.verification.is_some())),
                        );
                    }
                }
            }
            user.updated_at = now_ms().max(user.updated_at + 1);
            Ok(user.clone())
        })?;
        self.emit_updated(&user, origin);
        Ok(())
    }
}

/// Whether `user` has `value` as an identification of `kind` (emails compared without case).
fn holds(kind: Kind, user: &User, value: &str) -> bool {
    match kind {
        Kind::Email => user
            .email_addresses
            .iter()
            .any(|e| e.email_address.eq_ignore_ascii_case(value)),
        Kind::Phone => user.phone_numbers.iter().any(|p| p.phone_number == value),
    }
}

/// The identification `id` of `user`, as Clerk serves it.
fn render(kind: Kind, user: &User, id: &str) -> Option<Value> {
    match kind {
        Kind::Email => user
            .email_addresses
            .iter()
            .find(|e| e.id == id)
            .and_then(|e| serde_json::to_value(e).ok()),
        Kind::Phone => user
            .phone_numbers
            .iter()
            .find(|p| p.id == id)
            .and_then(|p| serde_json::to_value(p).ok()),
    }
}

/// The first verified id, else the first.
fn next_primary<'a>(ids: impl Iterator<Item = (&'a String, bool)> + Clone) -> Option<String> {
    ids.clone()
        .find(|(_, verified)| *verified)
        .or_else(|| ids.clone().next())
        .map(|(id, _)| id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_checked() {
        assert!(valid(Kind::Email, "ada@example.com"));
        assert!(!valid(Kind::Email, "ada@example"));
        assert!(!valid(Kind::Email, "@example.com"));
        assert!(!valid(Kind::Email, "a da@example.com"));
        assert!(valid(Kind::Phone, "+15555550100"));
        assert!(!valid(Kind::Phone, "15555550100"));
        assert!(!valid(Kind::Phone, "+0555"));
        assert!(!valid(Kind::Phone, "+1555-555"));
    }
}
