"use strict";
// 工作台: the dispatcher's queues, a unit's inbox, the supervisor's view and
// one case's detail with a button for every action allowed on it now.
// It talks only to the public API; all text from the API is put into the
// page with textContent (or Option text), never as HTML.
// The page's words come in pairs, [Chinese, English]; tr picks the
// current language's (console.js's switch) and falls back to the code.
const STATES = { received: ["受理", "Received"], dispatched: ["派单", "Dispatched"], accepted: ["签收", "Accepted"],
  in_progress: ["办理", "In progress"], resolved: ["办结", "Resolved"], verified: ["回访", "Verified"], closed: ["结案", "Closed"],
  returned: ["退单", "Returned"], suspended: ["挂起", "Suspended"], merged: ["合并", "Merged"], voided: ["作废", "Voided"] };
const CLOCKS = { dispatch: ["派单时限", "Dispatch deadline"], sign_off: ["签收时限", "Sign-off deadline"],
  on_site: ["到场时限", "On-site deadline"], resolve: ["办结时限", "Resolution deadline"], reply: ["答复时限", "Reply deadline"] };
const ACTIONS = { create: ["受理", "Register"], dispatch: ["派单", "Dispatch"], reassign: ["改派", "Reassign"],
  accept: ["签收", "Sign off"], return: ["退单", "Return"], start: ["开始办理", "Start handling"], resolve: ["办结", "Resolve"],
  verify: ["回访", "Follow-up visit"], close: ["结案", "Close"], reopen: ["重办", "Reopen"],
  request_extension: ["申请延期", "Request extension"], approve_extension: ["批准延期", "Approve extension"],
  refuse_extension: ["驳回延期", "Refuse extension"], suspend: ["挂起", "Suspend"], resume: ["恢复", "Resume"],
  supervise: ["督办", "Supervise"], summon: ["吹哨", "Summon units"], report: ["报到", "Report in"], merge: ["合并", "Merge"],
  void: ["作废", "Void"], note: ["备注", "Note"], recategorise: ["改类", "Recategorise"] };
const SATISFACTION = { satisfied: ["满意", "Satisfied"], basically_satisfied: ["基本满意", "Basically satisfied"],
  unsatisfied: ["不满意", "Unsatisfied"] };
const SEVERITY = { normal: ["一般", "Normal"], urgent: ["紧急", "Urgent"], critical: ["特急", "Critical"] };
const INBOX = ["dispatched", "accepted", "in_progress", "suspended"];
const COLOUR_RANK = { red: 0, yellow: 1, green: 2, "": 3 };
const UNIT_KEY = "yiwang.workbench.unit";
// FIELDS maps a problem's field to the form input it is about.
const FIELDS = { "payload.unit": "unit", "payload.reason": "reason", "payload.reply": "reply",
  "payload.satisfaction": "satisfaction", "payload.deadlines.resolve": "resolve", "payload.deadlines": "resolve",
  "payload.units": "units", "payload.due": "due", "payload.parent_id": "parent_id", "payload.category": "category",
  note: "note", actor: "actor" };
// LOW_CONFIDENCE is the queue of the received cases the classifier held
// (cases.QueueLowConfidence): the API lists them (queue=low_confidence)
// and each carries its suggestions (c.suggestions, top three).
const LOW_CONFIDENCE = "low_confidence";

let units = [];
let unitNames = {};
let categories = []; // GET /api/v1/categories, in taxonomy order
let categoryByCode = {};
let tab = "dispatcher";
let current = null; // the case shown in the detail panel
let busy = false;
let user = null; // the signed-in user (console.js); the server records it as the actor
// statusFn, okText and formErr make the status line, the detail's success
// note and the form's error again in the current language.
let statusFn = () => "";
let okText = null;
let formErr = null;
let detailData = null; // { c, hist, acts, why } of the case shown, or { missing: id }

