"use strict";
// 登录: staff sign in with login and password (POST /api/v1/auth/signin,
// which sets the session cookie) and go back to the page that sent them
// here (?next=), which must be a path on this site: anything else — an
// absolute URL, //host, /\host — lands on the case list instead.
// Text from the API is put into the page with textContent, never as HTML.
(function () {
  const T = {
    zh: { title: "一网 Yiwang · 登录", lead: "城市运行管理平台 · 工作人员登录", login: "账号", password: "密码", submit: "登录",
      busy: "正在登录…", lang: "English", hint: "市民和企业无需登录：请通过 12345 热线、网站或 Open311 应用反映问题。",
      needLogin: "请填写账号", needPassword: "请填写密码", wrong: "账号或密码错误。", locked: "连续登录失败次数过多，账号已临时锁定。",
      retry: (m) => "请 " + m + " 分钟后再试。", failed: (s) => "登录失败（HTTP " + s + "）。", offline: "无法连接服务器，请检查网络后重试。" },
    en: { title: "Yiwang · Sign in", lead: "City operations platform · staff sign-in", login: "Login", password: "Password", submit: "Sign in",
      busy: "Signing in…", lang: "中文", hint: "Citizens and businesses need no account: use the 12345 hotline, the website or an Open311 app.",
      needLogin: "Enter your login", needPassword: "Enter your password", wrong: "Wrong login or password.",
      locked: "Too many failed attempts: the account is locked for a while.", retry: (m) => "Try again in " + m + " min.",
      failed: (s) => "Sign-in failed (HTTP " + s + ").", offline: "Cannot reach the server; check the network and try again." }
  };
  const $ = (id) => document.getElementById(id);
  const form = $("signin-form");
  let lang = "zh";
  try { lang = localStorage.getItem("yiwang.lang") === "en" ? "en" : "zh"; } catch (e) { /* storage may be off */ }
  let busy = false;
  let shown = null; // the error on show, re-rendered on a language switch

  // safeNext returns the path to go to after signing in: the ?next= value
  // when it is a path on this site, else "/".
  function safeNext(raw) {
    const home = "/";
    if (typeof raw !== "string" || raw === "" || raw.length > 2000) return home;
    // A path, not //host or /\host (browsers read both as another site),
    // with no backslash or control character.
    if (raw[0] !== "/" || raw[1] === "/" || raw.includes("\\") || /[\u0000-\u001f\u007f]/.test(raw)) return home;
    let u;
    try { u = new URL(raw, location.origin); } catch (e) { return home; }
    if (u.origin !== location.origin) return home;
    const path = u.pathname + u.search + u.hash;
    // "/.//host" normalises to "//host": still another site.
    if (path.startsWith("//") || u.pathname === "/signin.html") return home;
    return path;
  }

  function render() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.title = T[lang].title;
    for (const e of document.querySelectorAll("[data-i18n]")) e.textContent = T[lang][e.dataset.i18n];
    $("lang").textContent = T[lang].lang;
    if (busy) $("submit").textContent = T[lang].busy;
    if (shown) showError(shown);
  }

  // showError shows what went wrong: our sentence in the page's language,
  // then the server's own words (its problem detail), plainly.
  function showError(what) {
    shown = what;
    const p = $("error");
    const t = T[lang];
    let text = what.key ? (typeof t[what.key] === "function" ? t[what.key](what.arg) : t[what.key]) : "";
    if (what.retryMin) text += (lang === "zh" ? "" : " ") + t.retry(what.retryMin);
    if (what.detail) text += (text ? "\n" : "") + what.detail;
    p.textContent = text;
    p.hidden = false;
    if (what.field) {
      const input = $(what.field);
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
  }
  function clearError() {
    shown = null;
    $("error").hidden = true;
    for (const e of form.querySelectorAll("[aria-invalid]")) e.removeAttribute("aria-invalid");
  }

  async function signIn(ev) {
    ev.preventDefault();
    if (busy) return;
    clearError();
    const login = $("login").value.trim().toLowerCase();
    const password = $("password").value;
    if (!login) return showError({ key: "needLogin", field: "login" });
    if (!password) return showError({ key: "needPassword", field: "password" });
    busy = true;
    const button = $("submit");
    button.disabled = true;
    button.textContent = T[lang].busy;
    try {
      let r;
      try {
        r = await fetch("/api/v1/auth/signin", {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify({ login, password })
        });
      } catch (e) {
        return showError({ key: "offline" });
      }
      if (r.ok) {
        document.body.dataset.signedIn = "true";
        location.replace(safeNext(new URLSearchParams(location.search).get("next")));
        return;
      }
      let p = null;
      try { p = await r.json(); } catch (e) { p = null; }
      const detail = p && (p.detail || p.title) || "";
      if (r.status === 401) {
        $("password").value = "";
        showError({ key: "wrong", detail, field: "password" });
      } else if (r.status === 423) {
        $("password").value = "";
        const after = parseInt(r.headers.get("Retry-After") || "", 10);
        showError({ key: "locked", detail, retryMin: after > 0 ? Math.ceil(after / 60) : 0 });
      } else {
        showError({ key: "failed", arg: r.status, detail });
      }
    } finally {
      busy = false;
      button.disabled = false;
      button.textContent = T[lang].submit;
    }
  }

  form.addEventListener("submit", signIn);
  for (const e of form.elements) e.addEventListener("input", () => e.removeAttribute("aria-invalid"));
  $("lang").addEventListener("click", () => {
    lang = lang === "zh" ? "en" : "zh";
    try { localStorage.setItem("yiwang.lang", lang); } catch (e) { /* storage may be off */ }
    render();
  });
  render();
  // For the browser tests: the rule that keeps ?next= on this site.
  window.YiwangSignIn = Object.freeze({ safeNext });
  document.body.dataset.ready = "true";
})();
