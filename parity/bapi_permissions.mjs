// Drives the offline Clerk (clerk-testkit) through the organization-permission calls of the
// Backend API (issue 26) with Clerk's official client (@clerk/backend, pinned in package.json),
// for crates/clerk-actix/tests/parity_bapi_permissions.rs.
// Input: environment (CLERK_API_URL, CLERK_SECRET_KEY).
// Output: one JSON object with what each call returned: Clerk's resource objects as JSON (every
// field its classes expose), lists as {totalCount, data}, or the error's status and code.
import { createClerkClient } from '@clerk/backend';

console.log = (...args) => console.error(...args);
console.warn = (...args) => console.error(...args);

const env = process.env;
const clerk = createClerkClient({ secretKey: env.CLERK_SECRET_KEY, apiUrl: env.CLERK_API_URL });
const permissions = clerk.organizationPermissions;
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

let readId = null;
let billingId = null;
await step('create', async () => {
  const created = await permissions.createOrganizationPermission({ name: 'Read team', key: 'org:team:read', description: 'See the team' });
  readId = created.id;
  return plain(created);
});
await step('create_plain', async () => {
  const created = await permissions.createOrganizationPermission({ name: 'Manage billing', key: 'org:billing:manage' });
  billingId = created.id;
  return plain(created);
});
await step('create_duplicate', async () => plain(await permissions.createOrganizationPermission({ name: 'Again', key: 'org:team:read' })));
await step('create_reserved', async () => plain(await permissions.createOrganizationPermission({ name: 'System', key: 'org:sys_team:read' })));
await step('get', async () => plain(await permissions.getOrganizationPermission(readId)));
await step('update', async () => plain(await permissions.updateOrganizationPermission({ permissionId: readId, name: 'Read the team', description: 'See every member' })));
await step('update_duplicate', async () => plain(await permissions.updateOrganizationPermission({ permissionId: billingId, key: 'org:team:read' })));
await step('list_query', async () => list(await permissions.getOrganizationPermissionList({ query: 'billing' })));
await step('list_page', async () => list(await permissions.getOrganizationPermissionList({ limit: 1, offset: 1 })));
await step('delete', async () => plain(await permissions.deleteOrganizationPermission(billingId)));
await step('get_deleted', async () => plain(await permissions.getOrganizationPermission(billingId)));
await step('state', async () => list(await permissions.getOrganizationPermissionList()));

process.stdout.write(JSON.stringify(out) + '\n');