const L = Yiwang.L;
function tr(table, key) {
  const p = table[key];
  return p ? p[Yiwang.lang() === "en" ? 1 : 0] : key;
}
// list joins parts with the current language's comma.
function joinList(parts) { return parts.join(L("，", ", ")); }

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}
function fmt(t) { return t ? new Date(t).toLocaleString(L("zh-CN", "en-GB"), { hour12: false }) : ""; }
function unitName(code) { return code ? (unitNames[code] || code) : "—"; }
function clockName(k) {
  if (k.startsWith("summons:")) return L("报到时限（" + unitName(k.slice(8)) + "）", "Report-in deadline (" + unitName(k.slice(8)) + ")");
  return tr(CLOCKS, k);
}
// setStatus shows the status line; given a function, it is called again
// after a language switch.
function setStatus(text) {
  statusFn = typeof text === "function" ? text : () => text;
  document.getElementById("status").textContent = statusFn();
}
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
    const err = new Error((data && (data.detail || data.title)) || L("请求失败（HTTP " + r.status + "）", "Request failed (HTTP " + r.status + ")"));
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
  if (!k) return L("无时限", "No deadline");
  const left = k.left.replace(/^-/, "");
  if (Yiwang.lang() === "en") return clockName(k.clock) + (k.left_seconds < 0 ? ": overdue by " : ": ") + left + (k.left_seconds < 0 ? "" : " left") + (k.paused ? " (paused)" : "");
  return clockName(k.clock) + (k.left_seconds < 0 ? " 已超时 " : " 剩余 ") + left + (k.paused ? "（暂停）" : "");
}

// heldSuggestions are the suggestions of a case waiting in the
// low-confidence queue, or null when it does not wait there.
function heldSuggestions(c) {
  return c.queue === LOW_CONFIDENCE && (c.suggestions || []).length ? c.suggestions : null;
}

