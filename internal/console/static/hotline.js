"use strict";
// 12345 坐席受理: the form an agent fills while on a call. As soon as the
// caller's number or the place is known it shows the caller's earlier cases
// and the open cases near the place, so a repeated call can be recorded on
// the case it is about (并入此案件) instead of starting a new one.
// It talks only to the public API; all text from the API is put into the
// page with textContent, never as HTML.
// Chinese first, English after the header's switch (console.js): the text
// this script writes comes from L(zh, en), and everything it drew is drawn
// again on the "yiwang:lang" event. Text from the API (titles, names,
// categories, notes) stays as written; it goes in elements of class "data".
const L = Yiwang.L;
const STATES = { received: ["受理", "Received"], dispatched: ["派单", "Dispatched"], accepted: ["签收", "Accepted"],
  in_progress: ["办理", "In progress"], resolved: ["办结", "Resolved"], verified: ["回访", "Verified"], closed: ["结案", "Closed"],
  returned: ["退单", "Returned"], suspended: ["挂起", "Suspended"], merged: ["合并", "Merged"], voided: ["作废", "Voided"] };
const CLOCKS = { dispatch: ["派单时限", "Dispatch by"], sign_off: ["签收时限", "Accept by"], on_site: ["到场时限", "On site by"],
  resolve: ["办结时限", "Resolve by"], reply: ["答复时限", "Reply by"] };
const SEVERITY = { normal: ["一般", "Normal"], urgent: ["紧急", "Urgent"], critical: ["特急", "Critical"] };
// Unit types of the unit router (nlp/unit), with their English names.
const UNIT_TYPES = { 公安: "Police", 消防应急: "Fire and emergency", 城管: "Urban management", 环保: "Ecology and environment",
  教育: "Education", 人社: "Human resources and social security", 医保: "Medical insurance", 卫健: "Health",
  市场监管: "Market regulation", 住建: "Housing and construction", 自然资源: "Natural resources and planning",
  交通: "Transport", 公积金: "Housing provident fund", 水利水务: "Water", 电力燃气: "Power and gas", 民政: "Civil affairs",
  农业农村: "Agriculture and rural affairs", 税务财政: "Tax and finance", 商务文旅: "Commerce, culture and tourism",
  发改: "Development and reform", 街道乡镇: "Street office or township", 区县政府: "District or county government" };
// named gives the current language's name of a code in one of the tables
// above, or the code itself.
function named(table, code) { return table[code] ? L(...table[code]) : code; }
const FIELDS = { "reporter.phone": "phone", "caller.phone": "phone", "reporter.name": "name", "caller.name": "name",
  title: "title", description: "description", note: "description", category: "category", severity: "severity",
  location: "address", "location.address": "address", "location.lat": "lat", "location.lon": "lon", actor: "actor" };

const form = document.getElementById("call-form");
const submitButton = document.getElementById("submit");
let formKey = newKey(); // one Idempotency-Key per call: a double submit never makes two cases
let busy = false;
let categories = [];
let categoryNames = {};
let unitNames = {};
let contextSeq = 0;
let contextTimer = 0;
// What the page shows, kept to draw it again in the other language.
let errorText = null; // () => string, or null
let contextStatus = () => "";
let lastContext = null; // [d, searched]
let suggestStatus = () => "";
let lastSuggestions = null;
let lastResult = null; // the arguments of showResult

function newKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b); // randomUUID needs a secure context; this does not
  return "hotline-" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}
function fmt(t) { return t ? new Date(t).toLocaleString("zh-CN", { hour12: false }) : ""; }
function unitName(code) { return code ? (unitNames[code] || code) : "—"; }
function categoryName(code) { return categoryNames[code] || code; }
// colon and paren are the separators of the current language.
function colon() { return L("：", ": "); }
function paren(s) { return L("（" + s + "）", " (" + s + ")"); }
function field(name) { return form.elements[name]; }

