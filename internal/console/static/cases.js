"use strict";
// The console talks only to the public API. All text from the API is put
// into the page with textContent, never as HTML.
// Chinese first, English after the header's switch (console.js): the text
// this script writes comes from L(zh, en), and the list and the open case
// are drawn again on the "yiwang:lang" event. Text from the API (titles,
// unit names, categories, notes) stays as written.
const L = Yiwang.L;
const STATES = { received: ["受理", "Received"], dispatched: ["派单", "Dispatched"], accepted: ["签收", "Accepted"],
  in_progress: ["办理", "In progress"], resolved: ["办结", "Resolved"], verified: ["回访", "Verified"], closed: ["结案", "Closed"],
  returned: ["退单", "Returned"], suspended: ["挂起", "Suspended"], merged: ["合并", "Merged"], voided: ["作废", "Voided"] };
const CHANNELS = { hotline: ["12345热线", "12345 hotline"], web: ["网站", "Website"], app: ["移动端", "Mobile app"],
  open311: ["Open311", "Open311"], grid: ["网格员", "Grid inspector"], enterprise: ["企业", "Enterprise"],
  sensor: ["感知告警", "Sensor alert"], other: ["其他", "Other"] };
const CLOCKS = { dispatch: ["派单时限", "Dispatch by"], sign_off: ["签收时限", "Accept by"], on_site: ["到场时限", "On site by"],
  resolve: ["办结时限", "Resolve by"], reply: ["答复时限", "Reply by"] };
const SEVERITY = { normal: ["一般", "Normal"], urgent: ["紧急", "Urgent"], critical: ["特急", "Critical"] };
// named gives the current language's name of a code in one of the tables
// above, or the code itself.
function named(table, code) { return table[code] ? L(...table[code]) : code; }
let cursor = "";
let shown = []; // the cases listed, to list again in the other language
let opened = null; // [case, history] of the case shown
let unitNames = {};

async function loadUnits() {
  try {
    const u = await getJSON("/api/v1/dispatch/units");
    for (const x of u.units) unitNames[x.code] = x.name;
  } catch (e) { /* names are a convenience; codes still show */ }
}
function unitName(code) { return code ? (unitNames[code] || code) : "—"; }
function worstColour(c) {
  let worst = "";
  for (const k of c.clocks || []) {
    if (k.colour === "red") return "red";
    if (k.colour === "yellow") worst = "yellow";
  }
  return worst;
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}
function fmt(t) { return t ? new Date(t).toLocaleString("zh-CN", { hour12: false }) : ""; }

async function getJSON(url) {
  const r = await fetch(url, { headers: { Accept: "application/json" } });
  if (!r.ok) throw new Error(url + ": " + r.status);
  return r.json();
}

async function load(reset) {
  const f = new FormData(document.getElementById("filters"));
  const p = new URLSearchParams();
  for (const [k, v] of f) if (v) p.set(k, v);
  p.set("limit", "50");
  if (!reset && cursor) p.set("cursor", cursor);
  const page = await getJSON("/api/v1/cases?" + p);
  const rows = document.getElementById("rows");
  if (reset) {
    rows.replaceChildren();
    shown = [];
  }
  for (const c of page.cases) rows.append(row(c));
  shown.push(...page.cases);
  cursor = page.next_cursor || "";
  document.getElementById("more").hidden = !cursor;
}

function row(c) {
  const tr = el("tr");
  tr.dataset.caseId = c.id;
  tr.append(el("td", c.id), el("td", c.title, "data"));
  const st = el("td"); st.append(el("span", named(STATES, c.state), "state")); tr.append(st);
  tr.append(el("td", named(CHANNELS, c.channel)), el("td", unitName(c.unit), "data"), el("td", fmt(c.created_at)));
  const colour = worstColour(c);
  if (colour) tr.classList.add("clock-" + colour);
  tr.addEventListener("click", () => show(c.id));
  return tr;
}

async function show(id) {
  const [c, hist] = await Promise.all([getJSON("/api/v1/cases/" + encodeURIComponent(id)),
    getJSON("/api/v1/cases/" + encodeURIComponent(id) + "/history")]);
  draw(c, hist);
}

// draw shows one case and its history in the detail panel.
function draw(c, hist) {
  opened = [c, hist];
  const d = document.getElementById("detail");
  d.replaceChildren();
  d.hidden = false;
  d.append(el("h2", c.title, "data"), el("p", c.id + " · " + named(STATES, c.state), "muted"));
  const dl = el("dl");
  const loc = c.location || {};
  for (const [k, v, cls] of [[L("类别", "Category"), c.category], [L("渠道", "Channel"), named(CHANNELS, c.channel)],
    [L("紧急程度", "Urgency"), named(SEVERITY, c.severity)], [L("承办单位", "Handling unit"), unitName(c.unit), "data"],
    [L("位置", "Area"), [loc.district, loc.street, loc.community, loc.grid].filter(Boolean).join(" / ") || "—", "data"],
    [L("地址", "Address"), loc.address || "—", "data"], [L("反映人", "Reported by"), (c.reporter || {}).name || "—", "data"],
    [L("反映人电话", "Reporter's phone"), (c.reporter || {}).phone || "—"]]) {
    dl.append(el("dt", k), el("dd", v, cls));
  }
  d.append(dl, el("pre", c.description, "data"));
  if ((c.clocks || []).length) {
    d.append(el("h3", L("时限", "Deadlines")));
    const ul = el("ul", undefined, "clocks");
    for (const k of c.clocks) {
      const left = (k.left_seconds < 0 ? L("已超时 ", "overdue by ") : L("剩余 ", "left: ")) + k.left.replace(/^-/, "") +
        (k.paused ? L("，已暂停", ", paused") : "");
      ul.append(el("li", named(CLOCKS, k.clock) + L("：", ": ") + fmt(k.due) + L("（" + left + "）", " (" + left + ")"), "clock-" + k.colour));
    }
    d.append(ul);
  }
  if (c.reply) d.append(el("h3", L("答复", "Reply")), el("pre", c.reply, "data"));
  d.append(el("h3", L("办理过程", "History")));
  const ol = el("ol");
  for (const e of hist.events || hist) {
    const li = el("li");
    const who = el("div", e.actor, "muted");
    if (e.note) who.append(L("：", ": "), el("span", e.note, "data"));
    li.append(el("div", fmt(e.at) + " · " + e.action + " · " + named(STATES, e.to)), who);
    ol.append(li);
  }
  d.append(ol);
}

// After a language switch, draw the list and the open case again.
document.addEventListener("yiwang:lang", () => {
  document.getElementById("rows").replaceChildren(...shown.map(row));
  if (opened) draw(...opened);
});

// The situation screen's drill-down links here with ?area=CODE (and other
// list filters); carry them into the form.
for (const [k, v] of new URLSearchParams(location.search)) {
  const input = document.getElementById("filters").elements.namedItem(k);
  if (input) input.value = v;
}

document.getElementById("filters").addEventListener("submit", (ev) => { ev.preventDefault(); load(true); });
document.getElementById("more").addEventListener("click", () => load(false));
loadUnits().then(() => load(true)).catch((e) => {
  const td = el("td", L("加载失败：", "Could not load the cases: ") + e.message);
  td.colSpan = 6;
  const tr = el("tr");
  tr.append(td);
  document.getElementById("rows").replaceChildren(tr);
});
