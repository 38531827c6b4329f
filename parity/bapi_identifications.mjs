// Drives the offline Clerk (clerk-testkit) through the email-address and phone-number calls of
// the Backend API (issue 26) with Clerk's official client (@clerk/backend, pinned in
// package.json), for crates/clerk-actix/tests/parity_bapi_identifications.rs.
// Input: environment (CLERK_API_URL, CLERK_SECRET_KEY; USER_ID: a user with one email address).
// Output: one JSON object with what each call returned: Clerk's resource objects as JSON (every
// field its classes expose), or the error's status and code.
import { createClerkClient } from '@clerk/backend';

console.log = (...args) => console.error(...args);
console.warn = (...args) => console.error(...args);

const env = process.env;
const clerk = createClerkClient({ secretKey: env.CLERK_SECRET_KEY, apiUrl: env.CLERK_API_URL });
const emails = clerk.emailAddresses;
const phones = clerk.phoneNumbers;
const userId = env.USER_ID;
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

let firstId = null;
let workId = null;
let oldId = null;
let phoneId = null;
await step('user_before', async () => {
  const user = await clerk.users.getUser(userId);
  firstId = user.primaryEmailAddressId;
  return plain(user);
});
await step('email_create', async () => {
  const created = await emails.createEmailAddress({ userId, emailAddress: 'ada.work@example.com', verified: true });
  workId = created.id;
  return plain(created);
});
await step('email_create_unverified', async () => {
  const created = await emails.createEmailAddress({ userId, emailAddress: 'ada.old@example.com' });
  oldId = created.id;
  return plain(created);
});
await step('email_create_taken', async () => plain(await emails.createEmailAddress({ userId, emailAddress: 'ADA@example.com', verified: true })));
await step('email_create_bad', async () => plain(await emails.createEmailAddress({ userId, emailAddress: 'not-an-email' })));
await step('email_create_unknown_user', async () => plain(await emails.createEmailAddress({ userId: 'user_2ParityNobody0000000000000', emailAddress: 'nobody@example.com' })));
await step('email_primary_unverified', async () => plain(await emails.updateEmailAddress(oldId, { primary: true })));
await step('email_update', async () => plain(await emails.updateEmailAddress(workId, { primary: true })));
await step('email_verify', async () => plain(await emails.updateEmailAddress(oldId, { verified: true })));
await step('email_get', async () => plain(await emails.getEmailAddress(workId)));
await step('phone_create', async () => {
  const created = await phones.createPhoneNumber({ userId, phoneNumber: '+15555550100', verified: true, reservedForSecondFactor: true });
  phoneId = created.id;
  return plain(created);
});
await step('phone_create_bad', async () => plain(await phones.createPhoneNumber({ userId, phoneNumber: '555-0100' })));
await step('phone_create_unverified_second_factor', async () => plain(await phones.createPhoneNumber({ userId, phoneNumber: '+15555550101', reservedForSecondFactor: true })));
await step('phone_update', async () => plain(await phones.updatePhoneNumber(phoneId, { reservedForSecondFactor: false })));
await step('phone_get', async () => plain(await phones.getPhoneNumber(phoneId)));
await step('user_after', async () => plain(await clerk.users.getUser(userId)));
await step('email_delete', async () => plain(await emails.deleteEmailAddress(oldId)));
await step('phone_delete', async () => plain(await phones.deletePhoneNumber(phoneId)));
await step('email_delete_primary', async () => plain(await emails.deleteEmailAddress(workId)));
await step('email_delete_last', async () => plain(await emails.deleteEmailAddress(firstId)));
await step('email_get_deleted', async () => plain(await emails.getEmailAddress(workId)));
await step('phone_get_deleted', async () => plain(await phones.getPhoneNumber(phoneId)));
await step('state', async () => plain(await clerk.users.getUser(userId)));

process.stdout.write(JSON.stringify(out) + '\n');
