"use strict";
// 工作台: the dispatcher's queues, a unit's inbox, the supervisor's view and
// one case's detail with a button for every action allowed on it now.
// It talks only to the public API; all text from the API is put into the
// page with textContent (or Option text), never as HTML.
const STATES = { received: "受理", dispatched: "派单", accepted: "签收", in_progress: "办理", resolved: "办结",
  verified: "回访", closed: "结案", returned: "退单", suspended: "挂起", merged: "合并", voided: "作废" };
const CLOCKS = { dispatch: "派单时限", sign_off: "签收时限", on_site: "到场时限", resolve: "办结时限", reply: "答复时限" };
const ACTIONS = { create: "受理", dispatch: "派单", reassign: "改派", accept: "签收", return: "退单", start: "开始办理",
  resolve: "办结", verify: "回访", close: "结案", reopen: "重办", request_extension: "申请延期", approve_extension: "批准延期",
  refuse_extension: "驳回延期", suspend: "挂起", resume: "恢复", supervise: "督办", summon: "吹哨", report: "报到",
  merge: "合并", void: "作废", note: "备注", recategorise: "改类" };
const SATISFACTION = { satisfied: "满意", basically_satisfied: "基本满意", unsatisfied: "不满意" };
const SEVERITY = { normal: "一般", urgent: "紧急", critical: "特急" };
const INBOX = ["dispatched", "accepted", "in_progress", "suspended"];
const COLOUR_RANK = { red: 0, yellow: 1, green: 2, "": 3 };
const UNIT_KEY = "yiwang.workbench.unit";
// FIELDS maps a problem's field to the form input it is about.
const FIELDS = { "payload.unit": "unit", "payload.reason": "reason", "payload.reply": "reply",
  "payload.satisfaction": "satisfaction", "payload.deadlines.resolve": "resolve", "payload.deadlines": "resolve",
  "payload.units": "units", "payload.due": "due", "payload.parent_id": "parent_id", "payload.category": "category",
  note: "note", actor: "actor" };
// AUTO_TAG asks the workflow to choose a new case's category (workflow.TagAutoCategory).
const AUTO_TAG = "category:auto";
// SUGGESTION_MARK starts the note in which the workflow records its
// category suggestion (internal/workflow/classify.go).
const SUGGESTION_MARK = "分类建议 ";

let units = [];
let unitNames = {};
let categories = []; // GET /api/v1/categories, in taxonomy order
let categoryByCode = {};
// suggestions holds, by case id, what the classifier suggested for a case
// in the manual queue that it could not route confidently: { version,
// list } with list the top three ({ category, confidence, terms }), or
// null when the case was held for no such reason.
const suggestions = new Map();
let tab = "dispatcher";
let current = null; // the case shown in the detail panel
let busy = false;
let user = null; // the signed-in user (console.js); the server records it as the actor

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}
function fmt(t) { return t ? new Date(t).toLocaleString("zh-CN", { hour12: false }) : ""; }
function unitName(code) { return code ? (unitNames[code] || code) : "—"; }
function clockName(k) {
  if (k.startsWith("summons:")) return "报到时限（" + unitName(k.slice(8)) + "）";
  return CLOCKS[k] || k;
}
function setStatus(text) { document.getElementById("status").textContent = text; }
function categoryName(code) {
  const c = categoryByCode[code];
  return c ? c.path || c.name : "";
}
function categoryText(code) {
  const n = categoryName(code);
  return code ? code + (n ? " " + n : "") : "—";
}

// api sends a request and returns the body; a failed request throws an
// Error carrying the problem's detail and field.
async function api(method, url, body) {
  const init = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const r = await fetch(url, init);
  let data = null;
  try { data = await r.json(); } catch (e) { data = null; }
  if (!r.ok) {
    const err = new Error((data && (data.detail || data.title)) || ("请求失败（HTTP " + r.status + "）"));
    err.field = data && data.field;
    err.status = r.status;
    throw err;
  }
  return data;
}

// --- urgency: the worst clock of a case ---

function urgency(c) {
  let colour = "", left = null, clock = "";
  for (const k of c.clocks || []) {
    const rank = COLOUR_RANK[k.colour] ?? 3;
    if (colour === "" || rank < COLOUR_RANK[colour] || (rank === COLOUR_RANK[colour] && k.left_seconds < left)) {
      colour = k.colour; left = k.left_seconds; clock = k.clock;
    }
  }
  return { colour, left, clock, k: (c.clocks || []).find((k) => k.clock === clock) };
}
function byUrgency(a, b) {
  const ua = urgency(a), ub = urgency(b);
  const ra = COLOUR_RANK[ua.colour] ?? 3, rb = COLOUR_RANK[ub.colour] ?? 3;
  if (ra !== rb) return ra - rb;
  if (ua.left !== null && ub.left !== null && ua.left !== ub.left) return ua.left - ub.left;
  return a.created_at < b.created_at ? -1 : 1;
}
function leftText(k) {
  if (!k) return "无时限";
  return clockName(k.clock) + (k.left_seconds < 0 ? " 已超时 " : " 剩余 ") + k.left.replace(/^-/, "") + (k.paused ? "（暂停）" : "");
}

