// lantian console islands: charts (ECharts, drawn locally), the login form, logout and the
// alarm actions. Every action goes through the JSON API. When the page's charts have rendered,
// <body data-ready="1"> is set (the browser tests wait for it).
import './console.css';
import * as echarts from 'echarts/core';
import { HeatmapChart, LineChart } from 'echarts/charts';
import {
  CalendarComponent, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent,
} from 'echarts/components';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';

echarts.use([
  HeatmapChart, LineChart, CalendarComponent, GridComponent, LegendComponent, TooltipComponent,
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

function data(el) {
  const src = document.getElementById(el.dataset.source);
  return src ? JSON.parse(src.textContent) : [];
}

function calendarOption(el) {
  const year = el.dataset.year;
  return {
    tooltip: { formatter: (p) => `${p.value[0]}：AQI ${p.value[1]}` },
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
    legend: { data: ['PM2.5', 'PM10', 'O3_8h'] },
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

const OPTIONS = { calendar: calendarOption, daily: dailyOption };

async function drawCharts() {
  const els = [...document.querySelectorAll('[data-chart]')];
  // SVG in tests (assertable DOM), canvas otherwise.
  const renderer = new URLSearchParams(location.search).has('svg') ? 'svg' : 'canvas';
  await Promise.all(els.map((el) => new Promise((resolve) => {
    const chart = echarts.init(el, null, { renderer });
    chart.on('finished', resolve);
    chart.setOption(OPTIONS[el.dataset.chart](el));
    window.addEventListener('resize', () => chart.resize());
  })));
}

async function api(method, url, body) {
  const res = await fetch(url, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
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
      location.href = form.dataset.next || '/';
    } catch (e) {
      document.getElementById('login-error').textContent = e.message;
    }
  });
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

wireLogin();
wireLogout();
wireAlarmActions();
drawCharts().then(() => { document.body.dataset.ready = '1'; });
