//! A small seeded billing catalog for the Backend API's Billing reads: four plans (a free
//! default and a paid one for users, the same for organizations) and, per payer, the
//! subscription Clerk gives every payer: its default free plan, made on first read.

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::clock::now_ms;
use crate::ids::new_id;
use crate::lock::lock;

/// At most this many subscriptions are kept; the oldest goes first (a payer whose subscription
/// was forgotten gets a new one on its next read).
pub(crate) const MAX_SUBSCRIPTIONS: usize = 1_000;

/// Who pays: a user or an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PayerType {
    /// `user`.
    User,
    /// `org`.
    Org,
}

impl PayerType {
    /// The value as Clerk writes it (`for_payer_type`, `payer_type`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Org => "org",
        }
    }

    /// `user` or `org`.
    pub(crate) fn parse(value: &str) -> Option<Self> {
        match value {
            "user" => Some(Self::User),
            "org" => Some(Self::Org),
            _ => None,
        }
    }
}

/// A plan of the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Plan {
    id: String,
    product_id: String,
    name: String,
    slug: String,
    description: String,
    payer: PayerType,
    /// Cents a month; 0 for a free plan.
    monthly_fee: i64,
    is_default: bool,
    features: Vec<(String, String, String)>,
}

impl Plan {
    fn to_json(&self) -> Value {
        let annual = self.monthly_fee * 10;
        let paid = self.monthly_fee > 0;
        json!({
            "object": "commerce_plan",
            "id": self.id,
            "name": self.name,
            "fee": money(self.monthly_fee),
            "annual_monthly_fee": money(annual / 12),
            "annual_fee": money(annual),
            "description": self.description,
            "product_id": self.product_id,
            "is_default": self.is_default,
            "is_recurring": true,
            "publicly_visible": true,
            "has_base_fee": paid,
            "for_payer_type": self.payer.as_str(),
            "slug": self.slug,
            "avatar_url": null,
            "features": self.features.iter().map(|(id, name, slug)| json!({
                "object": "feature",
                "id": id,
                "name": name,
                "description": null,
                "slug": slug,
                "avatar_url": null,
            })).collect::<Vec<_>>(),
            "free_trial_enabled": false,
            "free_trial_days": null,
            "unit_prices": [],
        })
    }
}

/// A payer's subscription: one active item on one plan.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Subscription {
    id: String,
    item_id: String,
    /// The user or organization.
    owner_id: String,
    payer: PayerType,
    payer_id: String,
    plan_id: String,
    created_at: i64,
}

/// `CommerceMoneyResponse` for `cents` US dollars.
fn money(cents: i64) -> Value {
    json!({
        "amount": cents,
        "amount_formatted": format!("{}.{:02}", cents / 100, cents % 100),
        "currency": "USD",
        "currency_symbol": "$",
    })
}

#[derive(Debug, Default)]
struct BillingState {
    /// Creation order.
    subscriptions: Vec<Subscription>,
}

/// The catalog and the subscriptions.
#[derive(Debug, Clone)]
pub(crate) struct Billing {
    instance_id: String,
    plans: Arc<Vec<Plan>>,
    state: Arc<Mutex<BillingState>>,
}

impl Billing {
    /// The seeded catalog of the instance `instance_id`.
    pub(crate) fn new(instance_id: &str) -> Self {
        let plan = |name: &str, slug: &str, payer, monthly_fee, features: &[(&str, &str)]| Plan {
            id: new_id("cplan_"),
            product_id: new_id("prod_"),
            name: name.to_owned(),
            slug: slug.to_owned(),
            description: format!("The {name} plan"),
            payer,
            monthly_fee,
            is_default: monthly_fee == 0,
            features: features
                .iter()
                .map(|(name, slug)| (new_id("feat_"), (*name).to_owned(), (*slug).to_owned()))
                .collect(),
        };
        let plans = vec![
            plan("Free", "free_user", PayerType::User, 0, &[]),
            plan(
                "Pro",
                "pro",
                PayerType::User,
                1_000,
                &[("Priority support", "priority_support")],
            ),
            plan("Free", "free_org", PayerType::Org, 0, &[]),
            plan(
                "Team",
                "team",
                PayerType::Org,
                2_500,
                &[("Shared workspaces", "shared_workspaces")],
            ),
        ];
        Self {
            instance_id: instance_id.to_owned(),
            plans: Arc::new(plans),
            state: Arc::default(),
        }
    }