// parseSuggestion reads the workflow's suggestion note of a case held for
// low confidence: the top three categories with their confidence, or null
// when the note is of another kind (applied or confirmed suggestions).
function parseSuggestion(note) {
  if (!note || !note.startsWith(SUGGESTION_MARK)) return null;
  const lines = note.split("\n");
  // The first line is machine-readable: "分类建议 suggested=… confidence=…
  // threshold=… applied=… original=…"; held means not applied and below
  // the threshold.
  const head = {};
  for (const f of lines[0].slice(SUGGESTION_MARK.length).split(/\s+/)) {
    const i = f.indexOf("=");
    if (i > 0) head[f.slice(0, i)] = f.slice(i + 1);
  }
  if (head.applied !== "false" || !(Number(head.confidence) < Number(head.threshold))) return null;
  const list = [];
  for (const l of lines) {
    const m = /^\d+\. (\S+) ([0-9.]+)(?: 依据：(.*))?$/.exec(l);
    if (m) list.push({ category: m[1], confidence: Number(m[2]), terms: m[3] ? m[3].split("、").filter(Boolean) : [] });
  }
  return list.length ? list : null;
}
function suggestionOf(events) {
  for (const e of events || []) {
    if (e.action === "note" && (e.actor || "").startsWith("system")) {
      const s = parseSuggestion(e.note);
      if (s) return s;
    }
  }
  return null;
}
// mayBeHeld says whether a received case could have been held by the
// classifier: tagged category:auto, or filed under a first-level category.
function mayBeHeld(c) {
  if ((c.tags || []).includes(AUTO_TAG)) return true;
  const cat = categoryByCode[c.category];
  return !cat || cat.level === 1;
}

// classify reads the history of the manual queue's cases that may have
// been held by the classifier (a few at a time, each case once per
// version) and records their suggestions.
async function classify(list) {
  const todo = list.filter((c) => {
    const s = suggestions.get(c.id);
    return (!s || s.version !== c.version) && mayBeHeld(c);
  });
  for (const c of list) if (!mayBeHeld(c)) suggestions.set(c.id, { version: c.version, list: null });
  let next = 0;
  async function worker() {
    while (next < todo.length) {
      const c = todo[next++];
      try {
        const h = await api("GET", "/api/v1/cases/" + encodeURIComponent(c.id) + "/history");
        suggestions.set(c.id, { version: c.version, list: suggestionOf(h.events) });
      } catch (e) {
        suggestions.set(c.id, { version: c.version, list: null });
      }
    }
  }
  await Promise.all([worker(), worker(), worker(), worker()]);
}
function lowConfidence(c) {
  const s = suggestions.get(c.id);
  return s && s.version === c.version && s.list ? s.list : null;
}

// suggestionBox shows a held case's suggested categories, each with a
// button that recategorises the case to it (and so dispatches it when a
// rule covers the new category).
function suggestionBox(c, list) {
  const box = el("div", undefined, "suggestions");
  list.forEach((s, i) => {
    const b = el("button", (i === 0 ? "按建议改类派单：" : "改为：") + categoryText(s.category) + "（" + Math.round(s.confidence * 100) + "%）",
      i === 0 ? "suggest top" : "suggest");
    b.type = "button";
    b.dataset.category = s.category;
    b.dataset.caseId = c.id;
    if (s.terms.length) b.title = "依据：" + s.terms.join("、");
    if (s.category === c.category) b.disabled = true;
    b.addEventListener("click", (ev) => { ev.stopPropagation(); applySuggestion(c, s.category, b); });
    b.addEventListener("keydown", (ev) => ev.stopPropagation());
    box.append(b);
  });
  return box;
}

// applySuggestion recategorises a case to a suggested category in one
// click; the workflow dispatches it when a rule covers the new category.
async function applySuggestion(c, category, button) {
  if (busy) return;
  busy = true;
  button.disabled = true;
  try {
    const r = await api("POST", "/api/v1/cases/" + encodeURIComponent(c.id) + "/transitions",
      { action: "recategorise", payload: { category }, expect_version: c.version });
    const now = r.case;
    busy = false;
    if (current && current.id === c.id) await show(c.id);
    await refresh();
    setStatus(now.state === "dispatched"
      ? c.id + " 已改类为 " + categoryText(category) + " 并派单至 " + unitName(now.unit)
      : c.id + " 已改类为 " + categoryText(category) + "，仍无规则覆盖，请人工派单");
  } catch (e) {
    setStatus("改类失败：" + e.message);
    button.disabled = false;
  } finally {
    busy = false;
  }
}

