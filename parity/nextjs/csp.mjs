// What @clerk/nextjs's `clerkMiddleware(handler, { contentSecurityPolicy })` answers, from Clerk's
// own code (pinned in package.json): the middleware runs on a `NextRequest` for the page and
// its Content Security Policy headers are read back. No logic of ours. For
// crates/clerk-actix/tests/csp_parity.rs. NODE_ENV is production (set below, before Clerk's
// module loads and reads it): under any other NODE_ENV Clerk adds 'unsafe-eval' to script-src.
// Input: stdin lines {id, publishableKey, proxyUrl|null, url, contentSecurityPolicy}.
// Output: one line {id, status, headers: {name: value}} per input line, with the CSP headers only.
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';

console.log = (...args) => console.error(...args);
console.info = (...args) => console.error(...args);
console.warn = (...args) => console.error(...args);

process.env.NODE_ENV = 'production';
// Clerk's middleware needs a secret key; no request reaches Clerk (no session on the requests).
process.env.CLERK_SECRET_KEY = 'sk_live_cspParity';

// `next/server` has no ESM entry point: both packages are loaded as Next.js loads them.
const require = createRequire(import.meta.url);
const { clerkMiddleware } = require('@clerk/nextjs/server');
const { NextRequest } = require('next/server');

const WANTED = ['content-security-policy', 'content-security-policy-report-only', 'reporting-endpoints', 'x-nonce'];

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) {
    continue;
  }
  const { id, publishableKey, proxyUrl, url, contentSecurityPolicy } = JSON.parse(line);
  const options = { publishableKey, contentSecurityPolicy };
  if (proxyUrl) {
    options.proxyUrl = proxyUrl;
  }
  const middleware = clerkMiddleware(() => {}, options);
  const response = await middleware(new NextRequest(url), { waitUntil() {} });
  const headers = {};
  for (const name of WANTED) {
    const value = response.headers.get(name);
    if (value !== null) {
      headers[name] = value;
    }
  }
  process.stdout.write(`${JSON.stringify({ id, status: response.status, headers })}\n`);
}
