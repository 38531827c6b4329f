// The seed's client example (`useAuth()`): getToken(), then fetch /api/data with the token as a
// Bearer credential. `window.Clerk` comes from the Frontend API's clerk.js, loaded first.
(function () {
  const button = document.getElementById('fetch-data');
  const out = document.getElementById('data-result');
  if (!button || !out || !window.Clerk) {
    return;
  }
  window.Clerk.load();
  button.addEventListener('click', async () => {
    out.textContent = 'Fetching…';
    try {
      await window.Clerk.load();
      const token = window.Clerk.session ? await window.Clerk.session.getToken() : null;
      const res = await fetch('/api/data', { headers: token ? { Authorization: `Bearer ${token}` } : {} });
      out.dataset.status = String(res.status);
      if (res.ok) {
        const body = await res.json();
        out.textContent = `userId: ${body.userId}`;
      } else {
        out.textContent = `error ${res.status}`;
      }
    } catch (err) {
      out.dataset.status = 'error';
      out.textContent = `error: ${err}`;
    }
  });
})();