function caseItem(c, extra) {
  const u = urgency(c);
  const li = el("li", undefined, "case clock-" + (u.colour || "none"));
  li.dataset.caseId = c.id;
  li.tabIndex = 0;
  li.append(el("span", c.title, "case-title"), el("span", leftText(u.k), "left"));
  const meta = [c.id, STATES[c.state] || c.state, "承办：" + unitName(c.unit), fmt(c.created_at)];
  if (c.returns) meta.push("退回 " + c.returns + " 次");
  li.append(el("span", meta.join(" · "), "muted"));
  if (typeof extra === "string") li.append(el("span", extra, "muted"));
  else if (extra) li.append(extra);
  if (current && current.id === c.id) li.classList.add("selected");
  li.addEventListener("click", () => show(c.id));
  li.addEventListener("keydown", (ev) => { if (ev.key === "Enter") show(c.id); });
  return li;
}
function fill(id, list, empty, extra) {
  const ul = document.getElementById(id);
  ul.replaceChildren(...list.map((c) => caseItem(c, extra && extra(c))));
  if (!list.length) ul.append(el("li", empty, "empty"));
}

// --- the three views ---

// --- paged lists: a page of PAGE cases from the API, more on request ---

const PAGE = 50;
// lists are the lists on screen by element id: their query, the cases
// loaded so far and the cursor of the next page ("" when there is none).
// Every list asks for sort=due, the earliest pending deadline first, so
// the first page holds the most urgent cases and later pages add less
// urgent ones.
const lists = {};

// loadList shows the first page of a list; a list reloaded with the same
// query keeps as many cases as were loaded before (up to 1000).
async function loadList(id, params, empty, extra) {
  const query = new URLSearchParams({ ...params, sort: "due" }).toString();
  const before = lists[id];
  const keep = before && before.query === query ? before.cases.length : 0;
  const l = { query, cases: [], next: "", empty, extra };
  lists[id] = l;
  await loadPage(id, l, Math.min(1000, Math.max(PAGE, keep)));
  return l;
}

async function loadPage(id, l, limit) {
  const p = new URLSearchParams(l.query);
  p.set("limit", String(limit));
  if (l.next) p.set("cursor", l.next);
  const page = await api("GET", "/api/v1/cases?" + p);
  if (lists[id] !== l) return; // reloaded meanwhile
  if (id === "q-manual") await classify(page.cases);
  if (lists[id] !== l) return;
  l.cases.push(...page.cases);
  l.next = page.next_cursor || "";
  renderList(id, l);
}

// shown is a list's count as the page can honestly say it: "50+" while
// more pages remain.
function shown(l) { return l.cases.length + (l.next ? "+" : ""); }

function renderList(id, l) {
  let list = l.cases;
  if (id === "q-manual") {
    // The manual queue splits in two: cases the classifier held (with its
    // suggestions) and cases no rule covered.
    const low = list.filter(lowConfidence);
    list = list.filter((c) => !lowConfidence(c));
    fill("q-lowconf", low.sort(byUrgency), "暂无低置信度案件", (c) => suggestionBox(c, lowConfidence(c)));
    const lu = document.getElementById("q-lowconf");
    lu.dataset.shown = String(low.length);
    l.low = low.length;
  }
  fill(id, list.slice().sort(byUrgency), l.empty, l.extra);
  const ul = document.getElementById(id);
  ul.dataset.shown = String(l.cases.length);
  ul.dataset.more = String(l.next !== "");
  if (!l.cases.length) return;
  const foot = el("li", undefined, "more");
  foot.append(el("span", l.next ? "已显示 " + l.cases.length + " 件，还有更多" : "共 " + l.cases.length + " 件", "muted"));
  if (l.next) {
    const b = el("button", "加载更多");
    b.type = "button";
    b.className = "load-more";
    b.addEventListener("click", async () => {
      b.disabled = true;
      try {
        await loadPage(id, l, PAGE);
      } catch (e) {
        setStatus("加载失败：" + e.message);
        b.disabled = false;
      }
    });
    foot.append(b);
  }
  ul.append(foot);
}

async function loadDispatcher() {
  const empty = { manual: "暂无待分拨案件", returned: "暂无退单", arbitration: "暂无需仲裁的案件" };
  const [manual, returned, arbitration] = await Promise.all(Object.keys(empty).map((q) => loadList("q-" + q, { queue: q }, empty[q])));
  const low = manual.low || 0;
  setStatus("低置信度 " + low + " 件，待分拨 " + (manual.cases.length - low) + (manual.next ? "+" : "") + " 件，退单 " +
    shown(returned) + " 件，仲裁 " + shown(arbitration) + " 件");
}

