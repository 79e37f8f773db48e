// lantian console islands: charts (ECharts, drawn locally), the login form, logout and the
// alarm actions. Every action goes through the JSON API. When the page's charts have rendered,
// <body data-ready="1"> is set (the browser tests wait for it).
import './console.css';
import * as echarts from 'echarts/core';
import {
  BarChart, EffectScatterChart, HeatmapChart, LineChart, ScatterChart,
} from 'echarts/charts';
import {
  CalendarComponent, GeoComponent, GridComponent, LegendComponent, MarkLineComponent,
  TitleComponent, TooltipComponent, VisualMapComponent,
} from 'echarts/components';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';

echarts.use([
  BarChart, EffectScatterChart, HeatmapChart, LineChart, ScatterChart, CalendarComponent, GeoComponent,
  GridComponent, LegendComponent, MarkLineComponent, TitleComponent, TooltipComponent,
  VisualMapComponent, CanvasRenderer, SVGRenderer,
]);

// HJ 633 AQI levels and colours.
const AQI_PIECES = [
  { min: 0, max: 50, color: '#00E400', label: '优' },
  { min: 51, max: 100, color: '#FFFF00', label: '良' },
  { min: 101, max: 150, color: '#FF7E00', label: '轻度污染' },
  { min: 151, max: 200, color: '#FF0000', label: '中度污染' },
  { min: 201, max: 300, color: '#99004C', label: '重度污染' },
  { min: 301, max: 10000, color: '#7E0023', label: '严重污染' },
];

// Text for HTML: ECharts renders a tooltip formatter's string as HTML, and the names in it
// (stations, devices, owners, towns, GeoJSON features) come from devices, uploads and
// imports. Every value a formatter puts into markup goes through this one helper.
function esc(v) {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  })[c]);
}

// Where to go after the login: the page's `next` if the browser's own URL parser puts it on
// this site (the server checked it too), else the overview.
function sameOriginPath(next) {
  try {
    const u = new URL(next || '/', location.origin);
    if (u.origin !== location.origin) return '/';
    const path = `${u.pathname}${u.search}${u.hash}`;
    return path.startsWith('//') ? '/' : path;
  } catch (_) {
    return '/';
  }
}

function data(el) {
  const src = document.getElementById(el.dataset.source);
  return src ? JSON.parse(src.textContent) : [];
}

// A map layer from its own URL (versioned: the browser keeps it until the next import), or
// null when the page has none.
async function layer(url) {
  if (!url) return null;
  const res = await fetch(url, { credentials: 'same-origin' });
  return res.ok ? res.json() : null;
}

function calendarOption(el) {
  const year = el.dataset.year;
  return {
    tooltip: { formatter: (p) => `${esc(p.value[0])}：AQI ${esc(p.value[1])}` },
    visualMap: { type: 'piecewise', pieces: AQI_PIECES, orient: 'horizontal', left: 'center', bottom: 0 },
    calendar: { range: year, cellSize: ['auto', 16], top: 30, left: 40, right: 20, dayLabel: { nameMap: 'ZH' }, monthLabel: { nameMap: 'ZH' }, yearLabel: { show: false } },
    series: [{ type: 'heatmap', coordinateSystem: 'calendar', data: data(el) }],
  };
}

function dailyOption(el) {
  const rows = data(el);
  const col = (i) => rows.map((r) => [r[0], r[i] === null ? null : Number(r[i])]);
  return {
    tooltip: { trigger: 'axis' },
    legend: { data: ['PM2.5', 'PM10', 'O3_8h'], top: 0 },
    grid: { left: 50, right: 20, top: 40, bottom: 30 },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', name: 'µg/m³' },
    series: [
      { name: 'PM2.5', type: 'line', showSymbol: false, data: col(1) },
      { name: 'PM10', type: 'line', showSymbol: false, data: col(2) },
      { name: 'O3_8h', type: 'line', showSymbol: false, data: col(3) },
    ],
  };
}

const num = (v) => (v === null || v === undefined ? null : Number(v));

