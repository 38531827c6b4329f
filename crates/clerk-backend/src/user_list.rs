//! [`Users::list_stream`]: every user matching a filter, page after page. Hand-written: it
//! pages by Clerk's `starting_after` cursor where the order allows it, which the spec cannot say.

use clerk_core::User;

use super::paging::{Paged, Paging, DEFAULT_PAGE_SIZE};
use super::params::UserListParams;
use crate::users::Users;

impl Users<'_> {
    /// `GET /v1/users`, every page: a lazy [`Paged`] stream of the users matching `params`.
    ///
    /// Pages hold `params.limit` users ([`DEFAULT_PAGE_SIZE`] when unset). In a `created_at`
    /// order (Clerk's default `-created_at`, or `order_by` `created_at`/`+created_at`/
    /// `-created_at`) without an `offset`, pages follow Clerk's `starting_after` cursor (the
    /// id of the last user received), which neither skips nor repeats users created or
    /// deleted during the pass; in any other order they follow `offset`. Each page is one
    /// [`list`](Self::list) call: retried, within this handle's rate-budget share.
    pub fn list_stream(&self, params: &UserListParams) -> Paged<User> {
        let client = self.client.clone();
        let params = params.clone();
        let limit = params.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        let offset = params.offset.unwrap_or(0);
        let cursor = offset == 0 && is_created_at_order(params.order_by.as_deref());
        let paging = if cursor {
            Paging::Cursor(user_id)
        } else {
            Paging::Offset
        };
        let starting_after = params.starting_after.clone();
        Paged::new(limit, offset, starting_after, paging, move |page| {
            let client = client.clone();
            let mut params = params.clone();
            params.limit = Some(page.limit);
            params.starting_after = page.starting_after;
            // `offset=0` is not sent in cursor mode: Clerk refuses a cursor with an offset.
            params.offset = (!cursor).then_some(page.offset);
            async move {
                let users = client.users().list(&params).await?;
                Ok(super::Page::new(users, None))
            }
        })
    }
}

fn user_id(user: &User) -> &str {
    &user.id
}

/// Whether `order_by` is one of the orders Clerk's `starting_after` cursor works with.
fn is_created_at_order(order_by: Option<&str>) -> bool {
    matches!(
        order_by,
        None | Some("created_at" | "+created_at" | "-created_at")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_is_used_only_in_a_created_at_order() {
        assert!(is_created_at_order(None));
        assert!(is_created_at_order(Some("-created_at")));
        assert!(is_created_at_order(Some("+created_at")));
        assert!(!is_created_at_order(Some("-updated_at")));
        assert!(!is_created_at_order(Some("username")));
    }
}