    /// The plans (of one payer type, or all), newest first as Clerk lists them.
    pub(crate) fn plans(&self, payer: Option<PayerType>) -> Vec<Value> {
        self.plans
            .iter()
            .rev()
            .filter(|plan| payer.is_none_or(|payer| plan.payer == payer))
            .map(Plan::to_json)
            .collect()
    }

    /// The subscription of the user or organization `owner_id` (which the caller checked
    /// exists): on its payer type's default plan, made on first read.
    pub(crate) fn subscription(&self, payer: PayerType, owner_id: &str) -> Value {
        let mut state = lock(&self.state);
        let existing = state
            .subscriptions
            .iter()
            .find(|s| s.owner_id == owner_id)
            .cloned();
        let subscription = existing.unwrap_or_else(|| {
            let plan_id = self
                .plans
                .iter()
                .find(|plan| plan.payer == payer && plan.is_default)
                .map(|plan| plan.id.clone())
                .unwrap_or_default();
            let now = now_ms().max(state.subscriptions.last().map_or(0, |s| s.created_at + 1));
            let subscription = Subscription {
                id: new_id("csub_"),
                item_id: new_id("csubi_"),
                owner_id: owner_id.to_owned(),
                payer,
                payer_id: new_id("cpayer_"),
                plan_id,
                created_at: now,
            };
            if state.subscriptions.len() >= MAX_SUBSCRIPTIONS {
                state.subscriptions.remove(0);
            }
            state.subscriptions.push(subscription.clone());
            subscription
        });
        self.subscription_json(&subscription)
    }

    /// The items of the subscriptions made so far (free plans only with `include_free`), newest
    /// first.
    pub(crate) fn items(
        &self,
        payer: Option<PayerType>,
        plan_id: Option<&str>,
        include_free: bool,
    ) -> Vec<Value> {
        let state = lock(&self.state);
        state
            .subscriptions
            .iter()
            .rev()
            .filter(|s| payer.is_none_or(|payer| s.payer == payer))
            .filter(|s| plan_id.is_none_or(|id| s.plan_id == id))
            .filter(|s| include_free || self.plan(&s.plan_id).is_some_and(|p| p.monthly_fee > 0))
            .map(|s| self.item_json(s))
            .collect()
    }

    fn plan(&self, id: &str) -> Option<&Plan> {
        self.plans.iter().find(|plan| plan.id == id)
    }

    fn item_json(&self, subscription: &Subscription) -> Value {
        let plan = self.plan(&subscription.plan_id);
        json!({
            "object": "commerce_subscription_item",
            "id": subscription.item_id,
            "instance_id": self.instance_id,
            "status": "active",
            "plan_id": subscription.plan_id,
            "price_id": null,
            "plan": plan.map(Plan::to_json),
            "plan_period": "month",
            "payer_id": subscription.payer_id,
            "is_free_trial": false,
            "period_start": subscription.created_at,
            "period_end": null,
            "canceled_at": null,
            "past_due_at": null,
            "ended_at": null,
            "created_at": subscription.created_at,
            "updated_at": subscription.created_at,
            "lifetime_paid": money(0),
            "next_payment": null,
        })
    }

    fn subscription_json(&self, subscription: &Subscription) -> Value {
        json!({
            "object": "commerce_subscription",
            "id": subscription.id,
            "instance_id": self.instance_id,
            "status": "active",
            "payer_id": subscription.payer_id,
            "created_at": subscription.created_at,
            "updated_at": subscription.created_at,
            "active_at": subscription.created_at,
            "past_due_at": null,
            "subscription_items": [self.item_json(subscription)],
            "next_payment": null,
            "eligible_for_free_trial": false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payer_keeps_its_subscription_on_its_default_plan() {
        let billing = Billing::new("ins_1");
        assert_eq!(billing.plans(None).len(), 4);
        assert_eq!(billing.plans(Some(PayerType::Org)).len(), 2);
        let first = billing.subscription(PayerType::User, "user_1");
        let again = billing.subscription(PayerType::User, "user_1");
        assert_eq!(first, again);
        let item = &first["subscription_items"][0];
        assert_eq!(item["plan"]["slug"], "free_user");
        assert_eq!(item["plan"]["fee"]["amount_formatted"], "0.00");
        assert!(billing.items(None, None, false).is_empty());
        assert_eq!(billing.items(None, None, true).len(), 1);
    }

    #[test]
    fn subscriptions_are_bounded() {
        let billing = Billing::new("ins_1");
        for i in 0..=MAX_SUBSCRIPTIONS {
            billing.subscription(PayerType::User, &format!("user_{i}"));
        }
        assert_eq!(billing.items(None, None, true).len(), MAX_SUBSCRIPTIONS);
    }
}