async function loadHandler() {
  const unit = document.getElementById("handler-unit").value;
  if (!unit) {
    delete lists["q-handler"];
    fill("q-handler", [], "请先选择承办单位");
    setStatus("");
    return;
  }
  const l = await loadList("q-handler", { unit, state: INBOX.join(",") }, "该单位暂无在办案件");
  const red = l.cases.filter((c) => urgency(c).colour === "red").length;
  const yellow = l.cases.filter((c) => urgency(c).colour === "yellow").length;
  setStatus(unitName(unit) + "：在办 " + shown(l) + " 件" + (l.next ? "（已显示的 " + l.cases.length + " 件中" : "，") + "超时 " + red + " 件，临期 " + yellow + " 件" + (l.next ? "）" : ""));
}

function pendingSummons(c) { return (c.summons || []).filter((s) => !s.reported_at); }

// The supervisor's lists come filtered from the API (overdue: an open
// case's pending deadline passed; open_summons: a summoned unit has not
// reported), page by page, most overdue first.
async function loadSupervisor() {
  const [overdue, summoned] = await Promise.all([
    loadList("q-overdue", { overdue: "true" }, "暂无超时案件"),
    loadList("q-summons", { open_summons: "true" }, "暂无未报到的吹哨",
      (c) => "未报到：" + pendingSummons(c).map((s) => unitName(s.unit) + "（" + fmt(s.due) + " 前）").join("，")),
  ]);
  setStatus("超时 " + shown(overdue) + " 件，吹哨未报到 " + shown(summoned) + " 件");
}

const LOADERS = { dispatcher: loadDispatcher, handler: loadHandler, supervisor: loadSupervisor };

async function refresh() {
  try {
    await LOADERS[tab]();
  } catch (e) {
    setStatus("加载失败：" + e.message);
  }
}

// allowedTabs are the tabs of the user's roles (console.js hides the rest).
function allowedTabs() {
  return [...document.querySelectorAll(".tabs button[data-tab]")].filter((b) => !b.hidden).map((b) => b.dataset.tab);
}

function selectTab(name) {
  const allowed = allowedTabs();
  if (!allowed.length) {
    document.getElementById("no-views").hidden = false;
    for (const p of document.querySelectorAll(".pane")) p.hidden = true;
    return Promise.resolve();
  }
  if (!LOADERS[name] || !allowed.includes(name)) name = allowed[0];
  tab = name;
  for (const b of document.querySelectorAll(".tabs button[data-tab]")) b.setAttribute("aria-selected", String(b.dataset.tab === name));
  for (const p of document.querySelectorAll(".pane")) p.hidden = p.id !== "pane-" + name;
  if (location.hash !== "#" + name) history.replaceState(null, "", "#" + name);
  return refresh();
}

// --- the case detail ---