// suggestionBox shows a held case's suggested categories, each with a
// button that recategorises the case to it (and so dispatches it when a
// rule covers the new category).
function suggestionBox(c, list) {
  const box = el("div", undefined, "suggestions");
  list.forEach((s, i) => {
    const pct = Math.round(s.confidence * 100) + "%";
    const b = el("button", (i === 0 ? L("按建议改类派单：", "Recategorise as suggested and dispatch: ") : L("改为：", "Change to: ")) +
      categoryText(s.category) + L("（" + pct + "）", " (" + pct + ")"),
      i === 0 ? "suggest top" : "suggest");
    b.type = "button";
    b.dataset.category = s.category;
    b.dataset.caseId = c.id;
    const terms = s.terms || [];
    if (terms.length) b.title = L("依据：", "Based on: ") + terms.join(L("、", ", "));
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
    setStatus(() => now.state === "dispatched"
      ? L(c.id + " 已改类为 " + categoryText(category) + " 并派单至 " + unitName(now.unit),
        c.id + " recategorised as " + categoryText(category) + " and dispatched to " + unitName(now.unit))
      : L(c.id + " 已改类为 " + categoryText(category) + "，仍无规则覆盖，请人工派单",
        c.id + " recategorised as " + categoryText(category) + "; still no rule covers it, dispatch it by hand"));
  } catch (e) {
    setStatus(() => L("改类失败：", "Recategorisation failed: ") + e.message);
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
  const meta = [c.id, tr(STATES, c.state), L("承办：", "Unit: ") + unitName(c.unit), fmt(c.created_at)];
  if (c.returns) meta.push(L("退回 " + c.returns + " 次", "returned " + c.returns + (c.returns === 1 ? " time" : " times")));
  li.append(el("span", meta.join(" · "), "muted"));
  if (typeof extra === "string") li.append(el("span", extra, "muted"));
  else if (extra) li.append(extra);
  if (current && current.id === c.id) li.classList.add("selected");
  li.addEventListener("click", () => show(c.id));
  li.addEventListener("keydown", (ev) => { if (ev.key === "Enter") show(c.id); });
  return li;
}
// fill lists cases, or says the list is empty (empty: a function giving
// the text in the current language).
function fill(id, cases, empty, extra) {
  const ul = document.getElementById(id);
  ul.replaceChildren(...cases.map((c) => caseItem(c, extra && extra(c))));
  if (!cases.length) ul.append(el("li", empty(), "empty"));
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
  l.cases.push(...page.cases);
  l.next = page.next_cursor || "";
  renderList(id, l);
}

// shown is a list's count as the page can honestly say it: "50+" while
// more pages remain.
function shown(l) { return l.cases.length + (l.next ? "+" : ""); }

function renderList(id, l) {
  fill(id, l.cases.slice().sort(byUrgency), l.empty, l.extra);
  const ul = document.getElementById(id);
  ul.dataset.shown = String(l.cases.length);
  ul.dataset.more = String(l.next !== "");
  if (!l.cases.length) return;
  const foot = el("li", undefined, "more");
  foot.append(el("span", l.next ? L("已显示 " + l.cases.length + " 件，还有更多", "Showing " + l.cases.length + ", more to load")
    : L("共 " + l.cases.length + " 件", l.cases.length + " in all"), "muted"));
  if (l.next) {
    const b = el("button", L("加载更多", "Load more"));
    b.type = "button";
    b.className = "load-more";
    b.addEventListener("click", async () => {
      b.disabled = true;
      try {
        await loadPage(id, l, PAGE);
      } catch (e) {
        setStatus(() => L("加载失败：", "Loading failed: ") + e.message);
        b.disabled = false;
      }
    });
    foot.append(b);
  }
  ul.append(foot);
}

// The dispatcher's lists are the API's queues, a page each: the cases
// the classifier held (low_confidence, each with its suggestions and a
// button per suggestion), the received cases no rule covered (manual),
// the returned cases and those returned twice or more (arbitration).
async function loadDispatcher() {
  const [low, manual, returned, arbitration] = await Promise.all([
    loadList("q-lowconf", { queue: LOW_CONFIDENCE }, () => L("暂无低置信度案件", "No low-confidence cases"), (c) => suggestionBox(c, c.suggestions || [])),
    loadList("q-manual", { queue: "manual" }, () => L("暂无待分拨案件", "No cases awaiting dispatch")),
    loadList("q-returned", { queue: "returned" }, () => L("暂无退单", "No returned cases")),
    loadList("q-arbitration", { queue: "arbitration" }, () => L("暂无需仲裁的案件", "No cases for arbitration")),
  ]);
  setStatus(() => L("低置信度 " + shown(low) + " 件，待分拨 " + shown(manual) + " 件，退单 " + shown(returned) + " 件，仲裁 " + shown(arbitration) + " 件",
    "Low confidence " + shown(low) + ", awaiting dispatch " + shown(manual) + ", returned " + shown(returned) + ", arbitration " + shown(arbitration)));
}

async function loadHandler() {
  const unit = document.getElementById("handler-unit").value;
  if (!unit) {
    delete lists["q-handler"];
    fill("q-handler", [], noUnit);
    setStatus("");
    return;
  }
  const l = await loadList("q-handler", { unit, state: INBOX.join(",") }, () => L("该单位暂无在办案件", "No open cases for this unit"));
  const red = l.cases.filter((c) => urgency(c).colour === "red").length;
  const yellow = l.cases.filter((c) => urgency(c).colour === "yellow").length;
  setStatus(() => L(unitName(unit) + "：在办 " + shown(l) + " 件" + (l.next ? "（已显示的 " + l.cases.length + " 件中" : "，") + "超时 " + red + " 件，临期 " + yellow + " 件" + (l.next ? "）" : ""),
    unitName(unit) + ": " + shown(l) + " open" + (l.next ? " (of the " + l.cases.length + " shown: " : ", ") + red + " overdue, " + yellow + " due soon" + (l.next ? ")" : "")));
}

function noUnit() { return L("请先选择承办单位", "Choose a handling unit first"); }
function pendingSummons(c) { return (c.summons || []).filter((s) => !s.reported_at); }

// The supervisor's lists come filtered from the API (overdue: an open
// case's pending deadline passed; open_summons: a summoned unit has not
// reported), page by page, most overdue first.
async function loadSupervisor() {
  const [overdue, summoned] = await Promise.all([
    loadList("q-overdue", { overdue: "true" }, () => L("暂无超时案件", "No overdue cases")),
    loadList("q-summons", { open_summons: "true" }, () => L("暂无未报到的吹哨", "No unanswered summons"),
      (c) => L("未报到：", "Not reported: ") + joinList(pendingSummons(c).map((s) => unitName(s.unit) + L("（" + fmt(s.due) + " 前）", " (due " + fmt(s.due) + ")")))),
  ]);
  setStatus(() => L("超时 " + shown(overdue) + " 件，吹哨未报到 " + shown(summoned) + " 件",
    shown(overdue) + " overdue, " + shown(summoned) + " summons not answered"));
}

const LOADERS = { dispatcher: loadDispatcher, handler: loadHandler, supervisor: loadSupervisor };

async function refresh() {
  try {
    await LOADERS[tab]();
  } catch (e) {
    setStatus(() => L("加载失败：", "Loading failed: ") + e.message);
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
    setStatus(() => L("读取案件失败：", "Could not read the case: ") + e.message);
    return;
  }
  try { why = await api("GET", "/api/v1/cases/" + enc + "/dispatch"); } catch (e) { why = { error: e.message }; }
  detailData = { c, hist, acts, why };
  okText = null;
  renderDetail();
}

// renderDetail draws the case in detailData: on opening it and again
// after a language switch (from the data already fetched).
function renderDetail() {
  const { c, hist, acts, why } = detailData;
  current = c;
  for (const li of document.querySelectorAll("li.case")) li.classList.toggle("selected", li.dataset.caseId === c.id);
  const d = document.getElementById("detail");
  // The map keeps its chart across a redraw of the same case.
  const oldMap = document.getElementById("case-map");
  const keptMap = oldMap && d.dataset.caseId === c.id && oldMap.dataset.version === String(c.version) ? oldMap : null;
  d.replaceChildren();
  d.hidden = false;
  d.dataset.caseId = c.id;
  d.dataset.notFound = "";
  d.dataset.state = c.state;
  d.dataset.version = String(c.version);
  d.dataset.category = c.category;
  d.append(el("h2", c.title, "case-title"), el("p", c.id + " · " + tr(STATES, c.state) + " · " + L("版本 ", "version ") + c.version, "muted"));

  d.append(el("h3", L("可办理操作", "Available actions")));
  const bar = el("div", undefined, "actions");
  for (const a of acts.actions) {
    const b = el("button", tr(ACTIONS, a));
    b.type = "button";
    b.dataset.action = a;
    b.addEventListener("click", () => openForm(a, b));
    bar.append(b);
  }
  if (!acts.actions.length) bar.append(el("span", L("此状态下无可办理操作", "No actions in this state"), "muted"));
  const msg = el("p", okText ? okText() : undefined, "ok");
  msg.id = "action-ok";
  msg.hidden = !okText;
  d.append(bar, msg);

  const dl = el("dl");
  const loc = c.location || {};
  const rep = c.reporter || {};
  for (const [zh, en, v] of [["类别", "Category", categoryText(c.category)], ["紧急程度", "Severity", tr(SEVERITY, c.severity)],
    ["承办单位", "Handling unit", unitName(c.unit)], ["协办单位", "Assisting units", joinList((c.co_units || []).map(unitName)) || "—"],
    ["受理时间", "Received", fmt(c.created_at)],
    ["位置", "Location", [loc.district, loc.street, loc.community, loc.grid].filter(Boolean).join(" / ") || "—"],
    ["地址", "Address", loc.address || "—"], ["反映人", "Reporter", rep.name || "—"], ["反映人电话", "Reporter's phone", rep.phone || "—"],
    ["退回 / 督办 / 重办", "Returns / supervisions / reopens", (c.returns || 0) + " / " + (c.supervisions || 0) + " / " + (c.reopens || 0)]]) {
    dl.append(el("dt", L(zh, en)), el("dd", v));
  }
  if (c.extension_pending) dl.append(el("dt", L("延期", "Extension")), el("dd", L("延期申请待审批", "Extension request awaiting approval")));
  if (c.parent_id) dl.append(el("dt", L("并入案件", "Merged into")), el("dd", c.parent_id));
  if (c.satisfaction) dl.append(el("dt", L("回访结果", "Follow-up result")), el("dd", tr(SATISFACTION, c.satisfaction)));
  // The classifier's suggestions of a case no longer held (applied,
  // confirmed, or answered by a dispatcher): for the record.
  if (!heldSuggestions(c) && (c.suggestions || []).length) {
    const dd = el("dd", joinList(c.suggestions.map((s) => categoryText(s.category) + L("（", " (") + Math.round(s.confidence * 100) + "%" + L("）", ")"))));
    dd.id = "detail-suggested";
    dl.append(el("dt", L("分类建议", "Suggested categories")), dd);
  }
  d.append(dl, el("pre", c.description));

  const held = heldSuggestions(c);
  if (held) {
    d.append(el("h3", L("分类建议 · 置信度不足，转人工", "Category suggestions · confidence too low, passed to a person")));
    const box = suggestionBox(c, held);
    box.id = "detail-suggestions";
    d.append(box);
  }
  if ((c.attachments || []).length) d.append(el("h3", L("附件", "Attachments")), attachmentList(c.attachments));
  if (loc.district || (loc.lat != null && loc.lon != null)) {
    d.append(el("h3", L("位置", "Location")));
    if (keptMap) {
      d.append(keptMap);
    } else {
      const m = el("div", undefined, "case-map");
      m.id = "case-map";
      m.dataset.version = String(c.version);
      d.append(m);
      drawMap(m, c).catch((e) => { m.replaceChildren(el("p", L("地图加载失败：", "The map failed to load: ") + e.message, "error")); });
    }
  }

  d.append(el("h3", L("时限", "Deadlines")));
  const ul = el("ul", undefined, "clocks");
  for (const k of c.clocks || []) {
    const left = k.left.replace(/^-/, "");
    ul.append(el("li", L(clockName(k.clock) + "：" + fmt(k.due) + "（" + (k.left_seconds < 0 ? "已超时 " : "剩余 ") + left + (k.paused ? "，已暂停" : "") + "）",
      clockName(k.clock) + ": " + fmt(k.due) + " (" + (k.left_seconds < 0 ? "overdue by " + left : left + " left") + (k.paused ? ", paused" : "") + ")"),
    "clock-" + k.colour));
  }
  if (!ul.children.length) ul.append(el("li", L("当前状态无计时", "No deadline runs in this state"), "muted"));
  d.append(ul);
  if ((c.summons || []).length) {
    d.append(el("h3", L("吹哨报到", "Summons")));
    const sl = el("ul");
    for (const s of c.summons) {
      sl.append(el("li", unitName(s.unit) + L("：", ": ") + (s.reported_at ? L("已报到 ", "reported ") + fmt(s.reported_at)
        : L("未报到，时限 ", "not reported, due ") + fmt(s.due))));
    }
    d.append(sl);
  }
  if (c.reply) d.append(el("h3", L("答复", "Reply")), el("pre", c.reply));

  d.append(el("h3", L("派单依据", "Dispatch rationale")));
  const text = L(why.text_zh, why.text_en || why.text_zh);
  d.append(el("p", why.error ? L("无法获取派单说明：", "The dispatch explanation is unavailable: ") + why.error : (text || "—"), "explain"));

  d.append(el("h3", L("办理过程", "History")));
  const ol = el("ol", undefined, "timeline");
  for (const e of hist.events || []) {
    const li = el("li");
    let what = fmt(e.at) + " · " + tr(ACTIONS, e.action);
    if (e.from !== e.to) what += " · " + (tr(STATES, e.from) || "—") + " → " + tr(STATES, e.to);
    li.append(el("div", what));
    const p = e.payload || {};
    const said = [e.actor + (e.actor_unit ? L("（" + unitName(e.actor_unit) + "）", " (" + unitName(e.actor_unit) + ")") : "")];
    if (p.unit) said.push(L("单位：", "Unit: ") + unitName(p.unit));
    if (p.reason) said.push(L("理由：", "Reason: ") + p.reason);
    if (p.reply) said.push(L("答复：", "Reply: ") + p.reply);
    if (p.satisfaction) said.push(L("回访：", "Follow-up: ") + tr(SATISFACTION, p.satisfaction));
    if (p.units) said.push(L("召集：", "Summoned: ") + joinList(p.units.map(unitName)));
    if (p.parent_id) said.push(L("并入：", "Merged into: ") + p.parent_id);
    if (e.note) said.push(e.note);
    li.append(el("div", said.join(L("；", "; ")), "muted"));
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
      li.append(el("span", (a.name || L("附件", "Attachment")) + L("（外部地址，未显示）", " (external address, not shown)"), "muted"));
    } else if ((a.type || "").startsWith("image/")) {
      const b = el("button", undefined, "thumb");
      b.type = "button";
      b.title = (a.name || L("照片", "Photo")) + L("：点击查看原图", ": click for full size");
      const img = el("img");
      img.src = url;
      img.alt = a.name || L("照片", "Photo");
      img.loading = "lazy";
      b.append(img);
      b.addEventListener("click", () => openPhoto(url, a.name));
      li.append(b);
    } else {
      const link = el("a", a.name || L("附件", "Attachment"));
      link.href = url;
      link.rel = "noopener";
      link.target = "_blank";
      li.append(link);
    }
    ul.append(li);
  }
  return ul;
}

// openPhoto shows a photo full size; name is the attachment's (may be
// empty: then it is called a photo in the current language).
function openPhoto(url, name) {
  const v = document.getElementById("photo-view");
  const img = el("img");
  img.src = url;
  const close = el("button", undefined, "close");
  close.type = "button";
  v.replaceChildren(close, img, el("p"));
  v.dataset.name = name || "";
  photoText();
  v.hidden = false;
  close.focus();
}
// photoText writes the photo viewer's words in the current language.
function photoText() {
  const v = document.getElementById("photo-view");
  const close = v.querySelector("button.close");
  if (!close) return;
  const name = v.dataset.name || L("照片", "Photo");
  close.textContent = L("关闭 ✕", "Close ✕");
  v.querySelector("img").alt = name;
  v.querySelector("p").textContent = name;
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
  detailData = { missing: id };
  const d = document.getElementById("detail");
  d.replaceChildren(el("p", L("未找到案件 " + id + "：编号不存在，或不在您的办理范围内。",
    "Case " + id + " not found: the number does not exist, or the case is outside your scope."), "error"));
  d.hidden = false;
  d.dataset.caseId = "";
  d.dataset.notFound = id;
  d.dataset.state = "";
  setStatus(() => L("未找到案件 " + id, "Case " + id + " not found"));
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
  s.append(new Option(L("（请选择单位）", "(choose a unit)"), ""));
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
  case "dispatch": return [unitSelect("unit", L("派往单位", "Dispatch to unit"), all)];
  case "reassign": return [unitSelect("unit", L("改派至单位", "Reassign to unit"), all.filter((u) => u !== c.unit))];
  case "return": case "void": case "suspend": case "request_extension": case "refuse_extension":
    return [textArea("reason", L("理由", "Reason"))];
  case "resolve": return [textArea("reply", L("答复（给反映人的正式答复）", "Reply (the formal answer to the reporter)"))];
  case "verify": {
    const l = el("label", L("回访结果", "Follow-up result"));
    const s = el("select");
    s.name = "satisfaction";
    s.append(new Option(L("（请选择）", "(choose)"), ""));
    for (const v of Object.keys(SATISFACTION)) s.append(new Option(tr(SATISFACTION, v), v));
    l.append(s);
    return [l];
  }
  case "approve_extension": return [dateInput("resolve", L("新的办结时限", "New resolution deadline"))];
  case "summon": {
    const box = el("fieldset", undefined, "units");
    box.append(el("legend", L("召集单位", "Units to summon")));
    for (const u of all) {
      const l = el("label");
      const cb = el("input");
      cb.type = "checkbox";
      cb.name = "units";
      cb.value = u;
      l.append(cb, el("span", unitName(u)));
      box.append(l);
    }
    return [box, dateInput("due", L("报到时限", "Report-in deadline"))];
  }
  case "report": return [unitSelect("unit", L("报到单位", "Reporting unit"), pendingSummons(c).map((s) => s.unit))];
  case "merge": {
    const l = el("label", L("并入案件编号", "Merge into case number"));
    const i = el("input");
    i.name = "parent_id";
    i.maxLength = 100;
    l.append(i);
    return [l];
  }
  case "note": return [textArea("note", L("备注", "Note"))];
  case "recategorise": {
    const l = el("label", L("改为类别", "New category"));
    const sel = el("select");
    sel.name = "category";
    sel.append(new Option(L("（请选择类别）", "(choose a category)"), ""));
    const indent = L("\u3000", "\u00a0\u00a0\u00a0");
    for (const x of categories) {
      if (x.code === c.category) continue;
      sel.append(new Option(indent.repeat(Math.max(0, x.level - 1)) + x.code + " " + x.name, x.code));
    }
    l.append(sel);
    return [el("span", L("现类别：", "Current category: ") + categoryText(c.category), "muted"), l];
  }
  }
  return [];
}

