"use strict";
// The console talks only to the public API. All text from the API is put
// into the page with textContent, never as HTML.
const STATES = { received: "受理", dispatched: "派单", accepted: "签收", in_progress: "办理", resolved: "办结",
  verified: "回访", closed: "结案", returned: "退单", suspended: "挂起", merged: "合并", voided: "作废" };
const CHANNELS = { hotline: "12345热线", web: "网站", app: "移动端", open311: "Open311", grid: "网格员",
  enterprise: "企业", sensor: "感知告警", other: "其他" };
const CLOCKS = { dispatch: "派单时限", sign_off: "签收时限", on_site: "到场时限", resolve: "办结时限", reply: "答复时限" };
let cursor = "";
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
  if (reset) rows.replaceChildren();
  for (const c of page.cases) {
    const tr = el("tr");
    tr.append(el("td", c.id), el("td", c.title));
    const st = el("td"); st.append(el("span", STATES[c.state] || c.state, "state")); tr.append(st);
    tr.append(el("td", CHANNELS[c.channel] || c.channel), el("td", unitName(c.unit)), el("td", fmt(c.created_at)));
    const colour = worstColour(c);
    if (colour) tr.classList.add("clock-" + colour);
    tr.addEventListener("click", () => show(c.id));
    rows.append(tr);
  }
  cursor = page.next_cursor || "";
  document.getElementById("more").hidden = !cursor;
}

async function show(id) {
  const [c, hist] = await Promise.all([getJSON("/api/v1/cases/" + encodeURIComponent(id)),
    getJSON("/api/v1/cases/" + encodeURIComponent(id) + "/history")]);
  const d = document.getElementById("detail");
  d.replaceChildren();
  d.hidden = false;
  d.append(el("h2", c.title), el("p", c.id + " · " + (STATES[c.state] || c.state), "muted"));
  const dl = el("dl");
  const loc = c.location || {};
  for (const [k, v] of [["类别", c.category], ["渠道", CHANNELS[c.channel] || c.channel], ["紧急程度", c.severity],
    ["承办单位", unitName(c.unit)], ["位置", [loc.district, loc.street, loc.community, loc.grid].filter(Boolean).join(" / ") || "—"],
    ["地址", loc.address || "—"], ["反映人", (c.reporter || {}).name || "—"], ["反映人电话", (c.reporter || {}).phone || "—"]]) {
    dl.append(el("dt", k), el("dd", v));
  }
  d.append(dl, el("pre", c.description));
  if ((c.clocks || []).length) {
    d.append(el("h3", "时限"));
    const ul = el("ul", undefined, "clocks");
    for (const k of c.clocks) {
      const li = el("li", (CLOCKS[k.clock] || k.clock) + "：" + fmt(k.due) + "（" + (k.left_seconds < 0 ? "已超时 " : "剩余 ") + k.left + (k.paused ? "，已暂停" : "") + "）", "clock-" + k.colour);
      ul.append(li);
    }
    d.append(ul);
  }
  if (c.reply) d.append(el("h3", "答复"), el("pre", c.reply));
  d.append(el("h3", "办理过程"));
  const ol = el("ol");
  for (const e of hist.events || hist) {
    const li = el("li");
    li.append(el("div", fmt(e.at) + " · " + e.action + " · " + (STATES[e.to] || e.to)), el("div", e.actor + (e.note ? "：" + e.note : ""), "muted"));
    ol.append(li);
  }
  d.append(ol);
}

// The situation screen's drill-down links here with ?area=CODE (and other
// list filters); carry them into the form.
for (const [k, v] of new URLSearchParams(location.search)) {
  const input = document.getElementById("filters").elements.namedItem(k);
  if (input) input.value = v;
}

document.getElementById("filters").addEventListener("submit", (ev) => { ev.preventDefault(); load(true); });
document.getElementById("more").addEventListener("click", () => load(false));
loadUnits().then(() => load(true)).catch((e) => { document.getElementById("rows").replaceChildren(el("tr", String(e))); });
