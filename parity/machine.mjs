// Runs Clerk's official `authenticateRequest` (@clerk/backend, pinned in package.json) with an
// `acceptsToken` option over a batch of requests, for crates/clerk-actix/tests/parity_machine.rs.
//
// stdin:  one JSON object per line:
//   {id, method, url, headers: {name: value}, options: {secretKey, publishableKey, apiUrl,
//    authorizedParties, acceptsToken, audience?}}
// stdout: one JSON object per input line, in input order:
//   {id, status, reason, message, isAuthenticated, tokenType, auth: {...}, headers: {x-clerk-auth-*}}
//   or {id, error} when authenticateRequest throws.
import { createInterface } from 'node:readline';
import { createClerkClient } from '@clerk/backend';

console.log = (...args) => console.error(...args);
console.info = (...args) => console.error(...args);
console.warn = (...args) => console.error(...args);

const KEPT_HEADERS = ['x-clerk-auth-status', 'x-clerk-auth-reason', 'x-clerk-auth-message'];
const AUTH_FIELDS = ['id', 'subject', 'scopes', 'name', 'claims', 'userId', 'orgId', 'machineId', 'clientId', 'sessionId'];

const clients = new Map();
function clientFor({ secretKey, publishableKey, apiUrl }) {
  const key = JSON.stringify([secretKey, publishableKey, apiUrl]);
  let client = clients.get(key);
  if (!client) {
    client = createClerkClient({ secretKey, publishableKey, apiUrl });
    clients.set(key, client);
  }
  return client;
}

async function run(input) {
  const { id, method = 'GET', url, headers = {}, options = {} } = input;
  try {
    const client = clientFor(options);
    const request = new Request(url, { method, headers });
    const runtime = {
      authorizedParties: options.authorizedParties ?? [],
      acceptsToken: options.acceptsToken,
    };
    if (options.audience) {
      runtime.audience = options.audience;
    }
    const state = await client.authenticateRequest(request, runtime);
    const auth = state.toAuth();
    const kept = {};
    for (const name of KEPT_HEADERS) {
      const value = state.headers.get(name);
      if (value !== null) {
        kept[name] = value;
      }
    }
    const fields = {};
    if (auth && auth.isAuthenticated) {
      for (const name of AUTH_FIELDS) {
        if (name in auth) {
          fields[name] = auth[name] ?? null;
        }
      }
    }
    return {
      id,
      status: state.status,
      reason: state.reason ?? null,
      message: state.message ?? null,
      isAuthenticated: auth ? auth.isAuthenticated === true : false,
      tokenType: auth ? auth.tokenType ?? null : null,
      auth: fields,
      headers: kept,
    };
  } catch (err) {
    return { id, error: String(err?.stack ?? err) };
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) {
    continue;
  }
  let input;
  try {
    input = JSON.parse(line);
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ id: null, error: `bad input line: ${err}` })}\n`);
    continue;
  }
  // Sequential on purpose: results come back in input order.
  process.stdout.write(`${JSON.stringify(await run(input))}\n`);
}