// api sends a request and returns [body, status]; a failed request throws
// an Error carrying the problem's detail and field.
async function api(method, url, body, key) {
  const headers = { Accept: "application/json" };
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (key) headers["Idempotency-Key"] = key;
  const r = await fetch(url, init);
  let data = null;
  try { data = await r.json(); } catch (e) { data = null; }
  if (!r.ok) {
    const said = data && (data.detail || data.title);
    const err = new Error(said || ("HTTP " + r.status));
    err.text = () => said || L("请求失败（HTTP " + r.status + "）", "Request failed (HTTP " + r.status + ")");
    err.field = data && data.field;
    throw err;
  }
  return [data, r.status];
}

// failed is what an error says, in the current language.
function failed(e) { return e.text ? e.text() : e.message; }

// showError shows text (a function giving it in the current language) and
// marks the field it is about.
function showError(text, fieldName) {
  errorText = text;
  const p = document.getElementById("form-error");
  p.textContent = text();
  p.hidden = false;
  const name = FIELDS[fieldName] || fieldName;
  if (name && field(name)) {
    field(name).setAttribute("aria-invalid", "true");
    field(name).focus();
  }
}
function clearError() {
  errorText = null;
  document.getElementById("form-error").hidden = true;
  for (const e of form.querySelectorAll("[aria-invalid]")) e.removeAttribute("aria-invalid");
}

// --- categories: a select filtered by what the agent types ---

async function loadCategories() {
  const [d] = await api("GET", "/api/v1/categories");
  categories = d.categories;
  for (const c of categories) categoryNames[c.code] = c.path;
  renderCategories("");
}
function renderCategories(query) {
  const sel = field("category");
  const keep = sel.value;
  const q = query.trim().toLowerCase();
  const match = categories.filter((c) => !q || c.code.startsWith(q) || c.path.toLowerCase().includes(q));
  const opts = [new Option(match.length ? L("（请选择类别）", "(choose a category)") : L("（无匹配类别）", "(no category matches)"), "")];
  for (const c of match) {
    const o = new Option(c.code + " " + c.path, c.code); // Option sets text, not HTML
    o.className = "data";
    opts.push(o);
  }
  sel.replaceChildren(...opts);
  if (match.some((c) => c.code === keep)) sel.value = keep;
  else if (q && match.length) sel.value = match[0].code;
}

// --- context: the caller's earlier cases and open cases nearby ---