// openForm opens the form of action a under the action buttons; quiet
// leaves the focus where it is (a redraw after a language switch).
function openForm(a, button, quiet) {
  const old = document.getElementById("action-form");
  if (old) old.remove();
  for (const b of document.querySelectorAll("#detail .actions button")) b.classList.toggle("active", b === button);
  document.getElementById("action-ok").hidden = true;
  okText = null;
  formErr = null;
  const f = el("form");
  f.id = "action-form";
  f.noValidate = true;
  f.dataset.action = a;
  f.append(el("strong", tr(ACTIONS, a)), ...formFields(a, current));
  const err = el("p", undefined, "error");
  err.id = "action-error";
  err.setAttribute("role", "alert");
  err.hidden = true;
  const row = el("div", undefined, "row");
  const ok = el("button", L("确认" + tr(ACTIONS, a), "Confirm: " + tr(ACTIONS, a)));
  ok.type = "submit";
  const cancel = el("button", L("取消", "Cancel"));
  cancel.type = "button";
  cancel.addEventListener("click", () => { f.remove(); button.classList.remove("active"); formErr = null; });
  row.append(ok, cancel);
  f.append(err, row);
  f.addEventListener("submit", (ev) => { ev.preventDefault(); submitAction(f, a, ok); });
  f.addEventListener("input", (ev) => ev.target.removeAttribute("aria-invalid"));
  button.parentElement.after(f);
  const first = f.querySelector("textarea, select, input");
  if (first && !quiet) first.focus();
  return f;
}

