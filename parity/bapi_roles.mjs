// Drives the offline Clerk (clerk-testkit) through the organization-role calls of the Backend API
// (issue 26) with Clerk's official client (@clerk/backend, pinned in package.json), for
// crates/clerk-actix/tests/parity_bapi_roles.rs.
// Input: environment (CLERK_API_URL, CLERK_SECRET_KEY; ORG_ID and USER_ID: an organization and a
// user the emulator already has, for a membership with a custom role).
// Output: one JSON object with what each call returned: Clerk's resource objects as JSON (every
// field its classes expose), lists as {totalCount, data}, or the error's status and code.
import { createClerkClient } from '@clerk/backend';

console.log = (...args) => console.error(...args);
console.warn = (...args) => console.error(...args);

const env = process.env;
const clerk = createClerkClient({ secretKey: env.CLERK_SECRET_KEY, apiUrl: env.CLERK_API_URL });
const roles = clerk.organizationRoles;
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

let permissionId = null;
let viewerId = null;
let editorId = null;
await step('permission', async () => {
  const created = await clerk.organizationPermissions.createOrganizationPermission({ name: 'Read team', key: 'org:team:read' });
  permissionId = created.id;
  return plain(created);
});
await step('create', async () => {
  const created = await roles.createOrganizationRole({ name: 'Viewer', key: 'org:viewer', description: 'Sees the team', permissions: [permissionId] });
  viewerId = created.id;
  return plain(created);
});
await step('create_plain', async () => {
  const created = await roles.createOrganizationRole({ name: 'Editor', key: 'org:editor' });
  editorId = created.id;
  return plain(created);
});
await step('create_duplicate', async () => plain(await roles.createOrganizationRole({ name: 'Again', key: 'org:viewer' })));
await step('create_bad_key', async () => plain(await roles.createOrganizationRole({ name: 'Bad', key: 'viewer' })));
await step('create_unknown_permission', async () => plain(await roles.createOrganizationRole({ name: 'Ghost', key: 'org:ghost', permissions: ['perm_unknown'] })));
await step('get', async () => plain(await roles.getOrganizationRole(viewerId)));
await step('update', async () => plain(await roles.updateOrganizationRole({ organizationRoleId: viewerId, name: 'Team viewer', description: 'Sees every member' })));
await step('update_duplicate', async () => plain(await roles.updateOrganizationRole({ organizationRoleId: editorId, key: 'org:viewer' })));
await step('assign', async () => plain(await roles.assignPermissionToOrganizationRole({ organizationRoleId: editorId, permissionId })));
await step('assign_again', async () => plain(await roles.assignPermissionToOrganizationRole({ organizationRoleId: editorId, permissionId })));
await step('remove', async () => plain(await roles.removePermissionFromOrganizationRole({ organizationRoleId: viewerId, permissionId })));
await step('remove_again', async () => plain(await roles.removePermissionFromOrganizationRole({ organizationRoleId: viewerId, permissionId })));
await step('list_query', async () => list(await roles.getOrganizationRoleList({ query: 'editor' })));
await step('list_page', async () => list(await roles.getOrganizationRoleList({ limit: 1, offset: 1 })));
await step('member_with_role', async () => {
  const m = await clerk.organizations.createOrganizationMembership({ organizationId: env.ORG_ID, userId: env.USER_ID, role: 'org:editor' });
  return { role: m.role, permissions: m.permissions };
});
await step('delete_in_use', async () => plain(await roles.deleteOrganizationRole(editorId)));
await step('delete', async () => plain(await roles.deleteOrganizationRole(viewerId)));
await step('get_deleted', async () => plain(await roles.getOrganizationRole(viewerId)));
await step('state', async () => list(await roles.getOrganizationRoleList({ limit: 20 })));

process.stdout.write(JSON.stringify(out) + '\n');