function phoneValue() {
  const t = field("phone").value.replace(/[\s-]/g, "");
  return /^\+?\d{5,20}$/.test(t) ? t : "";
}
// point returns {lat, lon} when both are valid numbers, null when both are
// empty, and undefined when they are incomplete or out of range.
function point() {
  const la = field("lat").value.trim(), lo = field("lon").value.trim();
  if (!la && !lo) return null;
  const lat = Number(la), lon = Number(lo);
  if (!la || !lo || !Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return undefined;
  return { lat, lon };
}
function scheduleContext() {
  clearTimeout(contextTimer);
  contextTimer = setTimeout(loadContext, 300);
}
function setContextStatus(text) {
  contextStatus = text;
  document.getElementById("context-status").textContent = text();
}
const contextIdle = () => L("输入来电号码或地点后，这里显示来电人的历史案件和附近未办结的案件。",
  "Once the caller's number or the place is entered, the caller's earlier cases and the open cases nearby show here.");

async function loadContext() {
  const p = new URLSearchParams();
  const phone = phoneValue();
  if (phone) p.set("phone", phone);
  const pt = point();
  if (pt) { p.set("lat", String(pt.lat)); p.set("lon", String(pt.lon)); }
  const address = field("address").value.trim();
  if (address) p.set("address", address);
  const seq = ++contextSeq;
  if (!phone && !pt && !address) {
    renderContext({ phone_cases: [], nearby: [] }, false);
    setContextStatus(contextIdle);
    return;
  }
  setContextStatus(() => L("查询中…", "Searching…"));
  try {
    const [d] = await api("GET", "/api/v1/hotline/context?" + p);
    if (seq !== contextSeq) return; // a newer query is on its way
    renderContext(d, true);
  } catch (e) {
    if (seq === contextSeq) setContextStatus(() => L("查询失败：", "Search failed: ") + failed(e));
  }
}

function renderContext(d, searched) {
  lastContext = [d, searched];
  const mine = document.getElementById("phone-cases");
  const near = document.getElementById("nearby-cases");
  mine.replaceChildren(...d.phone_cases.map((c) => caseItem(c, "")));
  near.replaceChildren(...d.nearby.map((n) => caseItem(n.case, nearReason(n))));
  if (!searched) return;
  if (!mine.children.length) {
    mine.append(el("li", phoneValue() ? L("该号码近一年无来电案件", "No cases from this number in the past year") :
      L("未输入有效号码", "No valid number entered"), "muted empty"));
  }
  if (!near.children.length) near.append(el("li", L("附近无未办结案件", "No open cases nearby"), "muted empty"));
  const mineN = d.phone_cases.length, nearN = d.nearby.length;
  setContextStatus(() => L("来电人历史案件 " + mineN + " 件，附近未办结 " + nearN + " 件", "Caller's earlier cases: " + mineN +
    "; open cases nearby: " + nearN) + (d.truncated ? L("（检索已达上限，可能不全）", " (search limit reached; the lists may be incomplete)") : ""));
}

function nearReason(n) {
  const why = [];
  if (n.distance_m !== undefined && n.distance_m !== null) {
    const m = Math.round(n.distance_m);
    why.push(L("相距 " + m + " 米", m + " m away"));
  }
  if (n.same_grid) why.push(L("同一网格", "same grid"));
  if (n.same_address) why.push(L("同一地址", "same address"));
  return why.join(L("，", ", "));
}

function caseItem(c, reason) {
  const li = el("li", undefined, "case");
  li.dataset.caseId = c.id;
  const head = el("div", undefined, "case-head");
  head.append(el("span", c.id, "case-id"), el("span", named(STATES, c.state), "state"));
  const loc = c.location || {};
  // created · category · handled by: unit · address
  const meta = el("div", undefined, "muted");
  const parts = [];
  if (c.created_at) parts.push([el("span", fmt(c.created_at))]);
  if (c.category) parts.push([el("span", categoryName(c.category), "data")]);
  parts.push([L("承办：", "Handled by: "), el("span", unitName(c.unit), "data")]);
  if (loc.address) parts.push([el("span", loc.address, "data")]);
  parts.forEach((p, i) => { if (i) meta.append(" · "); meta.append(...p); });
  li.append(head, el("div", c.title, "case-title data"), meta);
  if (reason) li.append(el("div", reason, "muted reason"));
  const b = el("button", L("并入此案件", "Record the call on this case"), "merge");
  b.type = "button";
  b.addEventListener("click", () => attachCall(c, b));
  li.append(b);
  return li;
}

// --- suggestions: likely categories and duplicate open cases as the agent types ---
// POST /api/v1/suggest, debounced; a newer request supersedes an older one.
// A category is picked by clicking it; a duplicate is a case to record the
// call on (并入此案件) instead of a new case.

let suggestSeq = 0;
let suggestTimer = 0;
const SUGGEST_MIN_CHARS = 4;

function scheduleSuggest() {
  clearTimeout(suggestTimer);
  suggestTimer = setTimeout(loadSuggestions, 400);
}
function setSuggestStatus(text) {
  suggestStatus = text;
  document.getElementById("suggest-status").textContent = text();
}
function clearSuggestions() {
  suggestSeq++;
  lastSuggestions = null;
  clearTimeout(suggestTimer);
  document.getElementById("suggest").hidden = true;
  document.getElementById("suggest-categories").replaceChildren();
  document.getElementById("suggest-units").replaceChildren();
  document.getElementById("suggest-duplicates").replaceChildren();
}

async function loadSuggestions() {
  const title = field("title").value.trim(), body = field("description").value.trim();
  if ((title + body).length < SUGGEST_MIN_CHARS) return clearSuggestions();
  const req = { title, body };
  const pt = point();
  if (pt) { req.lat = pt.lat; req.lon = pt.lon; }
  const seq = ++suggestSeq;
  document.getElementById("suggest").hidden = false;
  setSuggestStatus(() => L("分析中…", "Analysing…"));
  try {
    const [d] = await api("POST", "/api/v1/suggest", req);
    if (seq !== suggestSeq) return; // a newer text is on its way
    renderSuggestions(d);
  } catch (e) {
    if (seq === suggestSeq) setSuggestStatus(() => L("分类建议暂不可用：", "Suggestions are unavailable: ") + failed(e));
  }
}

function renderSuggestions(d) {
  lastSuggestions = d;
  const list = document.getElementById("suggest-categories");
  list.replaceChildren(...d.categories.slice(0, 3).map(suggestionItem));
  const units = document.getElementById("suggest-units");
  units.replaceChildren(...(d.units || []).slice(0, 3).map(unitItem));
  if (!units.children.length) {
    units.append(el("li", d.unit_router_ready ? L("无承办单位建议", "No suggested unit")
      : L("承办单位模型训练中，暂无建议", "The unit router is still training; no units yet"), "muted empty"));
  }
  const dups = document.getElementById("suggest-duplicates");
  dups.replaceChildren(...d.duplicates.map((c) => {
    const pct = Math.round(c.score * 100) + "%";
    return caseItem(c, L("相似度 " + pct + "，如为同一诉求请并入", "Similarity " + pct + "; if it is the same request, record the call on it"));
  }));
  if (!dups.children.length) dups.append(el("li", L("未发现疑似重复的未办结案件", "No open case looks like the same request"), "muted empty"));
  if (!d.classifier_ready) setSuggestStatus(() => L("分类模型训练中，暂无分类建议", "The category model is still training; no suggestions yet"));
  else if (!d.categories.length) setSuggestStatus(() => L("无分类建议", "No suggested category"));
  else setSuggestStatus(() => L("点击建议的类别即选用；置信度为模型估计的概率。", "Click a suggested category to use it; the confidence is the model's estimated probability."));
  markPicked();
}

function suggestionItem(s, i) {
  const li = el("li");
  const b = el("button", undefined, "pick");
  b.type = "button";
  b.dataset.category = s.category;
  b.setAttribute("aria-pressed", "false");
  const name = el("span", (i + 1) + ". " + s.category + " ", "name");
  name.append(el("span", s.path || s.name || categoryNames[s.category] || "", "data"));
  b.append(name, el("span", L("置信度 ", "Confidence ") + Math.round(s.confidence * 100) + "%", "confidence"));
  if (s.terms && s.terms.length) {
    const terms = el("span", L("依据：", "Because of: "), "terms");
    terms.append(el("span", s.terms.join(L("、", ", ")), "data"));
    b.append(terms);
  }
  b.addEventListener("click", () => pickCategory(s.category));
  li.append(b);
  return li;
}

// unitItem shows a suggested type of handling unit: its name, confidence,
// the words behind it and, when the place is known, the unit of that type
// there (information for the agent; dispatch follows the responsibility
// list).
function unitItem(u, i) {
  const li = el("li", undefined, "unit");
  li.dataset.unitType = u.type;
  const name = el("span", (i + 1) + ". ", "name");
  name.append(el("span", L(u.type, UNIT_TYPES[u.type] || u.type), "type"));
  li.append(name, el("span", " " + L("置信度 ", "Confidence ") + Math.round(u.confidence * 100) + "%", "confidence"));
  if (u.unit_name) {
    const unit = el("span", L("本地单位：", "Unit here: "), "local-unit");
    unit.dataset.unit = u.unit;
    unit.append(el("span", u.unit_name, "data"));
    li.append(unit);
  }
  if (u.terms && u.terms.length) {
    const terms = el("span", L("依据：", "Because of: "), "terms");
    terms.append(el("span", u.terms.join(L("、", ", ")), "data"));
    li.append(terms);
  }
  return li;
}

function pickCategory(code) {
  const sel = field("category");
  if (![...sel.options].some((o) => o.value === code)) {
    field("category_filter").value = "";
    renderCategories("");
  }
  sel.value = code;
  sel.removeAttribute("aria-invalid");
  markPicked();
}
function markPicked() {
  const code = field("category").value;
  for (const b of document.querySelectorAll("#suggest-categories button.pick")) {
    b.setAttribute("aria-pressed", String(b.dataset.category === code));
  }
}

for (const name of ["title", "description"]) field(name).addEventListener("input", scheduleSuggest);
field("category").addEventListener("change", markPicked);
document.getElementById("new-call").addEventListener("click", clearSuggestions);

// --- recording the call on an existing case ---

async function attachCall(c, button) {
  if (busy) return;
  clearError();
  const phone = phoneValue();
  const note = [field("title").value.trim(), field("description").value.trim()].filter(Boolean).join("\n");
  if (!phone) return showError(() => L("请先输入有效的来电号码（5 至 20 位数字）", "Enter the caller's phone number first (5 to 20 digits)"), "phone");
  if (!note) return showError(() => L("请先填写标题或诉求内容，作为本次来电记录", "Fill in the title or what the caller says first: it is the record of this call"), "description");
  busy = true;
  button.disabled = true;
  try {
    const body = { caller: { phone, name: field("name").value.trim() }, note }; // the server records the signed-in agent
    const [r] = await api("POST", "/api/v1/cases/" + encodeURIComponent(c.id) + "/calls", body, formKey);
    showResult("merged", r.case, () => L("来电已并入案件", "Call recorded on the case"), r.event.note);
    scheduleContext();
  } catch (e) {
    showError(() => L("并入失败：", "Could not record the call on the case: ") + failed(e), e.field);
  } finally {
    busy = false;
    button.disabled = false;
  }
}

// --- creating a new case ---

function buildCase() {
  const phone = field("phone").value.trim();
  const title = field("title").value.trim();
  const category = field("category").value;
  if (!phoneValue()) return showError(() => L("请输入有效的来电号码（5 至 20 位数字）", "Enter a valid phone number for the caller (5 to 20 digits)"), "phone");
  if (!title) return showError(() => L("请填写标题", "Fill in the title"), "title");
  if (!category) return showError(() => L("请选择类别", "Choose a category"), "category");
  const pt = point();
  if (pt === undefined) return showError(() => L("纬度和经度须同时填写，且为有效数字", "Latitude and longitude go together, as valid numbers"), "lat");
  const location = {};
  const address = field("address").value.trim();
  if (address) location.address = address;
  if (pt) { location.lat = pt.lat; location.lon = pt.lon; }
  return {
    title, description: field("description").value.trim(), category, severity: field("severity").value,
    location, reporter: { phone, name: field("name").value.trim() },
  };
}

async function submitCase(ev) {
  ev.preventDefault();
  if (busy) return;
  clearError();
  const body = buildCase();
  if (!body) return;
  busy = true;
  submitButton.disabled = true;
  submitButton.textContent = L("提交中…", "Submitting…");
  try {
    const [c, status] = await api("POST", "/api/v1/hotline/cases", body, formKey);
    showResult(status === 201 ? "created" : "repeat", c, status === 201 ? () => L("已受理，新案件", "Call accepted: new case") :
      () => L("该来电已受理（重复提交未新建案件）", "This call was already accepted (submitting again made no new case)"));
    scheduleContext(); // the new case now shows among the caller's
  } catch (e) {
    showError(() => L("受理失败：", "Could not accept the call: ") + failed(e), e.field);
  } finally {
    busy = false;
    submitButton.disabled = false;
    submitButton.textContent = L("受理并派单", "Accept and dispatch");
  }
}

// showResult shows the case a call created or was recorded on; heading is
// a function giving the heading in the current language.
function showResult(outcome, c, heading, note) {
  lastResult = [outcome, c, heading, note];
  const r = document.getElementById("result");
  r.replaceChildren();
  r.hidden = false;
  r.dataset.outcome = outcome;
  r.dataset.caseId = c.id;
  r.append(el("h2", heading()));
  const dl = el("dl");
  const id = el("dd", c.id, "case-id");
  id.id = "result-case-id";
  dl.append(el("dt", L("案件编号", "Case number")), id);
  for (const [k, v, cls] of [[L("状态", "State"), named(STATES, c.state)], [L("承办单位", "Handling unit"), unitName(c.unit), "data"],
    [L("类别", "Category"), categoryName(c.category), "data"], [L("紧急程度", "Urgency"), named(SEVERITY, c.severity)]]) {
    dl.append(el("dt", k), el("dd", v, cls));
  }
  r.append(dl);
  if (note) r.append(el("h3", L("来电记录", "Call record")), el("pre", note, "data"));
  const left = {};
  for (const k of c.clocks || []) left[k.clock] = k;
  const ul = el("ul", undefined, "clocks");
  for (const name of Object.keys(CLOCKS)) {
    const due = (c.deadlines || {})[name];
    if (!due) continue;
    const k = left[name];
    let text = named(CLOCKS, name) + colon() + fmt(due);
    if (k) {
      text += paren((k.left_seconds < 0 ? L("已超时 ", "overdue by ") : L("剩余 ", "left: ")) + k.left.replace(/^-/, "") +
        (k.paused ? L("，已暂停", ", paused") : ""));
    }
    ul.append(el("li", text, k ? "clock-" + k.colour : ""));
  }
  if (ul.children.length) r.append(el("h3", L("时限", "Deadlines")), ul);
  else r.append(el("p", L("暂无时限", "No deadlines yet"), "muted"));
}

function newCall() {
  form.reset();
  clearError();
  formKey = newKey();
  renderCategories("");
  document.getElementById("result").hidden = true;
  lastResult = null;
  loadContext();
  field("phone").focus();
}

async function loadUnits() {
  try {
    const [u] = await api("GET", "/api/v1/dispatch/units");
    for (const x of u.units) unitNames[x.code] = x.name;
  } catch (e) { /* names are a convenience; codes still show */ }
}

form.addEventListener("submit", submitCase);
for (const name of ["phone", "address", "lat", "lon"]) field(name).addEventListener("input", scheduleContext);
field("category_filter").addEventListener("input", (ev) => renderCategories(ev.target.value));
for (const e of form.elements) e.addEventListener("input", () => e.removeAttribute("aria-invalid"));
document.getElementById("new-call").addEventListener("click", newCall);

// After a language switch, draw again what this script wrote.
document.addEventListener("yiwang:lang", () => {
  const statuses = [contextStatus, suggestStatus]; // the redraws below set them again
  if (!busy) submitButton.textContent = L("受理并派单", "Accept and dispatch");
  if (categories.length) renderCategories(field("category_filter").value);
  markPicked();
  if (lastContext) renderContext(...lastContext);
  if (lastSuggestions) renderSuggestions(lastSuggestions);
  setContextStatus(statuses[0]);
  setSuggestStatus(statuses[1]);
  if (lastResult) showResult(...lastResult);
  if (errorText) document.getElementById("form-error").textContent = errorText();
});
setContextStatus(contextIdle);
Promise.all([loadUnits(), loadCategories()]).then(() => { document.body.dataset.ready = "true"; })
  .catch((e) => showError(() => L("加载类别失败：", "Could not load the categories: ") + failed(e)));
