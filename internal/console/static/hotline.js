"use strict";
// 12345 坐席受理: the form an agent fills while on a call. As soon as the
// caller's number or the place is known it shows the caller's earlier cases
// and the open cases near the place, so a repeated call can be recorded on
// the case it is about (并入此案件) instead of starting a new one.
// It talks only to the public API; all text from the API is put into the
// page with textContent, never as HTML.
const STATES = { received: "受理", dispatched: "派单", accepted: "签收", in_progress: "办理", resolved: "办结",
  verified: "回访", closed: "结案", returned: "退单", suspended: "挂起", merged: "合并", voided: "作废" };
const CLOCKS = { dispatch: "派单时限", sign_off: "签收时限", on_site: "到场时限", resolve: "办结时限", reply: "答复时限" };
const SEVERITY = { normal: "一般", urgent: "紧急", critical: "特急" };
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
    const err = new Error((data && (data.detail || data.title)) || ("请求失败（HTTP " + r.status + "）"));
    err.field = data && data.field;
    throw err;
  }
  return [data, r.status];
}

function showError(message, fieldName) {
  const p = document.getElementById("form-error");
  p.textContent = message;
  p.hidden = false;
  const name = FIELDS[fieldName] || fieldName;
  if (name && field(name)) {
    field(name).setAttribute("aria-invalid", "true");
    field(name).focus();
  }
}
function clearError() {
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
  const opts = [new Option(match.length ? "（请选择类别）" : "（无匹配类别）", "")];
  for (const c of match) opts.push(new Option(c.code + " " + c.path, c.code)); // Option sets text, not HTML
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
function setContextStatus(text) { document.getElementById("context-status").textContent = text; }

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
    setContextStatus("输入来电号码或地点后，这里显示来电人的历史案件和附近未办结的案件。");
    return;
  }
  setContextStatus("查询中…");
  try {
    const [d] = await api("GET", "/api/v1/hotline/context?" + p);
    if (seq !== contextSeq) return; // a newer query is on its way
    renderContext(d, true);
  } catch (e) {
    if (seq === contextSeq) setContextStatus("查询失败：" + e.message);
  }
}

function renderContext(d, searched) {
  const mine = document.getElementById("phone-cases");
  const near = document.getElementById("nearby-cases");
  mine.replaceChildren(...d.phone_cases.map((c) => caseItem(c, "")));
  near.replaceChildren(...d.nearby.map((n) => caseItem(n.case, nearReason(n))));
  if (!searched) return;
  if (!mine.children.length) mine.append(el("li", phoneValue() ? "该号码近一年无来电案件" : "未输入有效号码", "muted empty"));
  if (!near.children.length) near.append(el("li", "附近无未办结案件", "muted empty"));
  let status = "来电人历史案件 " + d.phone_cases.length + " 件，附近未办结 " + d.nearby.length + " 件";
  if (d.truncated) status += "（检索已达上限，可能不全）";
  setContextStatus(status);
}

function nearReason(n) {
  const why = [];
  if (n.distance_m !== undefined && n.distance_m !== null) why.push("相距 " + Math.round(n.distance_m) + " 米");
  if (n.same_grid) why.push("同一网格");
  if (n.same_address) why.push("同一地址");
  return why.join("，");
}

