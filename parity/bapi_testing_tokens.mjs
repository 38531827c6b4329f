// Drives the offline Clerk (clerk-testkit) through the testing-token call of the Backend API
// (issue 26) with Clerk's official client (@clerk/backend, pinned in package.json), for
// crates/clerk-actix/tests/parity_bapi_testing_tokens.rs.
// Input: environment (CLERK_API_URL, CLERK_SECRET_KEY).
// Output: one JSON object per step: what a token looks like (its object, whether the token
// starts with its expiry, its lifetime in minutes, whether two tokens differ), never the token.
import { createClerkClient } from '@clerk/backend';

console.log = (...args) => console.error(...args);
console.warn = (...args) => console.error(...args);

const env = process.env;
const clerk = createClerkClient({ secretKey: env.CLERK_SECRET_KEY, apiUrl: env.CLERK_API_URL });
const out = {};

async function step(name, f) {
  try {
    out[name] = await f();
  } catch (err) {
    out[name] = { error: true, status: err.status ?? null, code: err.errors?.[0]?.code ?? null };
    if (err.status === undefined) console.error(name, err);
  }
}

// The client hands the token back as Clerk sent it (no class of its own): snake_case keys.
const described = (token) => {
  const expiresAt = token.expiresAt ?? token.expires_at;
  return {
    object: token.object,
    startsWithExpiry: token.token.startsWith(`${expiresAt}-`),
    lifetimeMinutes: Math.round((expiresAt - Date.now() / 1000) / 60),
  };
};

let first = null;
await step('create', async () => {
  first = await clerk.testingTokens.createTestingToken();
  return described(first);
});
await step('create_again', async () => {
  const second = await clerk.testingTokens.createTestingToken();
  return { ...described(second), differs: second.token !== first.token };
});

process.stdout.write(JSON.stringify(out) + '\n');
