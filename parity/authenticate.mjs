// Runs Clerk's official `authenticateRequest` (@clerk/backend, pinned in package.json) over a
// batch of requests, for the parity tests in crates/clerk-actix/tests/parity.rs (sessions,
// handshakes) and parity_machine.rs (`acceptsToken`).
//
// stdin:  one JSON object per line:
//   {id, method, url, headers: {name: value}, options: {secretKey, publishableKey, apiUrl,
//    authorizedParties, jwtKey?, issuer?, proxyUrl?, domain?, isSatellite?, signInUrl?,
//    satelliteAutoSync?, organizationSyncOptions?, acceptsToken?, audience?}}
// stdout: one JSON object per input line, in input order:
//   {id, status, reason, message, isAuthenticated, tokenType, auth: {id, subject, scopes, …
//    of a signed-in auth object}, session: {userId, sessionId, …, has: [bool per `has` check]
//    of a session auth object, signed in or out; null otherwise}, headers: {x-clerk-auth-*,
//    location, cache-control, access-control-allow-*, set-cookie (one line per cookie)}}
//   An input line may carry `has`: a list of `has()` arguments ({role}, {permission}, {feature},
//   {plan}, {reverification}) to ask a session auth object.
//   or {id, error} when authenticateRequest throws.
//
// Clerk logs through console.log/console.warn (redirect-loop and azp warnings); those go to
// stderr so that stdout carries nothing but results.
import { createInterface } from 'node:readline';
import { createClerkClient } from '@clerk/backend';

console.log = (...args) => console.error(...args);
console.info = (...args) => console.error(...args);
console.warn = (...args) => console.error(...args);

const KEPT_HEADERS = [
  'x-clerk-auth-status',
  'x-clerk-auth-reason',
  'x-clerk-auth-message',
  'location',
  'cache-control',
  'access-control-allow-origin',
  'access-control-allow-credentials',
];
// The auth object's fields reported for a signed-in request (those the auth object has).
const AUTH_FIELDS = ['id', 'subject', 'scopes', 'name', 'claims', 'userId', 'orgId', 'machineId', 'clientId', 'sessionId'];
// A session auth object's fields (signed in or out), without the claims themselves.
const SESSION_FIELDS = ['userId', 'sessionId', 'sessionStatus', 'actor', 'orgId', 'orgRole', 'orgSlug', 'orgPermissions', 'factorVerificationAge'];

// A header value as Node's HTTP server hands it to Clerk: the request's bytes (the test's UTF-8
// text), one character per byte.
const onTheWire = (value) => Buffer.from(String(value), 'utf8').toString('latin1');

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
  const { id, method = 'GET', url, headers = {}, options = {}, has = [] } = input;
  try {
    const client = clientFor(options);
    const request = new Request(url, { method, headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, onTheWire(value)])) });
    const runtime = { authorizedParties: options.authorizedParties ?? [] };
    if (options.jwtKey) {
      runtime.jwtKey = options.jwtKey;
    }
    // authenticateRequest never sets `issuer` itself, but passes it on to verifyToken.
    if (options.issuer) {
      runtime.issuer = options.issuer;
    }
    // Multi-domain and organization-sync options, passed at request time as Clerk's adapters do.
    // `acceptsToken` and `audience` as Clerk's `auth({ acceptsToken })` passes them.
    for (const name of ['proxyUrl', 'domain', 'isSatellite', 'signInUrl', 'satelliteAutoSync', 'organizationSyncOptions', 'acceptsToken', 'audience']) {
      if (options[name] !== undefined) {
        runtime[name] = options[name];
      }
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
    // Every Set-Cookie, in order, joined as one line per cookie.
    const cookies = state.headers.getSetCookie();
    if (cookies.length > 0) {
      kept['set-cookie'] = cookies.join('\n');
    }
    const fields = {};
    if (auth && auth.isAuthenticated) {
      for (const name of AUTH_FIELDS) {
        if (name in auth) {
          fields[name] = auth[name] ?? null;
        }
      }
    }
    let session = null;
    if (auth && auth.tokenType === 'session_token') {
      session = {};
      for (const name of SESSION_FIELDS) {
        session[name] = auth[name] ?? null;
      }
      session.has = has.map((check) => auth.has(check));
    }
    return {
      id,
      status: state.status,
      reason: state.reason ?? null,
      message: state.message ?? null,
      isAuthenticated: auth ? auth.isAuthenticated === true : false,
      tokenType: auth ? auth.tokenType ?? null : null,
      auth: fields,
      session,
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
  // Sequential on purpose: results come back in input order and the JWKS cache warms once.
  process.stdout.write(`${JSON.stringify(await run(input))}\n`);
}