// PM2.5 by month, this year against the same month last year (bars), and the good-day share.
function monthlyOption(el) {
  const rows = data(el);
  return {
    tooltip: { trigger: 'axis' },
    legend: { data: ['PM2.5', '上年同期PM2.5', '优良天数比例'], top: 0 },
    grid: { left: 50, right: 50, top: 40, bottom: 30 },
    xAxis: { type: 'category', data: rows.map((r) => r[0]) },
    yAxis: [{ type: 'value', name: 'µg/m³' }, { type: 'value', name: '%', max: 100 }],
    series: [
      { name: 'PM2.5', type: 'bar', data: rows.map((r) => num(r[1])) },
      { name: '上年同期PM2.5', type: 'bar', data: rows.map((r) => num(r[2])) },
      { name: '优良天数比例', type: 'line', yAxisIndex: 1, data: rows.map((r) => num(r[3])) },
    ],
  };
}

// A profile (rows: label, SO2, NO2, PM10, CO, O3, PM2.5): lines by hour of day, bars by weekday.
function profileOption(el, type, o3name) {
  const rows = data(el);
  const col = (i) => rows.map((r) => num(r[i]));
  const names = ['PM2.5', 'PM10', 'NO2', o3name];
  const cols = [6, 3, 2, 5];
  return {
    tooltip: { trigger: 'axis' },
    legend: { data: names, top: 0 },
    grid: { left: 50, right: 20, top: 40, bottom: 30 },
    xAxis: { type: 'category', data: rows.map((r) => r[0]) },
    yAxis: { type: 'value', name: 'µg/m³' },
    series: names.map((name, k) => ({ name, type, showSymbol: false, data: col(cols[k]) })),
  };
}

