// What @clerk/nextjs's `buildClerkProps(req, {user})` composes, from @clerk/backend's own code
// (pinned in package.json; running @clerk/nextjs would pull in `next` and `react`): the request's
// auth object is `authenticateRequest(request).toAuth()` for a request bearing the token, the
// user is the Backend API's answer to `users.getUser` (Clerk's `User` class over the raw JSON),
// and the props are `makeAuthObjectSerializable(stripPrivateDataFromObject({...auth, user}))`,
// JSON round-tripped (as in dev). No logic of ours: Clerk's code derives everything. For
// crates/clerk-actix/tests/props_parity.rs.
// Input: environment (CLERK_API_URL, CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY, ORIGIN, USER_ID)
// and stdin lines {id, token|null, user: bool}.
// Output: one line {id, props} per input line.
import { createInterface } from 'node:readline';
import { createClerkClient } from '@clerk/backend';
import { makeAuthObjectSerializable, stripPrivateDataFromObject } from '@clerk/backend/internal';

console.log = (...args) => console.error(...args);
console.info = (...args) => console.error(...args);
console.warn = (...args) => console.error(...args);

const origin = process.env.ORIGIN;
const clerk = createClerkClient({
  secretKey: process.env.CLERK_SECRET_KEY,
  publishableKey: process.env.CLERK_PUBLISHABLE_KEY,
  apiUrl: process.env.CLERK_API_URL,
});
const user = await clerk.users.getUser(process.env.USER_ID);

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) {
    continue;
  }
  const { id, token, user: withUser } = JSON.parse(line);
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const state = await clerk.authenticateRequest(new Request(`${origin}/`, { headers }), { authorizedParties: [origin] });
  const initial = withUser ? { user } : {};
  const props = makeAuthObjectSerializable(stripPrivateDataFromObject({ ...state.toAuth(), ...initial }));
  process.stdout.write(`${JSON.stringify({ id, props: JSON.parse(JSON.stringify({ __clerk_ssr_state: props })) })}\n`);
}
