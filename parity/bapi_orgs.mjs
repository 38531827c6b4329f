// Drives the offline Clerk (clerk-testkit) through every organization call of Clerk's official
// Backend API client (@clerk/backend, pinned in package.json), for
// crates/clerk-actix/tests/parity_orgs.rs.
// Input: environment (CLERK_API_URL, CLERK_SECRET_KEY, ADMIN_ID, MEMBER_ID,
// WEBHOOKS = JSON [{body, headers, secret}] of events the emulator emitted).
// Output: one JSON object with what each call returned: Clerk's resource objects as JSON (every
// field its classes expose), lists as {totalCount, data}, or the error's status and code.
import { createClerkClient, verifyToken } from '@clerk/backend';
import { verifyWebhook } from '@clerk/backend/webhooks';

console.log = (...args) => console.error(...args);
console.warn = (...args) => console.error(...args);

const apiUrl = process.env.CLERK_API_URL;
const secretKey = process.env.CLERK_SECRET_KEY;
const adminId = process.env.ADMIN_ID;
const memberId = process.env.MEMBER_ID;
const clerk = createClerkClient({ secretKey, apiUrl });
const out = {};
let orgId = null;
let invitationId = null;

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

await step('create', async () => {
  const created = await clerk.organizations.createOrganization({ name: 'Acme', slug: 'acme', createdBy: adminId,
    publicMetadata: { tier: 'pro' }, privateMetadata: { stripe: 'cus_1' } });
  orgId = created.id;
  return plain(created);
});
await step('create_taken', async () => plain(await clerk.organizations.createOrganization({ name: 'Other', slug: 'acme' })));
await step('get_by_id', async () => plain(await clerk.organizations.getOrganization({ organizationId: orgId, includeMembersCount: true })));
await step('get_by_slug', async () => plain(await clerk.organizations.getOrganization({ slug: 'acme' })));
await step('get_missing', async () => plain(await clerk.organizations.getOrganization({ organizationId: 'org_missing' })));
await step('list', async () => list(await clerk.organizations.getOrganizationList({ query: 'acm', limit: 10, offset: 0, includeMembersCount: true, orderBy: '-created_at' })));
await step('update', async () => plain(await clerk.organizations.updateOrganization(orgId, { name: 'Acme Corp', maxAllowedMemberships: 10 })));
await step('update_metadata', async () => plain(await clerk.organizations.updateOrganizationMetadata(orgId, { publicMetadata: { region: 'eu' } })));
await step('add_member', async () => plain(await clerk.organizations.createOrganizationMembership({ organizationId: orgId, userId: memberId, role: 'org:member' })));
await step('add_member_again', async () => plain(await clerk.organizations.createOrganizationMembership({ organizationId: orgId, userId: memberId, role: 'org:member' })));
await step('update_member', async () => plain(await clerk.organizations.updateOrganizationMembership({ organizationId: orgId, userId: memberId, role: 'org:auditor' })));
await step('update_member_metadata', async () => plain(await clerk.organizations.updateOrganizationMembershipMetadata({ organizationId: orgId, userId: memberId,
  publicMetadata: { team: 'ops' }, privateMetadata: { salary: 1 } })));
await step('members', async () => list(await clerk.organizations.getOrganizationMembershipList({ organizationId: orgId, limit: 10, orderBy: '+created_at' })));
await step('instance_members', async () => list(await clerk.organizations.getInstanceOrganizationMembershipList({ limit: 100, orderBy: '-created_at' })));
await step('user_memberships', async () => list(await clerk.users.getOrganizationMembershipList({ userId: memberId, limit: 10 })));
await step('invite', async () => {
  const created = await clerk.organizations.createOrganizationInvitation({ organizationId: orgId, emailAddress: 'cy@example.com', role: 'org:member',
    inviterUserId: adminId, privateMetadata: { source: 'crm' } });
  invitationId = created.id;
  return plain(created);
});
await step('invite_again', async () => plain(await clerk.organizations.createOrganizationInvitation({ organizationId: orgId, emailAddress: 'cy@example.com', role: 'org:member' })));
await step('invitations', async () => list(await clerk.organizations.getOrganizationInvitationList({ organizationId: orgId, status: ['pending'], limit: 10 })));
await step('get_invitation', async () => plain(await clerk.organizations.getOrganizationInvitation({ organizationId: orgId, invitationId })));
await step('revoke', async () => plain(await clerk.organizations.revokeOrganizationInvitation({ organizationId: orgId, invitationId, requestingUserId: adminId })));
await step('revoke_again', async () => plain(await clerk.organizations.revokeOrganizationInvitation({ organizationId: orgId, invitationId })));
await step('org_token', async () => {
  const session = await clerk.sessions.createSession({ userId: adminId });
  const token = await clerk.sessions.getToken(session.id);
  const claims = await verifyToken(token.jwt, { secretKey, apiUrl });
  return { session: plain(session), o: claims.o ?? null, fea: claims.fea ?? null };
});
await step('remove_member', async () => plain(await clerk.organizations.deleteOrganizationMembership({ organizationId: orgId, userId: memberId })));
await step('remove_member_again', async () => plain(await clerk.organizations.deleteOrganizationMembership({ organizationId: orgId, userId: memberId })));
await step('webhooks', async () => {
  const results = [];
  for (const { body, headers, secret } of JSON.parse(process.env.WEBHOOKS)) {
    const event = await verifyWebhook(new Request('http://localhost/webhooks/clerk', { method: 'POST', headers, body }), { signingSecret: secret });
    results.push({ type: event.type, id: event.data.id, hasPrivate: JSON.stringify(event.data).includes('private_metadata') });
  }
  return results;
});
await step('delete', async () => plain(await clerk.organizations.deleteOrganization(orgId)));
await step('get_deleted', async () => plain(await clerk.organizations.getOrganization({ organizationId: orgId })));
process.stdout.write(JSON.stringify(out) + '\n');