// One factor of one device over time, with its alarm limit as a red line. Times come as
// Beijing wall-clock text and are shown as such, whatever the browser's time zone.
function historyOption(el) {
  const src = document.getElementById(el.dataset.source);
  const d = src ? JSON.parse(src.textContent) : { points: [] };
  const limit = d.limit === null || d.limit === undefined ? null : Number(d.limit);
  return {
    title: { text: d.name, right: 10, top: 0, textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis' },
    grid: { left: 60, right: 30, top: 30, bottom: 30 },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', name: d.unit, scale: true },
    series: [{
      name: d.name,
      type: 'line',
      showSymbol: false,
      data: d.points.map((p) => [p[0], Number(p[1])]),
      ...(limit === null ? {} : {
        markLine: {
          symbol: 'none',
          lineStyle: { color: '#d50000', type: 'dashed' },
          label: { formatter: `限值 ${limit}` },
          data: [{ yAxis: limit }],
        },
      }),
    }],
  };
}

// The district boundary (the bureau's GeoJSON, drawn locally: no tiles), stations in their AQI
// colour, devices by status, and devices with open alarms rippling.
async function mapOption(el) {
  const d = data(el);
  const boundary = await layer(d.boundary_url);
  const STATUS = { 在线: '#2e7d32', 离线: '#c62828', 未上线: '#9e9e9e' };
  const tip = (p) => {
    const v = p.data;
    // The district's own outline (a GeoJSON feature) has no data.
    if (!v) return esc(p.name);
    if (v.label !== undefined) return `${esc(v.name)}<br>${esc(v.label)}：AQI ${esc(v.value[2])}`;
    if (v.label_fire !== undefined) return `${esc(v.name)}<br>${esc(v.label_fire)}，火点 ${esc(v.value[2])} 个`;
    return `${esc(v.name)}<br>${esc(v.mn)}：${esc(v.status)}${v.value[2] ? `，未结报警 ${esc(v.value[2])}` : ''}`;
  };
  const geo = boundary !== null;
  if (geo) echarts.registerMap('district', boundary);
  const coord = geo ? { coordinateSystem: 'geo' } : {};
  return {
    tooltip: { trigger: 'item', formatter: tip },
    legend: { data: ['站点', '设备', '报警', '火点'], top: 0 },
    ...(geo
      ? { geo: { map: 'district', roam: true, itemStyle: { areaColor: '#eef3f7', borderColor: '#0b5394' } } }
      : { xAxis: { type: 'value', scale: true, name: '经度' }, yAxis: { type: 'value', scale: true, name: '纬度' } }),
    series: [
      { name: '站点', type: 'scatter', ...coord, symbol: 'diamond', symbolSize: 16, data: d.stations,
        itemStyle: { color: (p) => (p.data.colour === 'transparent' ? '#999' : p.data.colour), borderColor: '#333' } },
      { name: '设备', type: 'scatter', ...coord, symbolSize: 9, data: d.devices,
        itemStyle: { color: (p) => STATUS[p.data.status] || '#999' } },
      { name: '报警', type: 'effectScatter', ...coord, symbolSize: 14, data: d.alarms,
        itemStyle: { color: '#d50000' }, rippleEffect: { scale: 3 } },
      { name: '火点', type: 'scatter', ...coord, symbol: 'triangle', symbolSize: 12, data: d.fires || [],
        itemStyle: { color: '#ff6f00', borderColor: '#333' } },
    ],
  };
}

// Fire incidents on the town map (or the district's), coloured by work-order state; a click
// opens the incident.
const FIRE_STATE = {
  pending: '#ff6f00', near_border: '#9e9e9e', dispatched: '#d50000', verified: '#1565c0', closed: '#2e7d32',
};
async function firesOption(el) {
  const d = data(el);
  // The district outline with the towns over it (fires outside every town stay in view).
  const parts = (await Promise.all([layer(d.boundary_url), layer(d.towns_url)])).filter(Boolean);
  const shape = parts.length ? { type: 'FeatureCollection', features: parts.flatMap((p) => p.features) } : null;
  if (shape) echarts.registerMap('fire-area', shape);
  const coord = shape ? { coordinateSystem: 'geo' } : {};
  return {
    tooltip: { trigger: 'item', formatter: (p) => (p.data && p.data.state_zh ? `${esc(p.data.name)}<br>${esc(p.data.state_zh)}，火点 ${esc(p.data.value[2])} 个` : esc(p.name)) },
    ...(shape
      ? { geo: { map: 'fire-area', roam: true, label: { show: !!d.towns_url, fontSize: 10 }, itemStyle: { areaColor: '#f4f1ea', borderColor: '#8d6e63' } } }
      : { xAxis: { type: 'value', scale: true, name: '经度' }, yAxis: { type: 'value', scale: true, name: '纬度' } }),
    series: [{
      name: '火点事件', type: 'scatter', ...coord, symbol: 'triangle', symbolSize: 14, data: d.fires,
      itemStyle: { color: (p) => FIRE_STATE[p.data.state] || '#999', borderColor: '#333' },
    }],
  };
}

// The inventory's NOx and VOCs per year with the −10 % targets against 2020.
function inventoryOption(el) {
  const d = data(el);
  const line = (y, name) => (y === null || y === undefined ? [] : [{ yAxis: Number(y), name, label: { formatter: `${name} ${y} t` } }]);
  return {
    tooltip: { trigger: 'axis' },
    legend: { data: ['NOx', 'VOCs'], top: 0 },
    grid: { left: 60, right: 120, top: 30, bottom: 30 },
    xAxis: { type: 'category', data: d.years },
    yAxis: { type: 'value', name: 't/a' },
    series: [
      { name: 'NOx', type: 'bar', data: d.nox.map(Number),
        markLine: { symbol: 'none', lineStyle: { type: 'dashed', color: '#0b5394' }, data: line(d.nox_target, 'NOx目标') } },
      { name: 'VOCs', type: 'bar', data: d.vocs.map(Number),
        markLine: { symbol: 'none', lineStyle: { type: 'dashed', color: '#b45f06' }, data: line(d.vocs_target, 'VOCs目标') } },
    ],
  };
}

// A warning's forecast: the 24-h AQI per hour (or per day) with the grading's thresholds.
function forecastOption(el) {
  const d = data(el);
  const step = d.basis === 'daily' ? 86400000 : 3600000;
  const t0 = new Date(`${d.start}+08:00`).getTime();
  const pts = (d.values || []).map((v, i) => [t0 + i * step, v]);
  const line = (y, color) => ({ yAxis: y, lineStyle: { color, type: 'dashed' }, label: { formatter: `AQI ${y}` } });
  return {
    tooltip: { trigger: 'axis' },
    grid: { left: 50, right: 60, top: 20, bottom: 30 },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', name: 'AQI', min: 0 },
    series: [{
      name: '日AQI（连续24小时）',
      type: 'line',
      showSymbol: false,
      data: pts,
      markLine: { symbol: 'none', data: [line(100, '#ffde33'), line(150, '#ff9933'), line(200, '#cc0033'), line(300, '#660099')] },
    }],
  };
}

const OPTIONS = {
  calendar: calendarOption,
  fires: firesOption,
  inventory: inventoryOption,
  forecast: forecastOption,
  daily: dailyOption,
  map: mapOption,
  monthly: monthlyOption,
  diurnal: (el) => profileOption(el, 'line', 'O3'),
  weekday: (el) => profileOption(el, 'bar', 'O3_8h'),
  history: historyOption,
};

async function drawCharts() {
  const els = [...document.querySelectorAll('[data-chart]')];
  // SVG in tests (assertable DOM), canvas otherwise.
  const renderer = new URLSearchParams(location.search).has('svg') ? 'svg' : 'canvas';
  await Promise.all(els.map(async (el) => {
    // Maps fetch their layers first.
    const option = await OPTIONS[el.dataset.chart](el);
    await new Promise((resolve) => {
      const chart = echarts.init(el, null, { renderer });
      // 'finished' never comes for endless animations (the alarm ripples); the first frame
      // drawn is enough.
      chart.on('finished', resolve);
      chart.on('rendered', resolve);
      // Test mode draws at once (no entry animation), so screenshots show the final picture.
      if (renderer === 'svg') option.animation = false;
      chart.setOption(option);
      // Test mode: the browser tests reach the chart to show a tooltip (dispatchAction).
      if (renderer === 'svg') el.chart = chart;
      window.addEventListener('resize', () => chart.resize());
    });
  }));
}

// The session's CSRF token (the page's <meta>), sent with every state-changing request.
function csrfHeaders() {
  const m = document.querySelector('meta[name="csrf-token"]');
  return m ? { 'x-csrf-token': m.content } : {};
}

async function api(method, url, body) {
  const res = await fetch(url, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(method === 'GET' ? {} : csrfHeaders()) },
    body: body ? JSON.stringify(body) : undefined,
    credentials: 'same-origin',
  });
  if (!res.ok) {
    let msg = `${res.status}`;
    try { msg = (await res.json()).error.message; } catch (_) { /* not JSON */ }
    throw new Error(msg);
  }
  return res.status === 204 ? null : res.json();
}