async function show(id) {
  const enc = encodeURIComponent(id);
  let c, hist, acts, why;
  try {
    [c, hist, acts] = await Promise.all([api("GET", "/api/v1/cases/" + enc), api("GET", "/api/v1/cases/" + enc + "/history"),
      api("GET", "/api/v1/cases/" + enc + "/actions")]);
  } catch (e) {
    if (e.status === 404) return notFound(id);
    setStatus("读取案件失败：" + e.message);
    return;
  }
  try { why = await api("GET", "/api/v1/cases/" + enc + "/dispatch"); } catch (e) { why = { error: e.message }; }
  current = c;
  for (const li of document.querySelectorAll("li.case")) li.classList.toggle("selected", li.dataset.caseId === c.id);
  const d = document.getElementById("detail");
  d.replaceChildren();
  d.hidden = false;
  d.dataset.caseId = c.id;
  d.dataset.state = c.state;
  d.dataset.version = String(c.version);
  d.dataset.category = c.category;
  d.append(el("h2", c.title, "case-title"), el("p", c.id + " · " + (STATES[c.state] || c.state) + " · 版本 " + c.version, "muted"));

  d.append(el("h3", "可办理操作"));
  const bar = el("div", undefined, "actions");
  for (const a of acts.actions) {
    const b = el("button", ACTIONS[a] || a);
    b.type = "button";
    b.dataset.action = a;
    b.addEventListener("click", () => openForm(a, b));
    bar.append(b);
  }
  if (!acts.actions.length) bar.append(el("span", "此状态下无可办理操作", "muted"));
  const msg = el("p", undefined, "ok");
  msg.id = "action-ok";
  msg.hidden = true;
  d.append(bar, msg);

  const dl = el("dl");
  const loc = c.location || {};
  for (const [k, v] of [["类别", categoryText(c.category)], ["紧急程度", SEVERITY[c.severity] || c.severity], ["承办单位", unitName(c.unit)],
    ["协办单位", (c.co_units || []).map(unitName).join("，") || "—"], ["受理时间", fmt(c.created_at)],
    ["位置", [loc.district, loc.street, loc.community, loc.grid].filter(Boolean).join(" / ") || "—"],
    ["地址", loc.address || "—"], ["反映人", (c.reporter || {}).name || "—"], ["反映人电话", (c.reporter || {}).phone || "—"],
    ["退回 / 督办 / 重办", (c.returns || 0) + " / " + (c.supervisions || 0) + " / " + (c.reopens || 0)]]) {
    dl.append(el("dt", k), el("dd", v));
  }
  if (c.extension_pending) dl.append(el("dt", "延期"), el("dd", "延期申请待审批"));
  if (c.parent_id) dl.append(el("dt", "并入案件"), el("dd", c.parent_id));
  if (c.satisfaction) dl.append(el("dt", "回访结果"), el("dd", SATISFACTION[c.satisfaction] || c.satisfaction));
  d.append(dl, el("pre", c.description));

  const held = c.state === "received" ? suggestionOf(hist.events) : null;
  if (held) {
    d.append(el("h3", "分类建议 · 置信度不足，转人工"));
    const box = suggestionBox(c, held);
    box.id = "detail-suggestions";
    d.append(box);
  }
  if ((c.attachments || []).length) d.append(el("h3", "附件"), attachmentList(c.attachments));
  if (loc.district || (loc.lat != null && loc.lon != null)) {
    d.append(el("h3", "位置"));
    const m = el("div", undefined, "case-map");
    m.id = "case-map";
    d.append(m);
    drawMap(m, c).catch((e) => { m.replaceChildren(el("p", "地图加载失败：" + e.message, "error")); });
  }

  d.append(el("h3", "时限"));
  const ul = el("ul", undefined, "clocks");
  for (const k of c.clocks || []) {
    ul.append(el("li", clockName(k.clock) + "：" + fmt(k.due) + "（" + (k.left_seconds < 0 ? "已超时 " : "剩余 ") +
      k.left.replace(/^-/, "") + (k.paused ? "，已暂停" : "") + "）", "clock-" + k.colour));
  }
  if (!ul.children.length) ul.append(el("li", "当前状态无计时", "muted"));
  d.append(ul);
  if ((c.summons || []).length) {
    d.append(el("h3", "吹哨报到"));
    const sl = el("ul");
    for (const s of c.summons) {
      sl.append(el("li", unitName(s.unit) + "：" + (s.reported_at ? "已报到 " + fmt(s.reported_at) : "未报到，时限 " + fmt(s.due))));
    }
    d.append(sl);
  }
  if (c.reply) d.append(el("h3", "答复"), el("pre", c.reply));

  d.append(el("h3", "派单依据"));
  d.append(el("p", why.error ? "无法获取派单说明：" + why.error : (why.text_zh || "—"), "explain"));

  d.append(el("h3", "办理过程"));
  const ol = el("ol", undefined, "timeline");
  for (const e of hist.events || []) {
    const li = el("li");
    let what = fmt(e.at) + " · " + (ACTIONS[e.action] || e.action);
    if (e.from !== e.to) what += " · " + (STATES[e.from] || e.from || "—") + " → " + (STATES[e.to] || e.to);
    li.append(el("div", what));
    const p = e.payload || {};
    const said = [e.actor + (e.actor_unit ? "（" + unitName(e.actor_unit) + "）" : "")];
    if (p.unit) said.push("单位：" + unitName(p.unit));
    if (p.reason) said.push("理由：" + p.reason);
    if (p.reply) said.push("答复：" + p.reply);
    if (p.satisfaction) said.push("回访：" + (SATISFACTION[p.satisfaction] || p.satisfaction));
    if (p.units) said.push("召集：" + p.units.map(unitName).join("，"));
    if (p.parent_id) said.push("并入：" + p.parent_id);
    if (e.note) said.push(e.note);
    li.append(el("div", said.join("；"), "muted"));
    ol.append(li);
  }
  d.append(ol);
}

// --- attachments: thumbnails from the API's attachment path, full size on click ---

const ATTACHMENT_PATH = "/api/v1/attachments/";

