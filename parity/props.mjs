// What @clerk/nextjs's `buildClerkProps(req, {user})` composes, built from @clerk/backend's own
// pieces (pinned in package.json): `signedInAuthObject` / `signedOutAuthObject`,
// `stripPrivateDataFromObject`, `makeAuthObjectSerializable`, JSON round-tripped (as in dev);
// the user is `User.fromJSON` of the given Backend API JSON. For
// crates/clerk-actix/tests/props_parity.rs.
// Input: environment (CLERK_API_URL, CLERK_SECRET_KEY, USER_ID: a user the emulator serves, to
// reach the `User` class) and stdin lines {id, claims|null, token|null, status|null, user|null}.
// Output: one line {id, props} per input line.
import { createInterface } from 'node:readline';
import { createClerkClient } from '@clerk/backend';
import {
  makeAuthObjectSerializable,
  signedInAuthObject,
  signedOutAuthObject,
  stripPrivateDataFromObject,
} from '@clerk/backend/internal';

console.log = (...args) => console.error(...args);
console.warn = (...args) => console.error(...args);

const clerk = createClerkClient({ secretKey: process.env.CLERK_SECRET_KEY, apiUrl: process.env.CLERK_API_URL });
const UserClass = (await clerk.users.getUser(process.env.USER_ID)).constructor;

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) {
    continue;
  }
  const { id, claims, token, status, user } = JSON.parse(line);
  let auth;
  if (claims) {
    auth = signedInAuthObject({}, token, claims);
    // `toAuth()` with the default `treatPendingAsSignedOut`.
    if (auth.sessionStatus === 'pending') {
      auth = signedOutAuthObject(undefined, auth.sessionStatus);
    }
  } else {
    auth = signedOutAuthObject(undefined, status ?? undefined);
  }
  const initial = user ? { user: UserClass.fromJSON(user) } : {};
  const state = makeAuthObjectSerializable(stripPrivateDataFromObject({ ...auth, ...initial }));
  process.stdout.write(`${JSON.stringify({ id, props: JSON.parse(JSON.stringify({ __clerk_ssr_state: state })) })}\n`);
}