function wireLogin() {
  const form = document.getElementById('login');
  if (!form) return;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    try {
      await api('POST', '/api/v1/session', { username: f.get('username'), password: f.get('password') });
      location.href = sameOriginPath(form.dataset.next);
    } catch (e) {
      document.getElementById('login-error').textContent = e.message;
    }
  });
}

// The circular's print link (no inline handlers: the Content-Security-Policy forbids them).
function wirePrint() {
  document.querySelectorAll('[data-print]').forEach((a) => a.addEventListener('click', (ev) => {
    ev.preventDefault();
    window.print();
  }));
}

function wireLogout() {
  const a = document.getElementById('logout');
  if (!a) return;
  a.addEventListener('click', async (ev) => {
    ev.preventDefault();
    try { await api('DELETE', '/api/v1/session'); } finally { location.href = '/login'; }
  });
}

function wireAlarmActions() {
  const box = document.querySelector('.actions[data-alarm-id]');
  if (!box) return;
  const url = `/api/v1/alarms/${box.dataset.alarmId}/actions`;
  const run = async (body) => {
    try {
      await api('POST', url, body);
      location.reload();
    } catch (e) {
      document.getElementById('action-error').textContent = e.message;
    }
  };
  box.querySelectorAll('button[data-action]').forEach((b) => {
    b.addEventListener('click', () => run({ action: b.dataset.action }));
  });
  box.querySelectorAll('form[data-action]').forEach((form) => {
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const body = { action: form.dataset.action };
      for (const [k, v] of new FormData(form)) {
        if (k === 'attachments') {
          body.attachments = String(v).split(/[,，]/).map((s) => s.trim()).filter(Boolean);
        } else if (String(v).trim() !== '') {
          body[k] = String(v);
        }
      }
      run(body);
    });
  });
}