function attachmentList(atts) {
  const ul = el("ul", undefined, "attachments");
  for (const a of atts) {
    const li = el("li");
    // Only the API's own attachment path: the CSP allows images from this
    // origin alone, and a URL from elsewhere is not followed.
    const url = a.sha256 ? ATTACHMENT_PATH + encodeURIComponent(a.sha256) : (a.url || "");
    if (!url.startsWith(ATTACHMENT_PATH)) {
      li.append(el("span", (a.name || "附件") + "（外部地址，未显示）", "muted"));
    } else if ((a.type || "").startsWith("image/")) {
      const b = el("button", undefined, "thumb");
      b.type = "button";
      b.title = (a.name || "照片") + "：点击查看原图";
      const img = el("img");
      img.src = url;
      img.alt = a.name || "照片";
      img.loading = "lazy";
      b.append(img);
      b.addEventListener("click", () => openPhoto(url, a.name || "照片"));
      li.append(b);
    } else {
      const link = el("a", a.name || "附件");
      link.href = url;
      link.rel = "noopener";
      link.target = "_blank";
      li.append(link);
    }
    ul.append(li);
  }
  return ul;
}

function openPhoto(url, name) {
  const v = document.getElementById("photo-view");
  const img = el("img");
  img.src = url;
  img.alt = name;
  const close = el("button", "关闭 ✕", "close");
  close.type = "button";
  v.replaceChildren(close, img, el("p", name));
  v.hidden = false;
  close.focus();
}
function closePhoto() {
  const v = document.getElementById("photo-view");
  v.hidden = true;
  v.replaceChildren();
}
document.getElementById("photo-view").addEventListener("click", closePhoto);
document.addEventListener("keydown", (ev) => { if (ev.key === "Escape") closePhoto(); });

// --- the case's place: its district's outline and its point, drawn with
// ECharts from the platform's own geography (no map tiles) ---

let districts = null; // a promise of the district FeatureCollection

async function drawMap(box, c) {
  if (!districts) {
    districts = api("GET", "/api/v1/geo/areas?level=district").catch((e) => { districts = null; throw e; });
  }
  const gj = await districts;
  if (!box.isConnected) return; // another case was opened meanwhile
  const loc = c.location || {};
  const f = (gj.features || []).filter((x) => x.properties && x.properties.code === loc.district);
  const key = f.length ? "wb-district-" + loc.district : "wb-districts";
  if (!echarts.getMap(key)) echarts.registerMap(key, { type: "FeatureCollection", features: f.length ? f : gj.features || [] });
  const old = echarts.getInstanceByDom(box);
  if (old) old.dispose();
  const chart = echarts.init(box, null, { renderer: "canvas" });
  const point = loc.lat != null && loc.lon != null ? [[loc.lon, loc.lat]] : [];
  chart.on("finished", function done() {
    chart.off("finished", done);
    box.dataset.ready = "true";
  });
  chart.setOption({
    animation: false,
    geo: { map: key, nameProperty: "code", roam: true, silent: true, layoutCenter: ["50%", "50%"], layoutSize: "95%",
      itemStyle: { areaColor: "#e4eaf1", borderColor: "#0b3d6e", borderWidth: 1 } },
    series: [{ type: "scatter", coordinateSystem: "geo", data: point, symbolSize: 14, itemStyle: { color: "#d93025" } }]
  });
  box.dataset.district = f.length ? loc.district : "";
  box.dataset.point = point.length ? "true" : "false";
}

// notFound says so in the detail panel: the case does not exist, or it
// is outside the user's scope (the API answers both alike).
function notFound(id) {
  current = null;
  const d = document.getElementById("detail");
  d.replaceChildren(el("p", "未找到案件 " + id + "：编号不存在，或不在您的办理范围内。", "error"));
  d.hidden = false;
  d.dataset.caseId = "";
  d.dataset.notFound = id;
  d.dataset.state = "";
  setStatus("未找到案件 " + id);
}

// linkedCase is the case named in the address: ?case=ID or #case=ID.
function linkedCase() {
  const q = new URLSearchParams(location.search).get("case");
  if (q) return q;
  const m = /^#case=(.+)$/.exec(location.hash);
  return m ? decodeURIComponent(m[1]) : "";
}

// --- the action form: only what the action needs ---

function textArea(name, label) {
  const l = el("label", label);
  const t = el("textarea");
  t.name = name;
  t.rows = 3;
  t.maxLength = 20000;
  l.append(t);
  return l;
}
function unitSelect(name, label, codes) {
  const l = el("label", label);
  const s = el("select");
  s.name = name;
  s.append(new Option("（请选择单位）", ""));
  for (const code of codes) s.append(new Option(unitName(code) + " " + code, code));
  l.append(s);
  return l;
}
function dateInput(name, label) {
  const l = el("label", label);
  const i = el("input");
  i.name = name;
  i.type = "datetime-local";
  l.append(i);
  return l;
}

