// Drives the offline Clerk (clerk-testkit) through the Backend API calls of issue 15's second
// slice with Clerk's official client (@clerk/backend, pinned in package.json), for
// crates/clerk-actix/tests/parity_bapi_more.rs.
// Input: environment (CLERK_API_URL, CLERK_SECRET_KEY, USER_ID (a user with the password
// PASSWORD and an oauth_google token), OTHER_ID (a user to ban), TEMPLATE_ID (a JWT template
// named `parity` with the claim {"uid": "{{user.id}}"})).
// Output: one JSON object with what each call returned (or the error's status and code).
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
    out[name] = { error: true, status: err.status ?? null, code: err.errors?.[0]?.code ?? null, message: String(err.message ?? err) };
  }
}

function claims(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}

await step('verify_password', async () => clerk.users.verifyPassword({ userId, password: env.PASSWORD }));
await step('verify_password_wrong', async () => clerk.users.verifyPassword({ userId, password: 'wrong' }));
await step('oauth_tokens', async () => {
  const list = await clerk.users.getUserOauthAccessToken(userId, 'google');
  return { count: list.data.length, totalCount: list.totalCount ?? null, token: list.data[0]?.token ?? null, provider: list.data[0]?.provider ?? null, scopes: list.data[0]?.scopes ?? null };
});

let sessionId = null;
await step('sessions', async () => {
  const first = await clerk.sessions.createSession({ userId });
  const second = await clerk.sessions.createSession({ userId });
  sessionId = second.id;
  const list = await clerk.sessions.getSessionList({ userId, limit: 1, offset: 1 });
  const revoked = await clerk.sessions.revokeSession(first.id);
  const active = await clerk.sessions.getSessionList({ userId, status: 'active' });
  const fetched = await clerk.sessions.getSession(first.id);
  return { totalCount: list.totalCount, pageIds: list.data.map((s) => s.id), firstId: first.id, revokedStatus: revoked.status, activeIds: active.data.map((s) => s.id), fetchedStatus: fetched.status, secondId: second.id };
});
await step('template_token', async () => {
  const token = await clerk.sessions.getToken(sessionId, 'parity', 60);
  const c = claims(token.jwt);
  return { uid: c.uid, sub: c.sub, lifetime: c.exp - c.iat, hasSid: 'sid' in c };
});
await step('session_token', async () => {
  const token = await clerk.sessions.getToken(sessionId, undefined, 120);
  const c = claims(token.jwt);
  return { sid: c.sid === sessionId, lifetime: c.exp - c.iat };
});
await step('template_token_missing', async () => clerk.sessions.getToken(sessionId, 'missing'));

await step('invitations', async () => {
  const created = await clerk.invitations.createInvitation({ emailAddress: 'invitee@example.com', publicMetadata: { plan: 'pro' }, notify: false });
  let duplicate = null;
  try {
    await clerk.invitations.createInvitation({ emailAddress: 'invitee@example.com' });
  } catch (err) {
    duplicate = { status: err.status, code: err.errors?.[0]?.code };
  }
  const pending = await clerk.invitations.getInvitationList({ status: 'pending' });
  const revoked = await clerk.invitations.revokeInvitation(created.id);
  let again = null;
  try {
    await clerk.invitations.revokeInvitation(created.id);
  } catch (err) {
    again = { status: err.status, code: err.errors?.[0]?.code };
  }
  return { email: created.emailAddress, status: created.status, plan: created.publicMetadata?.plan ?? null, hasUrl: Boolean(created.url), duplicate, pendingCount: pending.totalCount, revokedStatus: revoked.status, revoked: revoked.revoked, again };
});

await step('sign_in_token', async () => {
  const created = await clerk.signInTokens.createSignInToken({ userId, expiresInSeconds: 600 });
  const revoked = await clerk.signInTokens.revokeSignInToken(created.id);
  return { userId: created.userId, status: created.status, hasToken: Boolean(created.token), hasUrl: Boolean(created.url), revokedStatus: revoked.status };
});
await step('actor_token', async () => {
  const created = await clerk.actorTokens.create({ userId, actor: { sub: 'user_support' } });
  const revoked = await clerk.actorTokens.revoke(created.id);
  return { userId: created.userId, actorSub: created.actor?.sub ?? null, status: created.status, hasToken: Boolean(created.token), revokedStatus: revoked.status };
});

await step('jwt_templates', async () => {
  const list = await clerk.jwtTemplates.list();
  const got = await clerk.jwtTemplates.get(env.TEMPLATE_ID);
  return { totalCount: list.totalCount, names: list.data.map((t) => t.name), name: got.name, lifetime: got.lifetime, claims: got.claims };
});
await step('jwt_template_missing', async () => clerk.jwtTemplates.get('jtmp_missing'));

await step('allowlist', async () => {
  const added = await clerk.allowlistIdentifiers.createAllowlistIdentifier({ identifier: 'allowed@example.com', notify: false });
  const list = await clerk.allowlistIdentifiers.getAllowlistIdentifierList();
  const deleted = await clerk.allowlistIdentifiers.deleteAllowlistIdentifier(added.id);
  return { identifier: added.identifier, type: added.identifierType, totalCount: list.totalCount, deleted: deleted.deleted, deletedId: deleted.id === added.id };
});
await step('blocklist', async () => {
  const added = await clerk.blocklistIdentifiers.createBlocklistIdentifier({ identifier: '+15555550123' });
  const list = await clerk.blocklistIdentifiers.getBlocklistIdentifierList();
  let duplicate = null;
  try {
    await clerk.blocklistIdentifiers.createBlocklistIdentifier({ identifier: '+15555550123' });
  } catch (err) {
    duplicate = { status: err.status, code: err.errors?.[0]?.code };
  }
  const deleted = await clerk.blocklistIdentifiers.deleteBlocklistIdentifier(added.id);
  return { identifier: added.identifier, type: added.identifierType, totalCount: list.totalCount, duplicate, deleted: deleted.deleted };
});

await step('banned', async () => {
  const session = await clerk.sessions.createSession({ userId: otherId });
  await clerk.users.banUser(otherId);
  const after = await clerk.sessions.getSession(session.id);
  const refused = {};
  for (const [name, call] of [
    ['session', () => clerk.sessions.createSession({ userId: otherId })],
    ['sign_in_token', () => clerk.signInTokens.createSignInToken({ userId: otherId })],
    ['actor_token', () => clerk.actorTokens.create({ userId: otherId, actor: { sub: 'user_support' } })],
  ]) {
    try {
      await call();
      refused[name] = null;
    } catch (err) {
      refused[name] = { status: err.status, code: err.errors?.[0]?.code };
    }
  }
  return { sessionStatus: after.status, refused };
});
process.stdout.write(JSON.stringify(out) + '\n');