// Uploads the files of a file input, one request each; resolves to their attachment ids.
async function uploadFiles(input) {
  const ids = [];
  for (const file of input ? [...input.files] : []) {
    const res = await fetch(`/api/v1/attachments?name=${encodeURIComponent(file.name)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', ...csrfHeaders() },
      body: file,
      credentials: 'same-origin',
    });
    if (!res.ok) {
      let msg = `${res.status}`;
      try { msg = (await res.json()).error.message; } catch (_) { /* not JSON */ }
      throw new Error(`${file.name}：${msg}`);
    }
    ids.push((await res.json()).id);
  }
  return ids;
}

// A department or town submits a progress report with its attachments.
function wireReportForm() {
  const form = document.getElementById('report-form');
  if (!form) return;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    try {
      const attachments = await uploadFiles(form.querySelector('input[type=file]'));
      await api('POST', '/api/v1/plan/reports', {
        task: Number(form.dataset.task),
        period: f.get('period'),
        body: f.get('body'),
        completed: f.get('completed') === 'on',
        attachments,
      });
      location.reload();
    } catch (e) {
      document.getElementById('report-error').textContent = e.message;
    }
  });
}

// The office accepts or returns a report.
function wireReview() {
  document.querySelectorAll('[data-review]').forEach((box) => {
    const url = `/api/v1/plan/reports/${box.dataset.review}/review`;
    const run = async (body) => {
      try {
        await api('POST', url, body);
        location.reload();
      } catch (e) {
        document.getElementById('review-error').textContent = e.message;
      }
    };
    box.querySelector('button[data-verdict=accept]')?.addEventListener('click', () => run({ action: 'accept' }));
    box.querySelector('form[data-verdict=return]')?.addEventListener('submit', (ev) => {
      ev.preventDefault();
      run({ action: 'return', comment: new FormData(ev.target).get('comment') });
    });
  });
}

// The responsible department records an indicator value.
function wireValueForms() {
  document.querySelectorAll('form.value-form').forEach((form) => {
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = new FormData(form);
      try {
        const attachments = await uploadFiles(form.querySelector('input[type=file]'));
        await api('POST', `/api/v1/plan/indicators/${form.dataset.indicator}/values`, {
          as_of: f.get('as_of'),
          value: f.get('value'),
          baseline: f.get('baseline') === 'on',
          note: f.get('note'),
          attachments,
        });
        location.reload();
      } catch (e) {
        document.getElementById('value-error').textContent = e.message;
      }
    });
  });
}

wireLogin();
wireLogout();
wirePrint();
wireAlarmActions();
wireReportForm();
// 研判: open a warning from a forecast or a replay (the office).
function wireAssessForm() {
  const form = document.getElementById('assess-form');
  if (!form) return;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    const body = { area: f.get('area') };
    if (f.get('grading')) body.grading = f.get('grading');
    if (f.get('forecast_csv').trim()) body.forecast_csv = f.get('forecast_csv');
    else { body.replay_from = f.get('replay_from'); body.replay_to = f.get('replay_to'); }
    try {
      const w = await api('POST', '/api/v1/emergency/warnings', body);
      location.href = `/emergency/warnings/${w.warning.id}`;
    } catch (e) {
      document.getElementById('assess-error').textContent = e.message;
    }
  });
}

// 发布, 调整, 解除, 不发布.
function wireWarningAct() {
  const form = document.getElementById('warning-act');
  if (!form) return;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    const action = f.get('action');
    const body = { action, reason: f.get('reason') || '' };
    if (action === 'issue' || action === 'adjust') body.level = f.get('level');
    if (f.get('at')) body.at = f.get('at');
    try {
      await api('POST', `/api/v1/emergency/warnings/${form.dataset.warning}/actions`, body);
      location.reload();
    } catch (e) {
      document.getElementById('act-error').textContent = e.message;
    }
  });
}

// Work-order steps of a fire incident: dispatch, verify (photos uploaded first), return, close.
function wireFireActs() {
  document.querySelectorAll('form.fire-act').forEach((form) => {
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = new FormData(form);
      const body = { action: form.dataset.action };
      if (f.get('town')) body.town = f.get('town');
      if (f.get('text')) body.text = f.get('text');
      if (f.get('finding')) body.finding = f.get('finding');
      if (f.get('burned_mu')) body.burned_mu = Number(f.get('burned_mu'));
      try {
        body.photos = await uploadFiles(form.querySelector('input[type=file]'));
        await api('POST', `/api/v1/fire/incidents/${form.dataset.incident}/actions`, body);
        location.reload();
      } catch (e) {
        document.getElementById('act-error').textContent = e.message;
      }
    });
  });
}

// The office imports a fire file: the file is the body.
function wireFireImport() {
  const form = document.getElementById('fire-import');
  if (!form) return;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const file = form.querySelector('input[type=file]').files[0];
    const err = document.getElementById('import-error');
    err.textContent = '';
    if (!file) { err.textContent = '请选择文件'; return; }
    const q = new URLSearchParams({ name: file.name, near_km: new FormData(form).get('near_km') || '5' });
    const res = await fetch(`/api/v1/fire/import?${q}`, {
      method: 'POST', headers: { 'content-type': 'text/csv', ...csrfHeaders() }, body: file, credentials: 'same-origin',
    });
    const out = await res.json();
    if (!res.ok) { err.textContent = out.error.message; return; }
    const o = out.outcome;
    document.getElementById('import-result').textContent = [
      ...out.files.map((x) => `${x.name}：${x.read} 个火点，${x.errors.length} 行无法读取`),
      ...out.files.flatMap((x) => x.errors),
      `区内 ${out.inside}，边界外临近 ${out.near}，其余 ${out.elsewhere} 个不保留`,
      `新增 ${o.stored}，已存在 ${o.duplicates}；新事件 ${o.created.length}（已派发 ${o.dispatched.length}），并入已有事件 ${o.extended.length}`,
    ].join('\n');
  });
}

// The office's inventory forms: import (the file is the body), roll forward, measured totals.
function wireInventory() {
  const err = document.getElementById('inventory-error');
  const result = document.getElementById('inventory-result');
  const show = (v) => { result.textContent = JSON.stringify(v, null, 2); };
  const imp = document.getElementById('inventory-import');
  if (imp) {
    imp.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.textContent = '';
      const f = new FormData(imp);
      const file = imp.querySelector('input[type=file]').files[0];
      if (!file) { err.textContent = '请选择文件'; return; }
      const q = new URLSearchParams({ name: file.name, note: f.get('note') || '导入' });
      if (f.get('year')) q.set('year', f.get('year'));
      if (f.get('example')) q.set('example', 'true');
      if (f.get('projects')) q.set('projects', 'true');
      const res = await fetch(`/api/v1/inventory/import?${q}`, {
        method: 'POST', headers: { 'content-type': 'application/octet-stream', ...csrfHeaders() }, body: file, credentials: 'same-origin',
      });
      const out = await res.json();
      if (!res.ok) { err.textContent = out.error.message; return; }
      location.reload();
    });
  }
  for (const [id, path, body] of [
    ['inventory-roll', 'roll', () => undefined],
    ['inventory-measure', 'measure', (f) => ({ min_coverage: String(f.get('min_coverage') || '80') })],
  ]) {
    const form = document.getElementById(id);
    if (!form) continue;
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.textContent = '';
      const f = new FormData(form);
      try {
        show(await api('POST', `/api/v1/inventory/years/${f.get('year')}/${path}`, body(f) || {}));
      } catch (e) {
        err.textContent = e.message;
      }
    });
  }
}

// The town assessment: the office assesses a period (with figures given as CSV lines) and loads
// versions of the rules; anyone checks a stored result by rerunning it.
function wireTowns() {
  const err = document.getElementById('towns-error');
  const run = document.getElementById('towns-run');
  if (run) {
    run.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.textContent = '';
      const f = new FormData(run);
      const figures = [];
      const lines = String(f.get('figures') || '').split(/\r?\n/);
      for (const [i, line] of lines.entries()) {
        if (!line.trim()) continue;
        const c = line.split(',').map((x) => x.trim());
        if (c.length !== 3 || c[2] === '' || Number.isNaN(Number(c[2]))) {
          err.textContent = `补充数据第${i + 1}行：应为 区镇,指标,数值`;
          return;
        }
        figures.push({ town: c[0], indicator: c[1], value: c[2] });
      }
      try {
        const out = await api('POST', '/api/v1/town-assessment/results', { period: String(f.get('period')).trim(), figures });
        location.href = `/towns/results/${out.id}`;
      } catch (e) {
        err.textContent = e.message;
      }
    });
  }
  const rules = document.getElementById('towns-rules');
  if (rules) {
    rules.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.textContent = '';
      const file = rules.querySelector('input[type=file]').files[0];
      if (!file) { err.textContent = '请选择规则文件'; return; }
      try {
        const out = await api('POST', '/api/v1/town-assessment/rules', { name: file.name, text: await file.text() });
        document.getElementById('towns-result').textContent = `${out.new ? '已载入' : '此前已载入'}：${out.code} 第${out.version}版`;
        if (out.new) location.reload();
      } catch (e) {
        err.textContent = e.message;
      }
    });
  }
  const check = document.getElementById('towns-check');
  if (check) {
    check.addEventListener('click', async () => {
      const out = document.getElementById('towns-check-result');
      try {
        const r = await api('GET', `/api/v1/town-assessment/results/${check.dataset.id}/check`);
        out.textContent = r.same ? '重算结果与保存的结果一致。' : ['重算结果与保存的结果不同：', ...r.differences].join('\n');
      } catch (e) {
        out.textContent = e.message;
      }
    });
  }
}

// Enforcement: open a case, take its steps; credit records and their events; screen a project.
function wireEnforcement() {
  const fail = (id) => (e) => { document.getElementById(id).textContent = e.message; };
  const open = document.getElementById('case-open');
  if (open) {
    open.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = new FormData(open);
      const kind = f.get('origin_kind');
      const ref = String(f.get('origin_ref')).trim();
      let origin;
      if (kind === 'complaint') {
        const [channel, ...rest] = ref.split(':');
        origin = { kind, channel, reference: rest.join(':') };
      } else if (kind === 'inspection') {
        origin = { kind, note: ref };
      } else {
        origin = { kind, id: Number(ref) };
      }
      const party = { kind: f.get('party_kind'), name: f.get('party') };
      if (f.get('credit_code')) party.credit_code = f.get('credit_code');
      const body = { origin, party, department: f.get('department'), town: f.get('town'), title: f.get('title') };
      if (f.get('detected_on')) body.detected_on = f.get('detected_on');
      try {
        const c = await api('POST', '/api/v1/cases', body);
        location.href = `/enforcement/cases/${c.id}`;
      } catch (e) { fail('case-error')(e); }
    });
  }
  const step = document.getElementById('case-step');
  if (step) {
    step.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = new FormData(step);
      const body = { step: f.get('step') };
      if (body.step === 'decide') {
        body.decision = f.get('decision');
        if (f.get('amount')) body.amount = String(f.get('amount'));
        body.order_to_correct = Boolean(f.get('order_to_correct'));
      }
      if (f.get('reason')) body.reason = f.get('reason');
      if (f.get('on')) body.on = f.get('on');
      if (body.step === 'join') body.department = f.get('department');
      try {
        if (body.step === 'evidence') {
          body.note = f.get('note');
          const file = step.querySelector('input[type=file]').files[0];
          if (file) {
            const res = await fetch(`/api/v1/attachments?${new URLSearchParams({ name: file.name })}`, {
              method: 'POST', headers: { 'content-type': 'application/octet-stream', ...csrfHeaders() }, body: file, credentials: 'same-origin',
            });
            const out = await res.json();
            if (!res.ok) throw new Error(out.error.message);
            body.attachment = out.id;
          }
        }
        await api('POST', `/api/v1/cases/${step.dataset.id}/steps`, body);
        location.reload();
      } catch (e) { fail('case-error')(e); }
    });
  }
  const add = document.getElementById('credit-add');
  if (add) {
    add.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = new FormData(add);
      try {
        await api('POST', '/api/v1/credit', {
          case_id: Number(f.get('case_id')), violation: f.get('violation'),
          decision_ref: f.get('decision_ref'), summary: f.get('summary'),
        });
        location.reload();
      } catch (e) { fail('credit-error')(e); }
    });
  }
  const event = document.getElementById('credit-event');
  if (event) {
    event.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = new FormData(event);
      try {
        await api('POST', `/api/v1/credit/${f.get('id')}/events`, { event: f.get('event'), text: f.get('text') || undefined });
        location.reload();
      } catch (e) { fail('credit-error')(e); }
    });
  }
  const screen = document.getElementById('screen-form');
  if (screen) {
    screen.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = new FormData(screen);
      const body = { name: f.get('name'), industry: f.get('industry'), new_capacity: Boolean(f.get('new_capacity')) };
      if (f.get('exception')) body.exception = f.get('exception');
      if (f.get('stack_m')) body.stack_m = Number(f.get('stack_m'));
      if (f.get('lon') && f.get('lat')) { body.lon = Number(f.get('lon')); body.lat = Number(f.get('lat')); }
      const out = document.getElementById('screen-result');
      try {
        const r = await api('POST', '/api/v1/screening', body);
        out.textContent = [
          r.banned ? '禁止准入' : '不在禁止之列',
          ...(r.two_high ? ['两高项目'] : []),
          ...(r.consultation ? ['须开展环评一致性会商'] : []),
          ...r.reasons,
        ].join('\n');
      } catch (e) { out.textContent = e.message; }
    });
  }
}

// The office replaces the emergency-reduction list: the file is the body.
function wireListUpload() {
  const form = document.getElementById('list-upload');
  if (!form) return;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const file = form.querySelector('input[type=file]').files[0];
    if (!file) return;
    const res = await fetch(`/api/v1/emergency/list/upload?name=${encodeURIComponent(file.name)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', ...csrfHeaders() },
      body: file,
      credentials: 'same-origin',
    });
    if (res.ok) {
      location.reload();
    } else {
      let msg = `${res.status}`;
      try { msg = (await res.json()).error.message; } catch (_) { /* not JSON */ }
      document.getElementById('list-error').textContent = msg;
    }
  });
}