// formError shows why the form cannot go (message: a function giving the
// text in the current language) and marks the field it is about.
function formError(f, message, fieldName) {
  formErr = { message, field: fieldName };
  const p = document.getElementById("action-error");
  p.textContent = message();
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
  case "dispatch": case "reassign": return !p.unit && ["payload.unit", "请选择单位", "Choose a unit"];
  case "report": return !p.unit && ["payload.unit", "请选择报到单位", "Choose the unit reporting in"];
  case "return": case "void": case "suspend": case "request_extension": case "refuse_extension":
    return !p.reason && ["payload.reason", "请填写理由", "Give the reason"];
  case "resolve": return !p.reply && ["payload.reply", "请填写给反映人的答复", "Write the reply to the reporter"];
  case "verify": return !p.satisfaction && ["payload.satisfaction", "请选择回访结果", "Choose the follow-up result"];
  case "approve_extension": return !p.deadlines && ["payload.deadlines.resolve", "请填写新的办结时限", "Give the new resolution deadline"];
  case "summon":
    if (!p.units.length) return ["payload.units", "请至少选择一个召集单位", "Choose at least one unit to summon"];
    return !p.due && ["payload.due", "请填写报到时限", "Give the report-in deadline"];
  case "merge": return !p.parent_id && ["payload.parent_id", "请填写并入的案件编号", "Give the number of the case to merge into"];
  case "note": return !cmd.note && ["note", "请填写备注", "Write the note"];
  case "recategorise": return !p.category && ["payload.category", "请选择新的类别", "Choose the new category"];
  }
  return false;
}

