// Drives the offline Clerk (clerk-testkit) through the Backend API calls of issue 15's second
// slice with Clerk's official client (@clerk/backend, pinned in package.json), for
// crates/clerk-actix/tests/parity_bapi_more.rs.
// Input: environment (CLERK_API_URL, CLERK_SECRET_KEY, USER_ID (a user with the password
// PASSWORD and an oauth_google token), OTHER_ID (a user to ban), TEMPLATE_ID (a JWT template
// named `parity` with the claim {"uid": "{{user.id}}"})).
// Output: one JSON object with what each call returned: Clerk's resource objects as JSON (every
// field its classes expose), lists as {totalCount, data}, or the error's status and code.
import { createClerkClient } from '@clerk/backend';

console.log = (...args) => console.error(...args);
console.warn = (...args) => console.error(...args);

const env = process.env;
const clerk = createClerkClient({ secretKey: env.CLERK_SECRET_KEY, apiUrl: env.CLERK_API_URL });
const userId = env.USER_ID;
const otherId = env.OTHER_ID;
const out = {};

async function step(name, f) {
  try {
    out[name] = await f();
  } catch (err) {
    out[name] = { error: true, status: err.status ?? null, code: err.errors?.[0]?.code ?? null };
    if (err.status === undefined) console.error(name, err);
  }
}

function claims(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}

const plain = (resource) => JSON.parse(JSON.stringify(resource, (key, value) => (key === '_raw' ? undefined : value)));
const list = (page) => ({ totalCount: page.totalCount ?? null, data: page.data.map(plain) });
const token = (jwt) => {
  const c = claims(jwt);
  return { uid: c.uid ?? null, sub: c.sub, sid: c.sid ?? null, lifetime: c.exp - c.iat };
};

await step('verify_password', async () => clerk.users.verifyPassword({ userId, password: env.PASSWORD }));
await step('verify_password_wrong', async () => clerk.users.verifyPassword({ userId, password: 'wrong' }));
await step('oauth_tokens', async () => (await clerk.users.getUserOauthAccessToken(userId, 'google')).data.map(plain));

let sessionId = null;
let firstId = null;
await step('sessions_page', async () => {
  firstId = (await clerk.sessions.createSession({ userId })).id;
  sessionId = (await clerk.sessions.createSession({ userId })).id;
  return list(await clerk.sessions.getSessionList({ userId, limit: 1, offset: 1 }));
});
await step('session_revoke', async () => plain(await clerk.sessions.revokeSession(firstId)));
await step('sessions_active', async () => list(await clerk.sessions.getSessionList({ userId, status: 'active' })));
await step('template_token', async () => token((await clerk.sessions.getToken(sessionId, 'parity', 60)).jwt));
await step('session_token', async () => token((await clerk.sessions.getToken(sessionId, undefined, 120)).jwt));
await step('template_token_missing', async () => token((await clerk.sessions.getToken(sessionId, 'missing')).jwt));

let invitationId = null;
await step('invitation', async () => {
  const created = await clerk.invitations.createInvitation({ emailAddress: 'invitee@example.com', publicMetadata: { plan: 'pro' }, notify: false });
  invitationId = created.id;
  return plain(created);
});
await step('invitation_duplicate', async () => plain(await clerk.invitations.createInvitation({ emailAddress: 'invitee@example.com' })));
await step('invitations_pending', async () => list(await clerk.invitations.getInvitationList({ status: 'pending' })));
await step('invitation_revoke', async () => plain(await clerk.invitations.revokeInvitation(invitationId)));
await step('invitation_revoke_again', async () => plain(await clerk.invitations.revokeInvitation(invitationId)));

let signInTokenId = null;
await step('sign_in_token', async () => {
  const created = await clerk.signInTokens.createSignInToken({ userId, expiresInSeconds: 600 });
  signInTokenId = created.id;
  return plain(created);
});
await step('sign_in_token_revoke', async () => plain(await clerk.signInTokens.revokeSignInToken(signInTokenId)));
let actorTokenId = null;
await step('actor_token', async () => {
  const created = await clerk.actorTokens.create({ userId, actor: { sub: 'user_support' } });
  actorTokenId = created.id;
  return plain(created);
});
await step('actor_token_revoke', async () => plain(await clerk.actorTokens.revoke(actorTokenId)));

await step('jwt_templates', async () => list(await clerk.jwtTemplates.list()));
await step('jwt_template', async () => plain(await clerk.jwtTemplates.get(env.TEMPLATE_ID)));
await step('jwt_template_missing', async () => plain(await clerk.jwtTemplates.get('jtmp_missing')));

let allowedId = null;
await step('allowlist_add', async () => {
  const added = await clerk.allowlistIdentifiers.createAllowlistIdentifier({ identifier: 'allowed@example.com', notify: false });
  allowedId = added.id;
  return plain(added);
});
await step('allowlist', async () => list(await clerk.allowlistIdentifiers.getAllowlistIdentifierList()));
await step('allowlist_delete', async () => plain(await clerk.allowlistIdentifiers.deleteAllowlistIdentifier(allowedId)));
let blockedId = null;
await step('blocklist_add', async () => {
  const added = await clerk.blocklistIdentifiers.createBlocklistIdentifier({ identifier: '+15555550123' });
  blockedId = added.id;
  return plain(added);
});
await step('blocklist', async () => list(await clerk.blocklistIdentifiers.getBlocklistIdentifierList()));
await step('blocklist_duplicate', async () => plain(await clerk.blocklistIdentifiers.createBlocklistIdentifier({ identifier: '+15555550123' })));
await step('blocklist_delete', async () => plain(await clerk.blocklistIdentifiers.deleteBlocklistIdentifier(blockedId)));

let otherSessionId = null;
await step('ban', async () => {
  otherSessionId = (await clerk.sessions.createSession({ userId: otherId })).id;
  return plain(await clerk.users.banUser(otherId));
});
await step('banned_session', async () => plain(await clerk.sessions.getSession(otherSessionId)));
await step('banned_sign_in_token', async () => plain(await clerk.signInTokens.createSignInToken({ userId: otherId })));
await step('banned_actor_token', async () => plain(await clerk.actorTokens.create({ userId: otherId, actor: { sub: 'user_support' } })));
process.stdout.write(JSON.stringify(out) + '\n');
