// The load test's reference: GET /api/data with Clerk's official @clerk/express, networkless
// (jwtKey), answering {userId, sessionId, orgId} or 401, like the Rust app's /api/data.
// Usage: PORT=8091 CLERK_JWT_KEY="$(cat key.pem)" CLERK_PUBLISHABLE_KEY=pk_… CLERK_SECRET_KEY=sk_… node server.mjs
import express from 'express';
import { clerkMiddleware, getAuth } from '@clerk/express';

const app = express();
app.use(clerkMiddleware({ jwtKey: process.env.CLERK_JWT_KEY }));
app.get('/api/data', (req, res) => {
  const auth = getAuth(req);
  if (!auth.isAuthenticated) {
    res.status(401).json({ error: 'unauthenticated' });
    return;
  }
  res.json({ userId: auth.userId, sessionId: auth.sessionId, orgId: auth.orgId ?? null });
});
const port = Number(process.env.PORT || 8091);
app.listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