async function submitAction(f, a, button) {
  if (busy) return;
  const cmd = buildCommand(f, a);
  const missing = missingField(f, a, cmd);
  if (missing) return formError(f, () => L(missing[1], missing[2]), missing[0]);
  busy = true;
  button.disabled = true;
  const id = current.id;
  try {
    const r = await api("POST", "/api/v1/cases/" + encodeURIComponent(id) + "/transitions", cmd);
    await show(id);
    const now = r.case;
    const recat = a === "recategorise";
    const routed = recat && now.state === "dispatched";
    okText = () => L("已" + tr(ACTIONS, a) + "，案件现为「" + tr(STATES, now.state) + "」" +
      (recat ? "，类别 " + categoryText(now.category) + (routed ? "，已按规则派单至 " + unitName(now.unit) : "") : ""),
    "Done: " + tr(ACTIONS, a) + ". The case is now “" + tr(STATES, now.state) + "”" +
      (recat ? ", category " + categoryText(now.category) + (routed ? ", dispatched by the rules to " + unitName(now.unit) : "") : "") + ".");
    const ok = document.getElementById("action-ok");
    ok.textContent = okText();
    ok.hidden = false;
    refresh();
  } catch (e) {
    const stale = e.status === 409 && e.field === "If-Match";
    formError(f, () => stale ? L("案件已被他人修改，请刷新后重试：", "Someone else changed the case; refresh and try again: ") + e.message
      : L("办理失败：", "The action failed: ") + e.message, e.field);
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
    setStatus(() => L("类别目录加载失败：", "Could not load the categories: ") + e.message);
  }
}

