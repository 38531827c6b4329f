// The pages' script, on Clerk's official browser SDK only: `window.Clerk` comes from
// `@clerk/clerk-js`'s `clerk.browser.js`, loaded just before and configured by its script tag
// (`data-clerk-publishable-key`, `data-clerk-proxy-url`). Public API only: `Clerk.load()`,
// `Clerk.mountSignIn()`, `Clerk.session.getToken()`, `Clerk.signOut()`.
(function () {
  const clerk = window.Clerk;
  if (!clerk) {
    return;
  }
  const signIn = document.getElementById('sign-in');
  // `@clerk/ui`'s bundle registers the prebuilt components' constructor, which `load()` takes
  // (without it `mountSignIn` throws); only the sign-in page loads it.
  const ClerkUI = window.__internal_ClerkUICtor;
  const loaded = clerk.load(signIn && ClerkUI ? { ui: { ClerkUI } } : undefined);

  // `/sign-in`: Clerk's sign-in component; it goes back to the page's `redirect_url` when that
  // is on this origin (no open redirect), else to `/`.
  if (signIn) {
    let back = '/';
    try {
      const wanted = new URL(new URLSearchParams(window.location.search).get('redirect_url') || '/', window.location.origin);
      if (wanted.origin === window.location.origin) {
        back = wanted.href;
      }
    } catch (err) {
      // Not a URL: stay with `/`.
    }
    loaded.then(() => clerk.mountSignIn(signIn, { forceRedirectUrl: back, signUpForceRedirectUrl: back }));
  }

  // Sign-out through the SDK (it ends the session at Clerk and clears the cookies), instead of
  // the script-free fallback the page renders (a form, or a link to the Account Portal).
  for (const el of document.querySelectorAll('[data-clerk-sign-out]')) {
    if (el.tagName === 'A') {
      el.textContent = 'Sign out';
    }
    el.addEventListener(el.tagName === 'FORM' ? 'submit' : 'click', async (event) => {
      event.preventDefault();
      try {
        await loaded;
        await clerk.signOut({ redirectUrl: '/' });
      } catch (err) {
        console.error('Clerk.signOut() failed; using the fallback', err);
        if (el.tagName === 'FORM') {
          el.submit();
        } else {
          window.location.href = el.href;
        }
      }
    });
  }

  // `/client` (`useAuth()`): getToken(), then fetch /api/data with the token as a Bearer credential.
  const button = document.getElementById('fetch-data');
  const out = document.getElementById('data-result');
  if (!button || !out) {
    return;
  }
  button.addEventListener('click', async () => {
    out.textContent = 'Fetching…';
    try {
      await loaded;
      const token = clerk.session ? await clerk.session.getToken() : null;
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
