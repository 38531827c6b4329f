// Drives the offline Clerk (clerk-testkit) with Clerk's official Backend API client and webhook
// verifier (@clerk/backend, pinned in package.json), for crates/clerk-actix/tests/parity.rs.
// Input: environment (CLERK_API_URL, CLERK_SECRET_KEY, USER_ID, WEBHOOK = JSON {body, headers, secret}).
// Output: one JSON object with what each call returned (or the error's status and code).
import { createClerkClient, verifyToken } from '@clerk/backend';
import { verifyWebhook } from '@clerk/backend/webhooks';

console.log = (...args) => console.error(...args);
console.warn = (...args) => console.error(...args);

const apiUrl = process.env.CLERK_API_URL;
const secretKey = process.env.CLERK_SECRET_KEY;
const userId = process.env.USER_ID;
const clerk = createClerkClient({ secretKey, apiUrl });
const out = {};

async function step(name, f) {
  try {
    out[name] = await f();
  } catch (err) {
    out[name] = { error: true, status: err.status ?? null, code: err.errors?.[0]?.code ?? null };
    if (err.status === undefined) console.error(name, err);
  }
}

await step('list', async () => {
  const list = await clerk.users.getUserList({ limit: 2, orderBy: '-created_at' });
  return { count: list.data.length, totalCount: list.totalCount, firstId: list.data[0]?.id ?? null };
});
await step('count', async () => clerk.users.getCount());
await step('get', async () => {
  const user = await clerk.users.getUser(userId);
  return { id: user.id, firstName: user.firstName, email: user.primaryEmailAddress?.emailAddress ?? null, createdAt: user.createdAt };
});
await step('metadata', async () => {
  const user = await clerk.users.updateUserMetadata(userId, { publicMetadata: { plan: 'pro' }, privateMetadata: { note: 'x' } });
  return { publicMetadata: user.publicMetadata, privateMetadata: user.privateMetadata };
});
await step('session', async () => {
  const session = await clerk.sessions.createSession({ userId });
  const fetched = await clerk.sessions.getSession(session.id);
  const token = await clerk.sessions.getToken(session.id);
  const claims = await verifyToken(token.jwt, { secretKey, apiUrl });
  return { status: fetched.status, userId: fetched.userId, sub: claims.sub, sid: claims.sid === session.id };
});
await step('jwks', async () => {
  const jwks = await clerk.jwks.getJwks();
  return { keys: jwks.keys.length, kty: jwks.keys[0]?.kty ?? null };
});
await step('webhook', async () => {
  const { body, headers, secret } = JSON.parse(process.env.WEBHOOK);
  const event = await verifyWebhook(new Request('http://localhost/webhooks/clerk', { method: 'POST', headers, body }), { signingSecret: secret });
  return { type: event.type, id: event.data.id };
});
await step('delete', async () => {
  const deleted = await clerk.users.deleteUser(userId);
  return { id: deleted.id, deleted: deleted.deleted };
});
await step('get_deleted', async () => clerk.users.getUser(userId));
await step('wrong_key', async () => createClerkClient({ secretKey: 'sk_test_wrongwrongwrong', apiUrl }).users.getCount());
process.stdout.write(JSON.stringify(out) + '\n');