function formFields(a, c) {
  const all = units.map((u) => u.code);
  switch (a) {
  case "dispatch": return [unitSelect("unit", "派往单位", all)];
  case "reassign": return [unitSelect("unit", "改派至单位", all.filter((u) => u !== c.unit))];
  case "return": case "void": case "suspend": case "request_extension": case "refuse_extension":
    return [textArea("reason", "理由")];
  case "resolve": return [textArea("reply", "答复（给反映人的正式答复）")];
  case "verify": {
    const l = el("label", "回访结果");
    const s = el("select");
    s.name = "satisfaction";
    s.append(new Option("（请选择）", ""));
    for (const [v, t] of Object.entries(SATISFACTION)) s.append(new Option(t, v));
    l.append(s);
    return [l];
  }
  case "approve_extension": return [dateInput("resolve", "新的办结时限")];
  case "summon": {
    const box = el("fieldset", undefined, "units");
    box.append(el("legend", "召集单位"));
    for (const u of all) {
      const l = el("label");
      const cb = el("input");
      cb.type = "checkbox";
      cb.name = "units";
      cb.value = u;
      l.append(cb, el("span", unitName(u)));
      box.append(l);
    }
    return [box, dateInput("due", "报到时限")];
  }
  case "report": return [unitSelect("unit", "报到单位", pendingSummons(c).map((s) => s.unit))];
  case "merge": {
    const l = el("label", "并入案件编号");
    const i = el("input");
    i.name = "parent_id";
    i.maxLength = 100;
    l.append(i);
    return [l];
  }
  case "note": return [textArea("note", "备注")];
  case "recategorise": {
    const l = el("label", "改为类别");
    const sel = el("select");
    sel.name = "category";
    sel.append(new Option("（请选择类别）", ""));
    for (const x of categories) {
      if (x.code === c.category) continue;
      sel.append(new Option("\u3000".repeat(Math.max(0, x.level - 1)) + x.code + " " + x.name, x.code));
    }
    l.append(sel);
    return [el("span", "现类别：" + categoryText(c.category), "muted"), l];
  }
  }
  return [];
}

function openForm(a, button) {
  const old = document.getElementById("action-form");
  if (old) old.remove();
  for (const b of document.querySelectorAll("#detail .actions button")) b.classList.toggle("active", b === button);
  document.getElementById("action-ok").hidden = true;
  const f = el("form");
  f.id = "action-form";
  f.noValidate = true;
  f.dataset.action = a;
  f.append(el("strong", ACTIONS[a] || a), ...formFields(a, current));
  const err = el("p", undefined, "error");
  err.id = "action-error";
  err.setAttribute("role", "alert");
  err.hidden = true;
  const row = el("div", undefined, "row");
  const ok = el("button", "确认" + (ACTIONS[a] || a));
  ok.type = "submit";
  const cancel = el("button", "取消");
  cancel.type = "button";
  cancel.addEventListener("click", () => { f.remove(); button.classList.remove("active"); });
  row.append(ok, cancel);
  f.append(err, row);
  f.addEventListener("submit", (ev) => { ev.preventDefault(); submitAction(f, a, ok); });
  f.addEventListener("input", (ev) => ev.target.removeAttribute("aria-invalid"));
  button.parentElement.after(f);
  const first = f.querySelector("textarea, select, input");
  if (first) first.focus();
}

function formError(f, message, fieldName) {
  const p = document.getElementById("action-error");
  p.textContent = message;
  p.hidden = false;
  const name = FIELDS[fieldName] || fieldName;
  const input = name && f.elements.namedItem(name);
  if (input && input.setAttribute) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
}

function isoFrom(f, name) {
  const v = f.elements.namedItem(name) && f.elements.namedItem(name).value;
  if (!v) return undefined;
  const t = new Date(v);
  return isNaN(t) ? undefined : t.toISOString();
}

function buildCommand(f, a) {
  const val = (n) => { const e = f.elements.namedItem(n); return e && e.value !== undefined ? e.value.trim() : ""; };
  const cmd = { action: a, payload: {}, expect_version: current.version };
  switch (a) {
  case "dispatch": case "reassign": case "report": cmd.payload.unit = val("unit"); break;
  case "return": case "void": case "suspend": case "request_extension": case "refuse_extension": cmd.payload.reason = val("reason"); break;
  case "resolve": cmd.payload.reply = val("reply"); break;
  case "verify": cmd.payload.satisfaction = val("satisfaction"); break;
  case "approve_extension": {
    const t = isoFrom(f, "resolve");
    if (t) cmd.payload.deadlines = { resolve: t };
    break;
  }
  case "summon": {
    cmd.payload.units = [...f.querySelectorAll("input[name=units]:checked")].map((e) => e.value);
    const t = isoFrom(f, "due");
    if (t) cmd.payload.due = t;
    break;
  }
  case "merge": cmd.payload.parent_id = val("parent_id"); break;
  case "note": cmd.note = val("note"); break;
  case "recategorise": cmd.payload.category = val("category"); break;
  }
  return cmd;
}

