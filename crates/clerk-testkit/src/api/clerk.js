// clerk-testkit's /clerk.js: what clerk-js does for a server-rendered page, offline and small.
// Written for the emulator (no build step); not clerk-js.
//
// <script src="/__clerk/clerk.js" data-frontend-api="/__clerk" data-cookie-suffix="AbCd1234"></script>
//
// window.Clerk:
//   load()          -> Promise<Clerk>: reads <script id="__CLERK_PROPS__" type="application/json">
//                      ({"__clerk_ssr_state": {userId, sessionId, user, ...}}), sets user, session,
//                      loaded = true, dispatches "clerk:loaded" on window, keeps __session fresh.
//   user            -> the props' user, or null.
//   session         -> {id, getToken({skipCache}) -> Promise<string|null>}, or null.
//   signOut({redirectUrl}) -> POST <fapi>/sign-out, then location.assign(redirectUrl || '/').
(function () {
  'use strict';

  var script = document.currentScript;
  var fapi = (script && script.getAttribute('data-frontend-api')) ||
    (script && script.src ? script.src.replace(/[^/]*([?#].*)?$/, '') : '/');
  fapi = fapi.replace(/\/+$/, '');
  var suffix = script ? script.getAttribute('data-cookie-suffix') : null;

  var REUSE_MIN_SECONDS = 5;
  var token = null; // {jwt, iat, exp}
  var pending = null;
  var timer = null;
  var loading = null;

  function nowSeconds() {
    return Date.now() / 1000;
  }

  function decode(jwt) {
    try {
      var part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      while (part.length % 4) part += '=';
      var claims = JSON.parse(atob(part));
      if (typeof claims.exp !== 'number') return null;
      return { jwt: jwt, iat: typeof claims.iat === 'number' ? claims.iat : claims.exp - 60, exp: claims.exp, sid: claims.sid };
    } catch (e) {
      return null;
    }
  }

  function readCookie(name) {
    var parts = document.cookie ? document.cookie.split('; ') : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf('=');
      if (parts[i].slice(0, eq) === name) return decodeURIComponent(parts[i].slice(eq + 1));
    }
    return null;
  }

  function writeSessionCookie(jwt) {
    var attributes = '; path=/; SameSite=Lax' + (location.protocol === 'https:' ? '; Secure' : '');
    document.cookie = '__session=' + jwt + attributes;
    if (suffix) document.cookie = '__session_' + suffix + '=' + jwt + attributes;
  }

  function devBrowserQuery() {
    var dvb = readCookie('__clerk_db_jwt') || (suffix && readCookie('__clerk_db_jwt_' + suffix));
    return dvb ? '?__clerk_db_jwt=' + encodeURIComponent(dvb) : '';
  }

  // Refresh at exp - max(1 s, 20 % of the lifetime).
  function schedule() {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!token || !Clerk.session) return;
    var lead = Math.max(1, 0.2 * (token.exp - token.iat));
    var delay = Math.max(0, (token.exp - lead - nowSeconds()) * 1000);
    timer = setTimeout(function () {
      timer = null;
      getToken({ skipCache: true });
    }, delay);
  }

  function getToken(options) {
    var session = Clerk.session;
    if (!session) return Promise.resolve(null);
    var skipCache = !!(options && options.skipCache);
    if (!skipCache && token && token.exp - nowSeconds() > REUSE_MIN_SECONDS) {
      return Promise.resolve(token.jwt);
    }
    if (pending) return pending;
    var url = fapi + '/v1/client/sessions/' + encodeURIComponent(session.id) + '/tokens' + devBrowserQuery();
    pending = fetch(url, {
      method: 'POST',
      credentials: 'include',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: ''
    })
      .then(function (res) {
        return res.ok ? res.json() : null;
      })
      .then(function (body) {
        var fresh = body && typeof body.jwt === 'string' ? decode(body.jwt) : null;
        if (!fresh) return null;
        token = fresh;
        writeSessionCookie(fresh.jwt);
        schedule();
        return fresh.jwt;
      })
      .catch(function () {
        return null;
      })
      .then(function (jwt) {
        pending = null;
        return jwt;
      });
    return pending;
  }

  function readProps() {
    var element = document.getElementById('__CLERK_PROPS__');
    if (!element) return {};
    try {
      var props = JSON.parse(element.textContent || '{}') || {};
      return props.__clerk_ssr_state || (props.props && props.props.__clerk_ssr_state) || {};
    } catch (e) {
      return {};
    }
  }

  function load() {
    if (loading) return loading;
    loading = new Promise(function (resolve) {
      var state = readProps();
      Clerk.user = state.user || null;
      Clerk.session = state.sessionId ? { id: state.sessionId, status: 'active', getToken: getToken } : null;
      if (Clerk.session) {
        // The page's own __session, when it is this session's and still valid.
        var current = decode(readCookie('__session') || (suffix && readCookie('__session_' + suffix)) || '');
        if (current && current.sid === Clerk.session.id && current.exp > nowSeconds()) {
          token = current;
          schedule();
        } else {
          getToken({ skipCache: true });
        }
      }
      Clerk.loaded = true;
      window.dispatchEvent(new CustomEvent('clerk:loaded', { detail: Clerk }));
      resolve(Clerk);
    });
    return loading;
  }

  function signOut(options) {
    var redirectUrl = (options && options.redirectUrl) || '/';
    if (timer) clearTimeout(timer);
    timer = null;
    token = null;
    return fetch(fapi + '/sign-out', {
      method: 'POST',
      credentials: 'include',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: ''
    })
      .catch(function () {
        return null;
      })
      .then(function () {
        Clerk.user = null;
        Clerk.session = null;
        location.assign(redirectUrl);
      });
  }

  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState !== 'visible' || !Clerk.session) return;
    var lead = token ? Math.max(1, 0.2 * (token.exp - token.iat)) : 0;
    if (!token || token.exp - lead <= nowSeconds()) {
      getToken({ skipCache: true });
    } else {
      schedule();
    }
  });

  var Clerk = {
    loaded: false,
    user: null,
    session: null,
    frontendApi: fapi,
    load: load,
    signOut: signOut
  };
  window.Clerk = Clerk;
})();
