// Drives the offline Clerk (clerk-testkit) through the Billing reads of the Backend API (issue 26)
// with Clerk's official client (@clerk/backend, pinned in package.json), for
// crates/clerk-actix/tests/parity_bapi_billing.rs.
// Input: environment (CLERK_API_URL, CLERK_SECRET_KEY; USER_ID and ORG_ID: a user and an
// organization the emulator has).
// Output: one JSON object with what each call returned: Clerk's resource objects as JSON (every
// field its classes expose), lists as {totalCount, data}, or the error's status and code.
import { createClerkClient } from '@clerk/backend';

console.log = (...args) => console.error(...args);
console.warn = (...args) => console.error(...args);

const env = process.env;
const clerk = createClerkClient({ secretKey: env.CLERK_SECRET_KEY, apiUrl: env.CLERK_API_URL });
const billing = clerk.billing;
const out = {};

async function step(name, f) {
  try {
    out[name] = await f();
  } catch (err) {
    out[name] = { error: true, status: err.status ?? null, code: err.errors?.[0]?.code ?? null };
    if (err.status === undefined) console.error(name, err);
  }
}

const plain = (resource) => JSON.parse(JSON.stringify(resource, (key, value) => (key === '_raw' ? undefined : value)));
const list = (page) => ({ totalCount: page.totalCount ?? null, data: page.data.map(plain) });
const nobody = 'user_2ParityNobody0000000000000';

await step('plans', async () => list(await billing.getPlanList()));
await step('plans_user', async () => list(await billing.getPlanList({ payerType: 'user' })));
await step('plans_page', async () => list(await billing.getPlanList({ limit: 1, offset: 1 })));
await step('user_subscription', async () => plain(await billing.getUserBillingSubscription(env.USER_ID)));
await step('user_subscription_again', async () => plain(await billing.getUserBillingSubscription(env.USER_ID)));
await step('org_subscription', async () => plain(await billing.getOrganizationBillingSubscription(env.ORG_ID)));
await step('user_subscription_unknown', async () => plain(await billing.getUserBillingSubscription(nobody)));
await step('org_subscription_unknown', async () => plain(await billing.getOrganizationBillingSubscription('org_2ParityNobody0000000000000')));

process.stdout.write(JSON.stringify(out) + '\n');
