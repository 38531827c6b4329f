// Drives the offline Clerk (clerk-testkit) through every organization call of Clerk's official
// Backend API client (@clerk/backend, pinned in package.json), for
// crates/clerk-actix/tests/parity_orgs.rs.
// Input: environment (CLERK_API_URL, CLERK_SECRET_KEY, ADMIN_ID, MEMBER_ID,
// WEBHOOKS = JSON [{body, headers, secret}] of events the emulator emitted).
// Output: one JSON object with what each call returned (or the error's status and code).
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
    out[name] = { error: true, status: err.status ?? null, code: err.errors?.[0]?.code ?? null, message: String(err.message ?? err) };
  }
}

const org = (o) => ({ id: o.id, name: o.name, slug: o.slug, membersCount: o.membersCount ?? null, createdBy: o.createdBy ?? null,
  publicMetadata: o.publicMetadata, privateMetadata: o.privateMetadata, updatedAt: o.updatedAt, adminDeleteEnabled: o.adminDeleteEnabled });
const membership = (m) => ({ id: m.id, role: m.role, permissions: m.permissions, orgId: m.organization.id, userId: m.publicUserData?.userId ?? null,
  identifier: m.publicUserData?.identifier ?? null, publicMetadata: m.publicMetadata, privateMetadata: m.privateMetadata });
const invitation = (i) => ({ id: i.id, emailAddress: i.emailAddress, role: i.role, roleName: i.roleName, status: i.status, organizationId: i.organizationId,
  privateMetadata: i.privateMetadata, expiresAt: i.expiresAt });

await step('create', async () => {
  const created = await clerk.organizations.createOrganization({ name: 'Acme', slug: 'acme', createdBy: adminId,
    publicMetadata: { tier: 'pro' }, privateMetadata: { stripe: 'cus_1' } });
  orgId = created.id;
  return org(created);
});
await step('create_taken', async () => clerk.organizations.createOrganization({ name: 'Other', slug: 'acme' }));
await step('get_by_id', async () => org(await clerk.organizations.getOrganization({ organizationId: orgId, includeMembersCount: true })));
await step('get_by_slug', async () => org(await clerk.organizations.getOrganization({ slug: 'acme' })));
await step('get_missing', async () => clerk.organizations.getOrganization({ organizationId: 'org_missing' }));
await step('list', async () => {
  const list = await clerk.organizations.getOrganizationList({ query: 'acm', limit: 10, offset: 0, includeMembersCount: true, orderBy: '-created_at' });
  return { totalCount: list.totalCount, ids: list.data.map((o) => o.id), membersCount: list.data[0]?.membersCount ?? null };
});
await step('update', async () => org(await clerk.organizations.updateOrganization(orgId, { name: 'Acme Corp', maxAllowedMemberships: 10 })));
await step('update_metadata', async () => org(await clerk.organizations.updateOrganizationMetadata(orgId, { publicMetadata: { region: 'eu' } })));
await step('add_member', async () => membership(await clerk.organizations.createOrganizationMembership({ organizationId: orgId, userId: memberId, role: 'org:member' })));
await step('add_member_again', async () => clerk.organizations.createOrganizationMembership({ organizationId: orgId, userId: memberId, role: 'org:member' }));
await step('update_member', async () => membership(await clerk.organizations.updateOrganizationMembership({ organizationId: orgId, userId: memberId, role: 'org:auditor' })));
await step('update_member_metadata', async () => membership(await clerk.organizations.updateOrganizationMembershipMetadata({ organizationId: orgId, userId: memberId,
  publicMetadata: { team: 'ops' }, privateMetadata: { salary: 1 } })));
await step('members', async () => {
  const list = await clerk.organizations.getOrganizationMembershipList({ organizationId: orgId, limit: 10, orderBy: '+created_at' });
  return { totalCount: list.totalCount, roles: list.data.map((m) => m.role), userIds: list.data.map((m) => m.publicUserData.userId) };
});
await step('instance_members', async () => {
  const list = await clerk.organizations.getInstanceOrganizationMembershipList({ limit: 100, orderBy: '-created_at' });
  return { totalCount: list.totalCount, count: list.data.length };
});
await step('user_memberships', async () => {
  const list = await clerk.users.getOrganizationMembershipList({ userId: memberId, limit: 10 });
  return { totalCount: list.totalCount, orgIds: list.data.map((m) => m.organization.id), roles: list.data.map((m) => m.role) };
});
await step('invite', async () => {
  const created = await clerk.organizations.createOrganizationInvitation({ organizationId: orgId, emailAddress: 'cy@example.com', role: 'org:member',
    inviterUserId: adminId, privateMetadata: { source: 'crm' } });
  invitationId = created.id;
  return invitation(created);
});
await step('invite_again', async () => clerk.organizations.createOrganizationInvitation({ organizationId: orgId, emailAddress: 'cy@example.com', role: 'org:member' }));
await step('invitations', async () => {
  const list = await clerk.organizations.getOrganizationInvitationList({ organizationId: orgId, status: ['pending'], limit: 10 });
  return { totalCount: list.totalCount, ids: list.data.map((i) => i.id) };
});
await step('get_invitation', async () => invitation(await clerk.organizations.getOrganizationInvitation({ organizationId: orgId, invitationId })));
await step('revoke', async () => invitation(await clerk.organizations.revokeOrganizationInvitation({ organizationId: orgId, invitationId, requestingUserId: adminId })));
await step('revoke_again', async () => clerk.organizations.revokeOrganizationInvitation({ organizationId: orgId, invitationId }));
await step('org_token', async () => {
  const session = await clerk.sessions.createSession({ userId: adminId });
  const token = await clerk.sessions.getToken(session.id);
  const claims = await verifyToken(token.jwt, { secretKey, apiUrl });
  return { lastActiveOrganizationId: session.lastActiveOrganizationId ?? null, o: claims.o ?? null, fea: claims.fea ?? null };
});
await step('remove_member', async () => membership(await clerk.organizations.deleteOrganizationMembership({ organizationId: orgId, userId: memberId })));
await step('remove_member_again', async () => clerk.organizations.deleteOrganizationMembership({ organizationId: orgId, userId: memberId }));
await step('webhooks', async () => {
  const results = [];
  for (const { body, headers, secret } of JSON.parse(process.env.WEBHOOKS)) {
    const event = await verifyWebhook(new Request('http://localhost/webhooks/clerk', { method: 'POST', headers, body }), { signingSecret: secret });
    results.push({ type: event.type, id: event.data.id, hasPrivate: JSON.stringify(event.data).includes('private_metadata') });
  }
  return results;
});
await step('delete', async () => {
  const deleted = await clerk.organizations.deleteOrganization(orgId);
  return { id: deleted.id, deleted: deleted.deleted, object: deleted.object };
});
await step('get_deleted', async () => clerk.organizations.getOrganization({ organizationId: orgId }));
process.stdout.write(JSON.stringify(out) + '\n');
