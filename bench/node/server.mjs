// The load test's reference: GET /api/data with Clerk's official @clerk/express, networkless
// (jwtKey), answering {userId, sessionId, orgId} or 401, like the Rust app's /api/data.
// GET /api/machine: `getAuth(req, { acceptsToken: 'any' })`, like the Rust app's /api/machine (Clerk's
// middleware verifies an opaque machine token with one Backend API call per request: CLERK_API_URL).
// Usage: PORT=8091 CLERK_JWT_KEY="$(cat key.pem)" CLERK_PUBLISHABLE_KEY=pk_… CLERK_SECRET_KEY=sk_… \
//   CLERK_API_URL=http://127.0.0.1:8787 node server.mjs
import express from 'express';
import { clerkMiddleware, getAuth } from '@clerk/express';

const app = express();
app.use(clerkMiddleware({ jwtKey: process.env.CLERK_JWT_KEY, apiUrl: process.env.CLERK_API_URL }));
app.get('/api/data', (req, res) => {
  const auth = getAuth(req);
  if (!auth.isAuthenticated) {
    res.status(401).json({ error: 'unauthenticated' });
    return;
  }
  res.json({ userId: auth.userId, sessionId: auth.sessionId, orgId: auth.orgId ?? null });
});
app.get('/api/machine', (req, res) => {
  const auth = getAuth(req, { acceptsToken: 'any' });
  if (!auth.isAuthenticated) {
    res.status(401).json({ error: 'unauthenticated' });
    return;
  }
  if (auth.tokenType === 'session_token') {
    res.json({ tokenType: auth.tokenType, userId: auth.userId, sessionId: auth.sessionId });
    return;
  }
  res.json({ tokenType: auth.tokenType, id: auth.id, subject: auth.subject, scopes: auth.scopes });
});
const port = Number(process.env.PORT || 8091);
app.listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
