// Drives the offline Clerk (clerk-testkit) through the domain calls of the Backend API (issue 26)
// with Clerk's official client (@clerk/backend, pinned in package.json), for
// crates/clerk-actix/tests/parity_bapi_domains.rs.
// Input: environment (CLERK_API_URL, CLERK_SECRET_KEY of a production instance).
// Output: one JSON object with what each call returned: Clerk's resource objects as JSON (every
// field its classes expose), lists as {totalCount, data}, or the error's status and code.
import { createClerkClient } from '@clerk/backend';

console.log = (...args) => console.error(...args);
console.warn = (...args) => console.error(...args);

const env = process.env;
const clerk = createClerkClient({ secretKey: env.CLERK_SECRET_KEY, apiUrl: env.CLERK_API_URL });
const domains = clerk.domains;
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

let primaryId = null;
let shopId = null;
await step('list_before', async () => {
  const page = await domains.list();
  primaryId = page.data[0].id;
  return list(page);
});
await step('add', async () => {
  const added = await domains.add({ name: 'shop.example.org', isSatellite: true });
  shopId = added.id;
  return plain(added);
});
await step('add_with_proxy', async () => plain(await domains.add({ name: 'blog.example.org', isSatellite: true, proxyUrl: 'https://blog.example.org/__clerk' })));
await step('add_primary', async () => plain(await domains.add({ name: 'primary.example.org', isSatellite: false })));
await step('add_taken', async () => plain(await domains.add({ name: 'SHOP.example.org', isSatellite: true })));
await step('add_bad_name', async () => plain(await domains.add({ name: 'https://bad.example.org', isSatellite: true })));
await step('update', async () => plain(await domains.update({ domainId: shopId, name: 'store.example.org', proxyUrl: 'https://store.example.org/__clerk' })));
await step('update_taken', async () => plain(await domains.update({ domainId: shopId, name: 'blog.example.org' })));
await step('update_primary_proxy', async () => plain(await domains.update({ domainId: primaryId, proxyUrl: 'https://www.example.net/__clerk' })));
await step('update_primary_name', async () => plain(await domains.update({ domainId: primaryId, name: 'renamed.example.net' })));
await step('delete', async () => plain(await domains.delete(shopId)));
await step('delete_again', async () => plain(await domains.delete(shopId)));
await step('delete_primary', async () => plain(await domains.delete(primaryId)));
await step('state', async () => list(await domains.list()));

process.stdout.write(JSON.stringify(out) + '\n');
