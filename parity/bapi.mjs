// Drives the offline Clerk (clerk-testkit) with Clerk's official Backend API client and webhook
// verifier (@clerk/backend, pinned in package.json), for crates/clerk-actix/tests/parity_bapi.rs,
// which makes the same calls with our client against a second emulator built from the same
// fixtures and compares the two field by field.
// Input: environment (CLERK_API_URL, CLERK_SECRET_KEY, USER_ID, WEBHOOK = JSON {body, headers, secret}).
// Output: one JSON object with what each call returned: Clerk's resource objects as JSON (every
// field its classes expose), lists as {totalCount, data}, or the error's status and code.
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

const plain = (resource) => JSON.parse(JSON.stringify(resource, (key, value) => (key === '_raw' ? undefined : value)));
const list = (page) => ({ totalCount: page.totalCount ?? null, data: page.data.map(plain) });
// A verified token's claims without the times minted at each call.
const claims = ({ iat, exp, nbf, ...rest }) => rest;

await step('list', async () => list(await clerk.users.getUserList({ limit: 2, orderBy: '-created_at' })));
await step('count', async () => clerk.users.getCount());
await step('get', async () => plain(await clerk.users.getUser(userId)));
await step('metadata', async () =>
  plain(await clerk.users.updateUserMetadata(userId, { publicMetadata: { plan: 'pro' }, privateMetadata: { note: 'x' } })));
await step('session', async () => {
  const session = await clerk.sessions.createSession({ userId });
  const fetched = await clerk.sessions.getSession(session.id);
  const token = await clerk.sessions.getToken(session.id);
  return { session: plain(fetched), claims: claims(await verifyToken(token.jwt, { secretKey, apiUrl })) };
});
await step('jwks', async () => plain(await clerk.jwks.getJwks()));
await step('webhook', async () => {
  const { body, headers, secret } = JSON.parse(process.env.WEBHOOK);
  const request = new Request('http://localhost/webhooks/clerk', { method: 'POST', headers, body });
  return plain(await verifyWebhook(request, { signingSecret: secret }));
});
await step('delete', async () => plain(await clerk.users.deleteUser(userId)));
await step('get_deleted', async () => plain(await clerk.users.getUser(userId)));
await step('wrong_key', async () => createClerkClient({ secretKey: 'sk_test_wrongwrongwrong', apiUrl }).users.getCount());
process.stdout.write(JSON.stringify(out) + '\n');
