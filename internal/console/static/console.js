"use strict";
// Shared by every signed-in console page; load it before the page's own
// script. It
//   - wraps window.fetch so that every request to this origin sends the
//     session cookie and, for unsafe methods, the X-CSRF-Token header
//     (the token comes from GET /api/v1/auth/me);
//   - sends the user to signin.html?next=<this page> when the API answers
//     401 (not signed in, session ended, user disabled);
//   - shows who is signed in (name, unit, roles) in the page's header,
//     with a sign-out button;
//   - switches the language (Chinese first, English one click away): a
//     中文/English button in the header (unless the page has its own
//     #lang), static text marked data-en="English" (and data-en-placeholder,
//     data-en-title) swapped in place, Yiwang.L(zh, en) for text a script
//     writes, and a "yiwang:lang" event on document after each switch so
//     pages redraw what they wrote;
//   - hides elements marked data-roles="a b" unless the user has one of
//     those roles (admin sees everything), and shows data-unless-roles
//     notes to the others. This only tidies the page: the server decides
//     what a user may do and see.
// Everything it exposes is on window.Yiwang; nothing else is global, so
// page scripts may use any top-level names. Text from the API goes into
// the page with textContent, never as HTML.
(function () {
  const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
  const ROLES = {
    admin: ["管理员", "Administrator"], dispatcher: ["分拨员", "Dispatcher"], handler: ["承办人", "Handler"],
    supervisor: ["督办", "Supervisor"], agent: ["12345坐席", "12345 agent"], inspector: ["网格员", "Grid inspector"],
    commander: ["指挥长", "Commander"], analyst: ["分析员", "Analyst"], device: ["设备", "Device"]
  };
  const T = {
    zh: { signout: "退出", signingOut: "正在退出…", unavailable: "无法获取登录信息", signedIn: "当前用户" },
    en: { signout: "Sign out", signingOut: "Signing out…", unavailable: "Sign-in details unavailable", signedIn: "Signed in" }
  };
  const nativeFetch = window.fetch.bind(window);
  let session = null; // the promise of GET /api/v1/auth/me
  let leaving = false;

  function lang() {
    try { return localStorage.getItem("yiwang.lang") === "en" ? "en" : "zh"; } catch (e) { return "zh"; }
  }
  function t(k) { return T[lang()][k]; }
  // L picks the text of the current language.
  function L(zh, en) { return lang() === "en" ? en : zh; }

  // translate swaps the static text marked data-en (the Chinese original is
  // kept in data-zh the first time) and the data-en-* attributes.
  const ATTRS = ["placeholder", "title", "aria-label"];
  function translate(root) {
    const en = lang() === "en";
    document.documentElement.lang = en ? "en" : "zh-CN";
    for (const e of (root || document).querySelectorAll("[data-en]")) {
      if (e.dataset.zh === undefined) e.dataset.zh = e.textContent;
      e.textContent = en ? e.dataset.en : e.dataset.zh;
    }
    for (const a of ATTRS) {
      const key = "en" + a.replace(/(^|-)([a-z])/g, (m, d, c) => c.toUpperCase());
      const zhKey = "zh" + key.slice(2);
      for (const e of (root || document).querySelectorAll("[data-en-" + a + "]")) {
        if (e.dataset[zhKey] === undefined) e.dataset[zhKey] = e.getAttribute(a) || "";
        e.setAttribute(a, en ? e.dataset[key] : e.dataset[zhKey]);
      }
    }
  }

  // setLang stores the choice, translates the page and tells the page.
  function setLang(l) {
    try { localStorage.setItem("yiwang.lang", l === "en" ? "en" : "zh"); } catch (e) { /* storage may be off */ }
    translate();
    document.dispatchEvent(new Event("yiwang:lang"));
  }
  function roleName(r) { return ROLES[r] ? ROLES[r][lang() === "en" ? 1 : 0] : r; }

  function urlOf(input) {
    try { return new URL(input instanceof Request ? input.url : String(input), location.href); } catch (e) { return null; }
  }
  function ours(u) { return u !== null && u.origin === location.origin; }

  // toSignIn leaves for the sign-in page, which comes back here after.
  function toSignIn() {
    if (leaving) return;
    leaving = true;
    const next = location.pathname + location.search + location.hash;
    location.assign("signin.html?next=" + encodeURIComponent(next));
  }

  // me fetches the signed-in user and the CSRF token once per page (again
  // after a refresh()).
  function me(refresh) {
    if (!session || refresh) {
      session = nativeFetch("/api/v1/auth/me", { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(async (r) => {
          if (r.status === 401) {
            toSignIn();
            return new Promise(() => {}); // the page is leaving
          }
          if (!r.ok) throw new Error("GET /api/v1/auth/me: HTTP " + r.status);
          return r.json();
        });
    }
    return session;
  }

  async function isCSRFProblem(r) {
    if (r.status !== 403) return false;
    try {
      const p = await r.clone().json();
      return typeof p.type === "string" && /\/csrf$/.test(p.type);
    } catch (e) { return false; }
  }

  window.fetch = async function (input, init) {
    const u = urlOf(input);
    if (!ours(u)) return nativeFetch(input, init);
    const opts = Object.assign({}, init || {});
    const method = String(opts.method || (input instanceof Request ? input.method : "GET")).toUpperCase();
    const headers = new Headers(opts.headers || (input instanceof Request ? input.headers : undefined));
    opts.credentials = "same-origin";
    const signin = u.pathname === "/api/v1/auth/signin";
    const needsToken = !SAFE.has(method) && !signin && !headers.has("Authorization");
    if (needsToken) headers.set("X-CSRF-Token", (await me()).csrf_token);
    opts.headers = headers;
    let r = await nativeFetch(input, opts);
    // A token that went stale (signed in again in another tab): fetch
    // the current one and try once more.
    if (needsToken && typeof opts.body !== "object" && !(input instanceof Request) && await isCSRFProblem(r)) {
      headers.set("X-CSRF-Token", (await me(true)).csrf_token);
      r = await nativeFetch(input, opts);
    }
    if (r.status === 401 && !signin) {
      toSignIn();
      return new Promise(() => {}); // the page is leaving; nothing to show
    }
    return r;
  };

  function hasRole(user, roles) {
    const mine = (user && user.roles) || [];
    if (mine.includes("admin")) return true;
    return roles.some((r) => mine.includes(r));
  }

  function roleList(s) { return s.split(/\s+/).filter(Boolean); }

  // applyRoles hides every element with data-roles the user has none of,
  // and shows every element with data-unless-roles (a note saying what
  // the page is for) only to users who have none of those.
  function applyRoles(user, root) {
    for (const e of (root || document).querySelectorAll("[data-roles]")) e.hidden = !hasRole(user, roleList(e.dataset.roles));
    for (const e of (root || document).querySelectorAll("[data-unless-roles]")) e.hidden = hasRole(user, roleList(e.dataset.unlessRoles));
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  let current = null;
  function renderBar() {
    const header = document.querySelector("header");
    if (!header) return;
    let bar = document.getElementById("session");
    if (!bar) {
      bar = el("div", undefined, "session");
      bar.id = "session";
      header.append(bar);
    }
    bar.replaceChildren();
    if (!current) {
      bar.append(el("span", t("unavailable"), "session-error"));
      return;
    }
    const u = current.user;
    const who = el("span", u.name || u.login, "who");
    who.id = "session-name";
    who.title = t("signedIn") + ": " + u.login;
    const unit = el("span", u.unit_name || u.unit, "unit");
    unit.id = "session-unit";
    unit.title = u.unit;
    const roles = el("span", (u.roles || []).map(roleName).join(L("、", ", ")), "roles");
    roles.id = "session-roles";
    if (!document.getElementById("lang")) {
      const sw = el("button", lang() === "en" ? "中文" : "English", "lang-switch");
      sw.type = "button";
      sw.id = "lang-switch";
      sw.addEventListener("click", () => setLang(lang() === "en" ? "zh" : "en"));
      bar.append(sw);
    }
    const out = el("button", t("signout"), "signout");
    out.type = "button";
    out.id = "signout";
    out.addEventListener("click", () => signOut(out));
    bar.append(who, unit, roles, out);
  }

  async function signOut(button) {
    button.disabled = true;
    button.textContent = t("signingOut");
    try {
      await fetch("/api/v1/auth/signout", { method: "POST", headers: { Accept: "application/json" } });
    } finally {
      leaving = true;
      location.assign("signin.html");
    }
  }

  const ready = me().then((s) => {
    current = s;
    document.body.dataset.user = s.user.login;
    renderBar();
    applyRoles(s.user);
    return s;
  }, (e) => {
    renderBar();
    throw e;
  });
  ready.catch((e) => console.warn("console:", e.message)); // shown in the bar; pages handle it too
  document.addEventListener("yiwang:lang", renderBar);
  translate();

  // subtree lists the codes of a unit and every unit below it, from the
  // unit directory (GET /api/v1/dispatch/units).
  function subtree(units, root) {
    const kids = {};
    for (const u of units) (kids[u.parent || ""] = kids[u.parent || ""] || []).push(u.code);
    const out = [];
    const walk = (c) => { out.push(c); for (const k of kids[c] || []) walk(k); };
    if (units.some((u) => u.code === root)) walk(root);
    return out;
  }

  window.Yiwang = Object.freeze({
    // session resolves to {user, csrf_token} once the user is known.
    session: ready,
    hasRole,
    applyRoles,
    roleName,
    subtree,
    lang,
    L,
    setLang,
    translate,
    signOut: () => signOut(document.getElementById("signout") || el("button"))
  });
})();
