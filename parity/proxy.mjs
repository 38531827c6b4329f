// Clerk's own Frontend API proxy (`clerkFrontendApiProxy` of @clerk/backend/proxy, pinned in
// package.json) over requests described on stdin, for the differential test
// crates/clerk-actix/tests/proxy_parity.rs. No logic of ours: a request is built, handed to
// Clerk's function, and its answer written back.
// Input lines: {id, url, method, headers: [[name, value]...], body: string|null, fapiUrl,
// secretKey, publishableKey}. Lines are handled one after another (the upstream records them in
// order).
// Output: one line {id, status, headers: [[name, value]...], body} per input line.
import { createInterface } from 'node:readline';
import { clerkFrontendApiProxy } from '@clerk/backend/proxy';

console.log = (...args) => console.error(...args);

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) {
    continue;
  }
  const { id, url, method, headers, body, fapiUrl, secretKey, publishableKey } = JSON.parse(line);
  const init = { method, headers: new Headers(headers) };
  if (body !== null) {
    init.body = body;
  }
  const response = await clerkFrontendApiProxy(new Request(url, init), {
    proxyPath: '/__clerk',
    fapiUrl,
    secretKey,
    publishableKey,
  });
  // Iteration keeps each Set-Cookie apart (the Fetch standard's "sort and combine").
  const out = [...response.headers];
  const text = await response.text();
  process.stdout.write(`${JSON.stringify({ id, status: response.status, headers: out, body: text })}\n`);
}