function caseItem(c, reason) {
  const li = el("li", undefined, "case");
  li.dataset.caseId = c.id;
  const head = el("div", undefined, "case-head");
  head.append(el("span", c.id, "case-id"), el("span", STATES[c.state] || c.state, "state"));
  const loc = c.location || {};
  const meta = [fmt(c.created_at), categoryNames[c.category] || c.category, "承办：" + unitName(c.unit), loc.address]
    .filter(Boolean).join(" · ");
  li.append(head, el("div", c.title, "case-title"), el("div", meta, "muted"));
  if (reason) li.append(el("div", reason, "muted reason"));
  const b = el("button", "并入此案件", "merge");
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
function setSuggestStatus(text) { document.getElementById("suggest-status").textContent = text; }
function clearSuggestions() {
  suggestSeq++;
  clearTimeout(suggestTimer);
  document.getElementById("suggest").hidden = true;
  document.getElementById("suggest-categories").replaceChildren();
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
  setSuggestStatus("分析中…");
  try {
    const [d] = await api("POST", "/api/v1/suggest", req);
    if (seq !== suggestSeq) return; // a newer text is on its way
    renderSuggestions(d);
  } catch (e) {
    if (seq === suggestSeq) setSuggestStatus("分类建议暂不可用：" + e.message);
  }
}

function renderSuggestions(d) {
  const list = document.getElementById("suggest-categories");
  list.replaceChildren(...d.categories.slice(0, 3).map(suggestionItem));
  const dups = document.getElementById("suggest-duplicates");
  dups.replaceChildren(...d.duplicates.map((c) => caseItem(c, "相似度 " + Math.round(c.score * 100) + "%，如为同一诉求请并入")));
  if (!dups.children.length) dups.append(el("li", "未发现疑似重复的未办结案件", "muted empty"));
  if (!d.classifier_ready) setSuggestStatus("分类模型训练中，暂无分类建议");
  else if (!d.categories.length) setSuggestStatus("无分类建议");
  else setSuggestStatus("点击建议的类别即选用；置信度为模型估计的概率。");
  markPicked();
}

function suggestionItem(s, i) {
  const li = el("li");
  const b = el("button", undefined, "pick");
  b.type = "button";
  b.dataset.category = s.category;
  b.setAttribute("aria-pressed", "false");
  b.append(el("span", (i + 1) + ". " + s.category + " " + (s.path || s.name || categoryNames[s.category] || ""), "name"),
    el("span", "置信度 " + Math.round(s.confidence * 100) + "%", "confidence"));
  if (s.terms && s.terms.length) b.append(el("span", "依据：" + s.terms.join("、"), "terms"));
  b.addEventListener("click", () => pickCategory(s.category));
  li.append(b);
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
  if (!phone) return showError("请先输入有效的来电号码（5 至 20 位数字）", "phone");
  if (!note) return showError("请先填写标题或诉求内容，作为本次来电记录", "description");
  busy = true;
  button.disabled = true;
  try {
    const body = { caller: { phone, name: field("name").value.trim() }, note }; // the server records the signed-in agent
    const [r] = await api("POST", "/api/v1/cases/" + encodeURIComponent(c.id) + "/calls", body, formKey);
    showResult("merged", r.case, "来电已并入案件", r.event.note);
    scheduleContext();
  } catch (e) {
    showError("并入失败：" + e.message, e.field);
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
  if (!phoneValue()) return showError("请输入有效的来电号码（5 至 20 位数字）", "phone");
  if (!title) return showError("请填写标题", "title");
  if (!category) return showError("请选择类别", "category");
  const pt = point();
  if (pt === undefined) return showError("纬度和经度须同时填写，且为有效数字", "lat");
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
  submitButton.textContent = "提交中…";
  try {
    const [c, status] = await api("POST", "/api/v1/hotline/cases", body, formKey);
    showResult(status === 201 ? "created" : "repeat", c, status === 201 ? "已受理，新案件" : "该来电已受理（重复提交未新建案件）");
    scheduleContext(); // the new case now shows among the caller's
  } catch (e) {
    showError("受理失败：" + e.message, e.field);
  } finally {
    busy = false;
    submitButton.disabled = false;
    submitButton.textContent = "受理并派单";
  }
}

function showResult(outcome, c, heading, note) {
  const r = document.getElementById("result");
  r.replaceChildren();
  r.hidden = false;
  r.dataset.outcome = outcome;
  r.dataset.caseId = c.id;
  r.append(el("h2", heading));
  const dl = el("dl");
  const id = el("dd", c.id, "case-id");
  id.id = "result-case-id";
  dl.append(el("dt", "案件编号"), id);
  for (const [k, v] of [["状态", STATES[c.state] || c.state], ["承办单位", unitName(c.unit)],
    ["类别", categoryNames[c.category] || c.category], ["紧急程度", SEVERITY[c.severity] || c.severity]]) {
    dl.append(el("dt", k), el("dd", v));
  }
  r.append(dl);
  if (note) r.append(el("h3", "来电记录"), el("pre", note));
  const left = {};
  for (const k of c.clocks || []) left[k.clock] = k;
  const ul = el("ul", undefined, "clocks");
  for (const name of Object.keys(CLOCKS)) {
    const due = (c.deadlines || {})[name];
    if (!due) continue;
    const k = left[name];
    let text = CLOCKS[name] + "：" + fmt(due);
    if (k) text += "（" + (k.left_seconds < 0 ? "已超时 " : "剩余 ") + k.left + (k.paused ? "，已暂停" : "") + "）";
    ul.append(el("li", text, k ? "clock-" + k.colour : ""));
  }
  if (ul.children.length) r.append(el("h3", "时限"), ul);
  else r.append(el("p", "暂无时限", "muted"));
}

function newCall() {
  form.reset();
  clearError();
  formKey = newKey();
  renderCategories("");
  document.getElementById("result").hidden = true;
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
Promise.all([loadUnits(), loadCategories()]).then(() => { document.body.dataset.ready = "true"; })
  .catch((e) => showError("加载类别失败：" + e.message));