async function loadUnits() {
  try {
    const u = await api("GET", "/api/v1/dispatch/units");
    units = u.units;
    for (const x of units) unitNames[x.code] = x.name;
  } catch (e) {
    setStatus(() => L("单位名录加载失败：", "Could not load the units: ") + e.message);
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

// --- the language switch (console.js): write again what this script
// wrote, from the data already loaded ---

function pageTitle() { document.title = L("一网 Yiwang · 工作台", "Yiwang · Workbench"); }

// redrawDetail draws the detail again, with the open form (its values
// and its error) as it was.
function redrawDetail() {
  if (!detailData) return;
  if (detailData.missing) return notFound(detailData.missing);
  const f = document.getElementById("action-form");
  const err = formErr;
  let saved = null;
  if (f) {
    saved = { action: f.dataset.action, values: {}, checked: new Set() };
    for (const e of f.elements) {
      if (!e.name) continue;
      if (e.type === "checkbox") { if (e.checked) saved.checked.add(e.value); } else saved.values[e.name] = e.value;
    }
  }
  renderDetail();
  if (!saved) return;
  const b = [...document.querySelectorAll("#detail .actions button")].find((x) => x.dataset.action === saved.action);
  if (!b) return;
  const nf = openForm(saved.action, b, true);
  for (const e of nf.elements) {
    if (!e.name) continue;
    if (e.type === "checkbox") e.checked = saved.checked.has(e.value);
    else if (e.name in saved.values) e.value = saved.values[e.name];
  }
  if (err) {
    formErr = err;
    const p = document.getElementById("action-error");
    p.textContent = err.message();
    p.hidden = false;
    const name = FIELDS[err.field] || err.field;
    const input = name && nf.elements.namedItem(name);
    if (input && input.setAttribute) input.setAttribute("aria-invalid", "true");
  }
}

document.addEventListener("yiwang:lang", () => {
  pageTitle();
  for (const [id, l] of Object.entries(lists)) renderList(id, l);
  const inbox = document.getElementById("q-handler");
  if (!lists["q-handler"] && inbox.children.length) fill("q-handler", [], noUnit);
  document.getElementById("status").textContent = statusFn();
  redrawDetail();
  photoText();
});
pageTitle();

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