// missingField checks what the form can know before asking the API; the
// API checks everything again and its refusal shows the same way.
function missingField(f, a, cmd) {
  const p = cmd.payload;
  switch (a) {
  case "dispatch": case "reassign": return !p.unit && ["payload.unit", "请选择单位"];
  case "report": return !p.unit && ["payload.unit", "请选择报到单位"];
  case "return": case "void": case "suspend": case "request_extension": case "refuse_extension":
    return !p.reason && ["payload.reason", "请填写理由"];
  case "resolve": return !p.reply && ["payload.reply", "请填写给反映人的答复"];
  case "verify": return !p.satisfaction && ["payload.satisfaction", "请选择回访结果"];
  case "approve_extension": return !p.deadlines && ["payload.deadlines.resolve", "请填写新的办结时限"];
  case "summon":
    if (!p.units.length) return ["payload.units", "请至少选择一个召集单位"];
    return !p.due && ["payload.due", "请填写报到时限"];
  case "merge": return !p.parent_id && ["payload.parent_id", "请填写并入的案件编号"];
  case "note": return !cmd.note && ["note", "请填写备注"];
  case "recategorise": return !p.category && ["payload.category", "请选择新的类别"];
  }
  return false;
}

async function submitAction(f, a, button) {
  if (busy) return;
  const cmd = buildCommand(f, a);
  const missing = missingField(f, a, cmd);
  if (missing) return formError(f, missing[1], missing[0]);
  busy = true;
  button.disabled = true;
  const id = current.id;
  try {
    const r = await api("POST", "/api/v1/cases/" + encodeURIComponent(id) + "/transitions", cmd);
    await show(id);
    const ok = document.getElementById("action-ok");
    ok.textContent = "已" + (ACTIONS[a] || a) + "，案件现为「" + (STATES[r.case.state] || r.case.state) + "」" +
      (a === "recategorise" ? "，类别 " + categoryText(r.case.category) + (r.case.state === "dispatched" ? "，已按规则派单至 " + unitName(r.case.unit) : "") : "");
    ok.hidden = false;
    refresh();
  } catch (e) {
    const msg = e.status === 409 && e.field === "If-Match" ? "案件已被他人修改，请刷新后重试：" + e.message : "办理失败：" + e.message;
    formError(f, msg, e.field);
  } finally {
    busy = false;
    button.disabled = false;
  }
}

// --- start ---

async function loadCategories() {
  try {
    const r = await api("GET", "/api/v1/categories");
    categories = r.categories || [];
    for (const x of categories) categoryByCode[x.code] = x;
  } catch (e) {
    setStatus("类别目录加载失败：" + e.message);
  }
}

async function loadUnits() {
  try {
    const u = await api("GET", "/api/v1/dispatch/units");
    units = u.units;
    for (const x of units) unitNames[x.code] = x.name;
  } catch (e) {
    setStatus("单位名录加载失败：" + e.message);
  }
  const sel = document.getElementById("handler-unit");
  // A handler's inbox is its own unit and the units below it.
  const mine = user && !user.roles.includes("admin") ? new Set(Yiwang.subtree(units, user.unit)) : null;
  for (const x of units) if (!mine || mine.has(x.code)) sel.append(new Option(x.name + " " + x.code, x.code));
  if (mine && mine.has(user.unit)) sel.value = user.unit;
  try {
    const saved = localStorage.getItem(UNIT_KEY);
    if (saved && unitNames[saved] && (!mine || mine.has(saved))) sel.value = saved;
  } catch (e) { /* storage may be off */ }
}

document.getElementById("handler-unit").addEventListener("change", (ev) => {
  try { localStorage.setItem(UNIT_KEY, ev.target.value); } catch (e) { /* storage may be off */ }
  refresh();
});
for (const b of document.querySelectorAll(".tabs button[data-tab]")) b.addEventListener("click", () => selectTab(b.dataset.tab));
document.getElementById("refresh").addEventListener("click", refresh);
const linked = linkedCase();
Yiwang.session.then((s) => { user = s.user; }, () => {})
  .then(() => Promise.all([loadUnits(), loadCategories()])).then(() => selectTab(linked ? "" : location.hash.slice(1)))
  .then(() => linked && show(linked)).then(() => { document.body.dataset.ready = "true"; });
// The lists age by the minute: reload the open tab every minute while the
// page is visible.
setInterval(() => { if (!document.hidden && !busy) refresh(); }, 60000);