// Checks that read CSV files in the browser and post them: the list's coverage of the
// enterprise registry, and gate records of key vehicle-using units.
function listItems(ul, lines) {
  ul.replaceChildren(...lines.map((t) => {
    const li = document.createElement('li');
    li.textContent = t;
    return li;
  }));
}

function wireChecks() {
  const coverage = document.getElementById('coverage-form');
  coverage?.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const out = document.getElementById('coverage-result');
    try {
      const registry = await coverage.querySelector('input[name=registry]').files[0].text();
      const c = await api('POST', '/api/v1/emergency/list/check', { registry_csv: registry });
      listItems(out, [
        c.passed ? '核查通过' : '核查未通过',
        ...c.missing.map((m) => `未纳入清单且无说明的涉气企业：${m.name}（${m.uscc}）`),
        ...c.unknown.map((u) => `清单中不在企业档案内：${u}`),
        ...c.totals.filter((t) => !t.met).map((t) => `减排比例不足：${t.level} ${t.pollutant}`),
      ]);
    } catch (e) {
      listItems(out, [e.message]);
    }
  });
  const gate = document.getElementById('gate-form');
  gate?.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const out = document.getElementById('gate-result');
    try {
      const vehicles = await gate.querySelector('input[name=vehicles]').files[0].text();
      const records = await gate.querySelector('input[name=records]').files[0].text();
      const g = await api('POST', '/api/v1/emergency/gate-check', { vehicles_csv: vehicles, records_csv: records });
      listItems(out, [
        `${g.records} 条记录，预警时段 ${g.periods.length} 个，违规 ${g.violations.length} 条`,
        ...g.violations.map((v) => `第${v.record.row}行 ${v.record.unit} ${v.record.plate} ${v.record.at}：${v.reason}`),
      ]);
    } catch (e) {
      listItems(out, [e.message]);
    }
  });
}

wireReview();
wireValueForms();
wireListUpload();
wireChecks();
wireAssessForm();
wireWarningAct();
wireFireActs();
wireFireImport();
wireInventory();
wireTowns();
wireEnforcement();
drawCharts().then(() => { document.body.dataset.ready = '1'; });
