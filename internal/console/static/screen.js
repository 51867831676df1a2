// 态势大屏: the situation screen. Figures come from GET /api/v1/situation,
// boundaries from GET /api/v1/geo/areas, live cases from the SSE stream
// GET /api/v1/stream. Text from the API is set with textContent or passed
// to ECharts as data, never parsed as HTML.
'use strict';
(function () {
  const T = {
    zh: { title: '一网 · 城市运行态势', caselist: '案件列表', close: '关闭', states: '在办案件状态', categories: '高发问题（一级分类）',
      units: '承办单位排名（按时办结率）', live: '实时案件', hours: '近 48 小时', days: '近 30 天', intake: '受理', resolved: '办结',
      total: '累计', open: '在办', overdue: '超期', today: '今日', lang: 'English', city: '武汉市', noRate: '—', reload: '数据已刷新',
      note: '区界为真实数据；街道边界、社区与网格为生成数据。', defHint: '点击指标查看口径',
      hot: '热点问题（近 7 天）', hotNone: '暂无热点问题', hotCases: '件', heat: '热度', hotTitle: '热度指数' },
    en: { title: 'Yiwang · City situation', caselist: 'Cases', close: 'Close', states: 'Open cases by state', categories: 'Top categories (level 1)',
      units: 'Units by on-time rate', live: 'Live cases', hours: 'Last 48 hours', days: 'Last 30 days', intake: 'Intake', resolved: 'Resolved',
      total: 'Total', open: 'Open', overdue: 'Overdue', today: 'Today', lang: '中文', city: 'Wuhan', noRate: '—', reload: 'Figures reloaded',
      note: 'District boundaries are real; street boundaries, communities and grids are generated.', defHint: 'Click a KPI for its definition',
      hot: 'Hot issues (7 days)', hotNone: 'No hot issues', hotCases: 'cases', heat: 'heat', hotTitle: 'Heat index' }
  };
  const STATES = { received: ['受理', 'Received'], dispatched: ['派单', 'Dispatched'], accepted: ['签收', 'Accepted'],
    in_progress: ['办理', 'In progress'], resolved: ['办结', 'Resolved'], verified: ['回访', 'Verified'], closed: ['结案', 'Closed'],
    returned: ['退单', 'Returned'], suspended: ['挂起', 'Suspended'], merged: ['合并', 'Merged'], voided: ['作废', 'Voided'] };
  const ACTIONS = { create: ['受理', 'created'], dispatch: ['派单', 'dispatched'], accept: ['签收', 'accepted'], resolve: ['办结', 'resolved'],
    close: ['结案', 'closed'], return: ['退单', 'returned'], reassign: ['改派', 'reassigned'], verify: ['回访', 'verified'] };

  const $ = (id) => document.getElementById(id);
  let lang = localStorage.getItem('yiwang.lang') === 'en' ? 'en' : 'zh';
  const t = (k) => T[lang][k];
  const state = { path: [], data: null, maps: {}, firstDone: false, refreshTimer: 0 };
  const charts = {};
  const echarts = window.echarts;

  function chart(id) {
    if (!charts[id]) charts[id] = echarts.init($(id), null, { renderer: 'canvas' });
    return charts[id];
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  async function getJSON(url) {
    const r = await fetch(url, { headers: { Accept: 'application/json' } });
    if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
    return r.json();
  }

  function current() { return state.path.length ? state.path[state.path.length - 1] : null; }

  async function load() {
    const cur = current();
    const q = cur ? '?area=' + encodeURIComponent(cur.code) : '';
    const d = await getJSON('/api/v1/situation' + q);
    state.data = d;
    if (!state.path.length) state.path.push({ code: d.area.code, name: d.area.name });
    render();
    loadHot(state.path.length > 1 ? cur.code : '');
    await drawMap();
  }

  // Hot issues (GET /api/v1/hotspots): loaded beside the figures; a
  // failure leaves the list as it was and is reported, never thrown.
  function loadHot(area) {
    const q = '?window=7d&limit=8' + (area ? '&area=' + encodeURIComponent(area) : '');
    getJSON('/api/v1/hotspots' + q).then((h) => { state.hot = h; renderHot(); }).catch(report);
  }

  function renderHot() {
    const ol = $('hot'), h = state.hot;
    if (!h) return;
    ol.replaceChildren();
    ol.title = t('hotTitle') + ': ' + h.heat_index;
    if (!h.issues.length) { ol.append(el('li', t('hotNone'), 'muted')); return; }
    h.issues.forEach((is) => {
      const li = el('li');
      const det = document.createElement('details');
      const sum = el('summary', is.name);
      sum.append(el('span', is.members.length + ' ' + t('hotCases') + ' · ' + t('heat') + ' ' + is.heat.toFixed(1), 'rate'));
      det.append(sum);
      const ul = el('ul');
      is.members.slice(0, 20).forEach((m) => {
        const a = el('a', m.id + ' ' + m.title);
        a.href = 'workbench.html#case=' + encodeURIComponent(m.id);
        const item = el('li');
        item.append(a);
        ul.append(item);
      });
      det.append(ul);
      li.append(det);
      ol.append(li);
    });
  }

  function fmt(k) {
    if (k.value === null || k.value === undefined) return t('noRate');
    return k.ratio ? (k.value * 100).toFixed(1) + '%' : String(Math.round(k.value));
  }

  function render() {
    const d = state.data, s = d.situation;
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.querySelectorAll('[data-i18n]').forEach((e) => { e.textContent = t(e.dataset.i18n); });
    $('lang').textContent = t('lang');
    $('note').textContent = t('note');
    // Breadcrumbs.
    const crumbs = $('crumbs');
    crumbs.replaceChildren();
    state.path.forEach((p, i) => {
      if (i) crumbs.append(el('span', '›', 'sep'));
      const name = i === 0 && lang === 'en' ? t('city') : p.name;
      if (i === state.path.length - 1) { crumbs.append(el('span', name, 'here')); return; }
      const b = el('button', name);
      b.type = 'button';
      b.addEventListener('click', () => { state.path = state.path.slice(0, i + 1); load().catch(report); });
      crumbs.append(b);
    });
    const cur = current();
    $('caselist').href = state.path.length > 1 ? 'index.html?area=' + encodeURIComponent(cur.code) : 'index.html';
    // KPI tiles, each opening its definition.
    const box = $('kpis');
    box.replaceChildren();
    box.title = t('defHint');
    s.kpis.forEach((k) => {
      const b = el('button', undefined, 'kpi' + (k.id === 'overdue' && k.numerator > 0 ? ' alert' : ''));
      b.type = 'button';
      b.dataset.kpi = k.id;
      b.append(el('span', lang === 'zh' ? k.name_zh : k.name_en, 'name'), el('span', fmt(k), 'value'));
      b.append(el('span', k.ratio ? k.numerator + ' / ' + k.denominator : '\u00a0', 'frac'));
      b.addEventListener('click', () => showDefinition(k));
      box.append(b);
    });
    // Open by state.
    const st = s.open_by_state.filter((x) => x.count > 0);
    chart('states').setOption({
      animation: false, grid: { left: 70, right: 30, top: 5, bottom: 20 },
      xAxis: { type: 'value', axisLabel: { color: '#9fb6cc' }, splitLine: { lineStyle: { color: '#1d3b5c' } } },
      yAxis: { type: 'category', data: st.map((x) => STATES[x.state][lang === 'zh' ? 0 : 1]), axisLabel: { color: '#d8e6f5' } },
      series: [{ type: 'bar', data: st.map((x) => x.count), itemStyle: { color: '#2e9dff' }, label: { show: true, position: 'right', color: '#fff' } }]
    }, true);
    const cats = s.categories.slice().reverse();
    chart('cats').setOption({
      animation: false, grid: { left: 110, right: 40, top: 5, bottom: 20 },
      xAxis: { type: 'value', axisLabel: { color: '#9fb6cc' }, splitLine: { lineStyle: { color: '#1d3b5c' } } },
      yAxis: { type: 'category', data: cats.map((c) => d.names[c.code] || c.code), axisLabel: { color: '#d8e6f5', width: 100, overflow: 'truncate' } },
      series: [{ type: 'bar', data: cats.map((c) => c.total), itemStyle: { color: '#f5a623' }, label: { show: true, position: 'right', color: '#fff' } }]
    }, true);
    // Unit ranking.
    const ol = $('units');
    ol.replaceChildren();
    s.units.forEach((u) => {
      const li = el('li', d.names[u.code] || u.code);
      li.append(el('span', (u.on_time_rate === null ? t('noRate') : (u.on_time_rate * 100).toFixed(1) + '%') + ' · ' + t('overdue') + ' ' + u.overdue, 'rate'));
      ol.append(li);
    });
    trend('hours', s.hours, (p) => new Date(p.start).getHours() + ':00');
    trend('days', s.days, (p) => { const x = new Date(p.start); return (x.getMonth() + 1) + '/' + x.getDate(); });
  }

  function trend(id, pts, label) {
    chart(id).setOption({
      animation: false, legend: { data: [t('intake'), t('resolved')], textStyle: { color: '#d8e6f5' }, top: 0 },
      tooltip: { trigger: 'axis' }, grid: { left: 40, right: 15, top: 28, bottom: 22 },
      xAxis: { type: 'category', data: pts.map(label), axisLabel: { color: '#9fb6cc' } },
      yAxis: { type: 'value', axisLabel: { color: '#9fb6cc' }, splitLine: { lineStyle: { color: '#1d3b5c' } } },
      series: [
        { name: t('intake'), type: 'line', smooth: true, data: pts.map((p) => p.intake), itemStyle: { color: '#2e9dff' }, areaStyle: { opacity: 0.15 } },
        { name: t('resolved'), type: 'line', smooth: true, data: pts.map((p) => p.resolved), itemStyle: { color: '#3ddc84' } }
      ]
    }, true);
  }

  function showDefinition(k) {
    $('def-title').textContent = lang === 'zh' ? k.name_zh : k.name_en;
    $('def-text').textContent = lang === 'zh' ? k.definition_zh : k.definition_en;
    $('definition').hidden = false;
  }

  async function drawMap() {
    const d = state.data, area = d.area;
    const level = d.child_level || area.level;
    const parent = d.child_level ? (area.level === 'city' ? '' : area.code) : area.code;
    const key = level + ':' + parent;
    if (!state.maps[key]) {
      const gj = await getJSON('/api/v1/geo/areas?level=' + level + (parent ? '&parent=' + encodeURIComponent(parent) : ''));
      echarts.registerMap(key, gj);
      state.maps[key] = true;
    }
    const heat = d.situation.heat;
    const max = Math.max(1, ...heat.map((h) => h.total));
    const c = chart('map');
    c.off('click');
    if (!state.firstDone) {
      c.on('finished', function done() {
        c.off('finished', done);
        state.firstDone = true;
        document.body.dataset.ready = String(Math.round(performance.now()));
      });
    }
    c.setOption({
      animation: false,
      tooltip: { trigger: 'item', formatter: (p) => {
        const h = p.data || {};
        return echarts.format.encodeHTML((d.names[p.name] || p.name) + ' · ' + t('total') + ' ' + (h.value || 0) + ' · ' +
          t('open') + ' ' + (h.open || 0) + ' · ' + t('overdue') + ' ' + (h.overdue || 0) + ' · ' + t('today') + ' ' + (h.today || 0));
      } },
      visualMap: { min: 0, max: max, left: 10, bottom: 10, calculable: true, text: [String(max), '0'], textStyle: { color: '#d8e6f5' },
        inRange: { color: ['#0e3a66', '#1f78c8', '#f5d04a', '#ff6b3d', '#d81e06'] } },
      series: [{
        type: 'map', map: key, nameProperty: 'code', roam: true, selectedMode: false,
        label: { show: heat.length <= 40, color: '#fff', fontSize: 11, formatter: (p) => d.names[p.name] || '' },
        itemStyle: { borderColor: '#7fc1ff', borderWidth: 0.6, areaColor: '#0e3a66' },
        emphasis: { label: { show: true, color: '#fff' }, itemStyle: { areaColor: '#3d7cc0' } },
        data: heat.map((h) => ({ name: h.code, value: h.total, open: h.open, overdue: h.overdue, today: h.today }))
      }]
    }, true);
    c.on('click', (p) => {
      if (!p.name) return;
      if (d.child_level === 'grid' || !d.child_level) { window.location.href = 'index.html?area=' + encodeURIComponent(p.name); return; }
      state.path.push({ code: p.name, name: d.names[p.name] || p.name });
      load().catch(report);
    });
    document.body.dataset.area = area.code;
  }

  function addFeed(ev) {
    const ul = $('feed');
    const act = ACTIONS[ev.action] ? ACTIONS[ev.action][lang === 'zh' ? 0 : 1] : ev.action;
    const when = new Date(ev.at);
    const li = el('li', when.toLocaleTimeString(lang === 'zh' ? 'zh-CN' : 'en-GB') + '  ' + ev.id + '  ' + act, 'fresh');
    li.dataset.caseId = ev.id;
    const ds = ev.district && state.data && state.data.names[ev.district];
    if (ds) li.append(el('span', ' · ' + ds));
    ul.prepend(li);
    setTimeout(() => li.classList.remove('fresh'), 3000);
    while (ul.children.length > 30) ul.lastChild.remove();
  }

  function scheduleRefresh() {
    if (state.refreshTimer) return;
    state.refreshTimer = setTimeout(() => { state.refreshTimer = 0; load().catch(report); }, 1500);
  }

  function listen() {
    const es = new EventSource('/api/v1/stream');
    es.addEventListener('case', (m) => { addFeed(JSON.parse(m.data)); scheduleRefresh(); });
    es.addEventListener('reload', () => { es.close(); load().catch(report); setTimeout(listen, 1000); });
  }

  function report(err) { console.warn('situation screen:', err && err.message ? err.message : err); }

  function tick() {
    $('clock').textContent = new Date().toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false });
  }

  $('lang').addEventListener('click', () => {
    lang = lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem('yiwang.lang', lang);
    document.dispatchEvent(new Event('yiwang:lang')); // console.js redraws who is signed in
    render();
    renderHot();
    drawMap().catch(report);
  });
  $('def-close').addEventListener('click', () => { $('definition').hidden = true; });
  // Resizes are coalesced into one per frame. A chart caught between two
  // options (a map being redrawn for another area) may refuse to resize:
  // that is reported and the chart's next draw sizes it anyway.
  let resizeFrame = 0;
  window.addEventListener('resize', () => {
    if (resizeFrame) return;
    resizeFrame = requestAnimationFrame(() => {
      resizeFrame = 0;
      Object.values(charts).forEach((c) => {
        try { c.resize(); } catch (err) { report(err); }
      });
    });
  });
  tick();
  setInterval(tick, 1000);
  // The live stream is for the roles that watch the city; the others see
  // the figures, reloaded when they come back to the page.
  const STREAM_ROLES = ['dispatcher', 'supervisor', 'commander', 'analyst', 'agent'];
  load().then(() => window.Yiwang.session).then((s) => { if (window.Yiwang.hasRole(s.user, STREAM_ROLES)) listen(); }).catch(report);
})();
