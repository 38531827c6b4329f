// @clerk/backend's `createRedirect` (what @clerk/nextjs's `redirectToSignIn` / `redirectToSignUp`
// and `auth.protect()` answer with), run on the inputs of each line; the redirect adapter returns
// the URL. No logic of ours: Clerk's code builds every URL. For
// crates/clerk-actix/tests/parity_redirect.rs.
// Input: stdin lines {id, page: "sign-in"|"sign-up", baseUrl, signInUrl, signUpUrl,
// publishableKey, sessionStatus, isSatellite, devBrowserToken, returnBackUrl} (`returnBackUrl`
// absent: the request's URL, as Next.js's `redirectToSignIn()` passes it; null: none).
// Output: one line {id, url} (or {id, error}) per input line.
import { createInterface } from 'node:readline';
import { createRedirect } from '@clerk/backend/internal';

console.log = (...args) => console.error(...args);
console.info = (...args) => console.error(...args);
console.warn = (...args) => console.error(...args);

// @clerk/nextjs's `buildReturnBackUrl(url, returnBackUrl)`.
const returnBack = (url, given) => (given === null ? '' : given || url);

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) {
    continue;
  }
  const input = JSON.parse(line);
  try {
    const redirect = createRedirect({
      redirectAdapter: url => url,
      baseUrl: new URL(input.baseUrl),
      signInUrl: input.signInUrl,
      signUpUrl: input.signUpUrl,
      publishableKey: input.publishableKey,
      sessionStatus: input.sessionStatus,
      isSatellite: input.isSatellite,
      devBrowserToken: input.devBrowserToken,
    });
    const returnBackUrl = returnBack(input.baseUrl, input.returnBackUrl);
    const url = input.page === 'sign-up'
      ? redirect.redirectToSignUp({ returnBackUrl })
      : redirect.redirectToSignIn({ returnBackUrl });
    process.stdout.write(`${JSON.stringify({ id: input.id, url })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ id: input.id, error: String(error) })}\n`);
  }
}
