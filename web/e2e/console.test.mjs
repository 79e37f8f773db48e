// Browser tests of the web console: Debian's chromium driven by playwright-core (no downloaded
// browser). A real `lantian` binary serves a store filled the way an office would: the CNEMC
// station list and areas, January 2019 of CNEMC hourly data, two users, and simulated
// restaurant-fume devices sending over real TCP until they raise alarms. Every page must load
// without console errors and show the numbers `lantian assess` gives on the same store; an
// alarm is taken through its lifecycle by clicking. Screenshots go to e2e/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const bin = process.env.LANTIAN_BIN || join(repo, 'target/debug/lantian');
const data = process.env.LANTIAN_DATA || resolve(repo, '../shared/data');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const artifacts = join(here, 'artifacts');
const dir = mkdtempSync(join(tmpdir(), 'lantian-e2e-'));
const db = join(dir, 'e2e.db');
const PASSWORD = 'e2e-password-1';
const FLEET = ['--cems', '0', '--vocs', '0', '--dust', '0', '--fume', '2', '--air', '0'];

let server;
let browser;
let base;

function lantian(...args) {
  // The password only to a command that reads it: one that exits without reading its stdin
  // would fail the write (EPIPE) now and then.
  const input = args.includes('--password-stdin') ? `${PASSWORD}\n` : '';
  return execFileSync(bin, ['--db', db, ...args], { encoding: 'utf8', input });
}

// A port the kernel says is free now.
function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function waitFor(fn, what, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (_) { /* not yet */ }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

before(async () => {
  assert.ok(existsSync(bin), `${bin} missing: build lantian first (cargo build -p lantian)`);
  mkdirSync(artifacts, { recursive: true });
  lantian('import', 'stations', join(data, 'stations/match1.csv'));
  lantian('import', 'areas');
  const cnemc = join(data, 'cnemc/china_sites_2019');
  const january = readdirSync(cnemc).filter((f) => f.startsWith('china_sites_201901')).map((f) => join(cnemc, f));
  lantian('import', 'cnemc', ...january);
  lantian('import', 'boundary', join(data, 'boundaries/320684.json'), '--crs', 'gcj02');
  lantian('user', 'add', 'office', '--role', 'office', '--display-name', '攻坚办值班员', '--password-stdin');
  lantian('user', 'add', 'viewer', '--role', 'viewer', '--password-stdin');
  lantian('plan', 'load', join(repo, 'config/plans/haimen.toml'));
  lantian('user', 'add', 'jiaotong', '--role', 'department', '--scope', '交通运输局', '--display-name', '交通运输局联络员', '--password-stdin');
  lantian('simulate', '--register-only', ...FLEET);
  const port = await freePort();
  const hj212 = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(bin, ['--db', db, 'serve', '--hj212', `127.0.0.1:${hj212}`, '--http', `127.0.0.1:${port}`,
    '--console-date', '2019-01-31', '--tick', '1'], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitFor(async () => (await fetch(`${base}/healthz`)).ok, 'the server');
  // Fume over its 2.0 mg/m³ limit in every frame: alarms while we watch.
  execFileSync(bin, ['simulate', '--addr', `127.0.0.1:${hj212}`, ...FLEET, '--interval-ms', '100', '--time-step-s', '60',
    '--duration', '3', '--ramp', '0', '--exceed-prob', '1', '--dropout-prob', '0', '--maintenance-prob', '0']);
  await waitFor(() => /超标|exceedance/.test(lantian('alarm', 'list', '--open')), 'an alarm');
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

function assessJson(...args) {
  return JSON.parse(lantian('assess', '--area', 'haimen', ...args, '--format', 'json'));
}

async function newPage() {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  // Content-Security-Policy violations (also logged to the console, which every test checks).
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  // The browser's own favicon request (there is none: 404) is no error of the page's; it comes
  // with the first page a browser opens, whichever test that is.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.location().url?.endsWith('/favicon.ico')) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return { page, errors };
}

async function login(page, user = 'office') {
  await page.goto(`${base}/`);
  assert.match(page.url(), /\/login\?next=/);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/`);
}

async function ready(page) {
  await page.waitForSelector('body[data-ready="1"]');
}

test('overview shows the district on target terms, as lantian assess computes them', async () => {
  const { page, errors } = await newPage();
  await page.goto(`${base}/login`);
  await page.fill('input[name=username]', 'office');
  await page.fill('input[name=password]', 'wrong');
  await page.click('button[type=submit]');
  await page.waitForFunction(() => document.getElementById('login-error').textContent !== '');
  assert.equal(await page.textContent('#login-error'), '用户名或密码错误');
  errors.length = 0; // the refused login's 401 is expected
  await login(page);
  await page.goto(`${base}/?svg`);
  await ready(page);
  const r = assessJson('--ytd', '2019-01-31');
  assert.equal(await page.textContent('#pm25-ytd'), r.targets.pm25_mean_so_far);
  assert.equal(await page.textContent('#good-share'), r.aqi_days.good_share_percent);
  assert.equal(await page.textContent('#pm25-budget'), r.targets.pm25_max_remaining_mean);
  const cells = await page.locator('[data-chart=calendar] svg path').count();
  assert.ok(cells >= 30, `calendar drew ${cells} paths`);
  assert.ok(Number(await page.textContent('#open-alarms')) >= 1);
  const stations = await page.locator('#stations-now tbody tr').count();
  assert.equal(stations, r.scope.stations.length);
  await page.screenshot({ path: join(artifacts, 'overview.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('air-quality page matches the HJ 663 assessment', async () => {
  const { page, errors } = await newPage();
  await login(page);
  await page.goto(`${base}/air?svg`);
  await ready(page);
  const r = assessJson('--from', '2019-01-01', '--to', '2019-01-31');
  const pm = r.pollutants.find((p) => p.pollutant === 'PM2.5');
  assert.equal(await page.textContent('#air-pm25'), pm.mean);
  assert.equal(await page.textContent('#air-composite'), r.composite_index);
  assert.ok(await page.locator('[data-chart=daily] svg path').count() > 0);
  // Monthly table: the same figures as the report's monthly rows.
  const months = await page.locator('#monthly tbody tr').allTextContents();
  assert.equal(months.length, r.monthly.length);
  const first = await page.locator('#monthly tbody tr').first().locator('td').allTextContents();
  assert.equal(first[0], r.monthly[0].month);
  assert.equal(first[5], r.monthly[0].values[0] ?? '');
  assert.equal(first[4], r.monthly[0].good_share_percent ?? '');
  for (const chart of ['monthly', 'diurnal', 'weekday']) {
    const n = await page.locator(`[data-chart=${chart}] svg path`).count();
    assert.ok(n > 0, `${chart} chart drew ${n} paths`);
  }
  const diurnal = JSON.parse(await page.textContent('#diurnal-data'));
  assert.equal(diurnal.length, 24);
  assert.deepEqual(diurnal.map((d) => d[6]), r.diurnal.map((d) => d.values[5]));
  // Only January 2019 is stored: no year on year.
  assert.equal(await page.locator('#yoy-none').count(), 1);
  await page.screenshot({ path: join(artifacts, 'air.png'), fullPage: true });
  await page.goto(`${base}/air?scope=station:2008A&svg`);
  await ready(page);
  await page.screenshot({ path: join(artifacts, 'air-2008A.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('monitoring page lists the devices online', async () => {
  const { page, errors } = await newPage();
  await login(page);
  await page.goto(`${base}/monitoring`);
  await ready(page);
  assert.equal(await page.locator('#devices tbody tr').count(), 2);
  assert.equal(await page.locator('#devices td.status.online').count(), 2);
  await page.screenshot({ path: join(artifacts, 'monitoring.png'), fullPage: true });
  // The town filter: as many rows as its link counts.
  const town = page.locator('#towns a').first();
  const count = Number((await town.textContent()).trim().split(/\s+/).pop());
  await town.click();
  await ready(page);
  assert.equal(await page.locator('#devices tbody tr').count(), count);
  // A device's page (one with an open alarm): each factor's real-time history against its limit.
  const mn = lantian('alarm', 'list', '--open').match(/SIMF\d+/)[0];
  await page.goto(`${base}/monitoring/${mn}`);
  await ready(page);
  assert.match(page.url(), /\/monitoring\/[^/]+$/);
  const n = Number((await page.textContent('#readings-count')).match(/\d+/)[0]);
  assert.ok(n >= 10, `${n} readings in the last 6 hours`);
  assert.ok(await page.locator('[data-chart=history]').count() >= 1);
  await page.goto(`${page.url()}?svg`);
  await ready(page);
  assert.ok(await page.locator('[data-chart=history] svg path').count() > 0);
  assert.ok((await page.locator('#alarms tbody tr[data-alarm]').count()) >= 1, 'its open alarms');
  await page.screenshot({ path: join(artifacts, 'device.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('an alarm is taken through its lifecycle by clicking; a viewer may not', async () => {
  const { page, errors } = await newPage();
  await login(page);
  await page.goto(`${base}/alarms?open=true`);
  await ready(page);
  await page.screenshot({ path: join(artifacts, 'alarms.png'), fullPage: true });
  await page.click('table.alarms tbody tr[data-alarm] a');
  await ready(page);
  assert.match(await page.textContent('.frame pre'), /^##\d{4}QN=/);
  assert.equal(await page.textContent('#alarm-state'), '待处理');
  const alarmUrl = page.url();
  const step = async (act, state) => {
    await act();
    await page.waitForFunction((s) => document.getElementById('alarm-state')?.textContent === s, state);
    await ready(page);
  };
  await step(() => page.click('button[data-action=acknowledge]'), '已确认');
  await step(() => page.click('form[data-action=dispatch] button'), '已派发');
  await page.fill('form[data-action=handle] input[name=note]', '已督促清洗油烟净化器');
  await page.fill('form[data-action=handle] input[name=attachments]', '现场照片1.jpg，现场照片2.jpg');
  await step(() => page.click('form[data-action=handle] button'), '已处置');
  await step(() => page.click('button[data-action=close]'), '已办结');
  const events = await page.locator('#events tbody tr').allTextContents();
  assert.ok(events.some((e) => e.includes('已督促清洗油烟净化器') && e.includes('现场照片2.jpg')), events.join('\n'));
  await page.screenshot({ path: join(artifacts, 'alarm-closed.png'), fullPage: true });
  assert.deepEqual(errors, []);

  // A viewer sees the alarm but the action is refused, with the reason shown.
  const v = await newPage();
  await login(v.page, 'viewer');
  await v.page.goto(alarmUrl);
  await ready(v.page);
  await v.page.fill('form[data-action=comment] input[name=note]', '看看');
  await v.page.click('form[data-action=comment] button');
  await v.page.waitForFunction(() => document.getElementById('action-error').textContent !== '');
  assert.match(await v.page.textContent('#action-error'), /viewer/);
  await v.page.click('#logout');
  await v.page.waitForURL(/\/login/);
  await v.page.close();
  await page.close();
});

test('map draws the district boundary, stations, devices and alarms', async () => {
  const { page, errors } = await newPage();
  await login(page);
  await page.goto(`${base}/map?svg`);
  await ready(page);
  assert.equal(await page.locator('#no-boundary').count(), 0);
  const paths = await page.locator('[data-chart=map] svg path').count();
  assert.ok(paths > 5, `map drew ${paths} paths`);
  const doc = JSON.parse(await page.textContent('#map-data'));
  // The boundary is not in the page: the map fetches it from its own, versioned URL.
  assert.match(doc.boundary_url, /^\/layers\/district\?v=/);
  const layer = await page.evaluate(async (url) => (await fetch(url)).json(), doc.boundary_url);
  assert.equal(layer.features.length, 1);
  assert.equal(doc.devices.length, 2);
  assert.ok(doc.stations.some((s) => s.name.includes('2008A')));
  await page.screenshot({ path: join(artifacts, 'map.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

// The scorecard row of a department: [tasks, done, overdue, due, submitted, on time].
async function scorecard(page, name) {
  await page.goto(`${base}/plan/scorecards`);
  await ready(page);
  const cells = await page.locator(`#scorecards tr[data-party="${name}"] td`).allTextContents();
  return cells.slice(2, 8).map(Number);
}

async function loggedIn(user) {
  const p = await newPage();
  await login(p.page, user);
  return p;
}

test('a department reports with an attachment, the office returns and accepts, the scorecard follows', async () => {
  const office = await loggedIn('office');
  const before = await scorecard(office.page, '交通运输局');
  await office.page.goto(`${base}/plan`);
  await ready(office.page);
  assert.equal(await office.page.locator('#tasks tbody tr').count(), 48);
  assert.equal(await office.page.textContent('#tasks tr[data-task="15"] td.task-status'), '逾期');
  await office.page.screenshot({ path: join(artifacts, 'plan.png'), fullPage: true });

  // The department submits for last quarter, task completed, with a PDF.
  const dept = await loggedIn('jiaotong');
  await dept.page.goto(`${base}/plan/tasks/15`);
  await ready(dept.page);
  const period = await dept.page.locator('#report-form select[name=period] option').nth(1).getAttribute('value');
  await dept.page.selectOption('#report-form select[name=period]', period);
  await dept.page.fill('#report-form textarea[name=body]', '公共领域新增公交车全部为新能源车');
  await dept.page.check('#report-form input[name=completed]');
  await dept.page.setInputFiles('#report-form input[type=file]', {
    name: '新能源公交车采购清单.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 e2e evidence'),
  });
  await dept.page.click('#report-form button[type=submit]');
  await dept.page.waitForSelector('#reports tr[data-state="submitted"]');
  await ready(dept.page);
  assert.match(await dept.page.textContent('#reports tr[data-state="submitted"]'), /新能源公交车采购清单\.pdf/);
  await dept.page.screenshot({ path: join(artifacts, 'plan-task-submitted.png'), fullPage: true });

  // The office returns it with a reason.
  await office.page.goto(`${base}/plan/tasks/15`);
  await ready(office.page);
  await office.page.fill('[data-review] form[data-verdict=return] input[name=comment]', '请附采购合同');
  await office.page.click('[data-review] form[data-verdict=return] button');
  await office.page.waitForSelector('#reports tr[data-state="returned"]');
  await ready(office.page);

  // The department sees why and resubmits.
  await dept.page.reload();
  await ready(dept.page);
  assert.match(await dept.page.textContent('#reports tr[data-state="returned"]'), /请附采购合同/);
  await dept.page.selectOption('#report-form select[name=period]', period);
  await dept.page.fill('#report-form textarea[name=body]', '公共领域新增公交车全部为新能源车，附采购合同');
  await dept.page.check('#report-form input[name=completed]');
  await dept.page.setInputFiles('#report-form input[type=file]', {
    name: '采购合同.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 contract'),
  });
  await dept.page.click('#report-form button[type=submit]');
  await dept.page.waitForSelector('#reports tr[data-state="submitted"]');

  // The office accepts: the task is done.
  await office.page.reload();
  await ready(office.page);
  await office.page.click('[data-review] button[data-verdict=accept]');
  await office.page.waitForSelector('#reports tr[data-state="accepted"]');
  await ready(office.page);
  assert.equal(await office.page.textContent('#task-status'), '已完成');
  const events = await office.page.textContent('#reports tr[data-state="accepted"]');
  for (const step of ['submit', 'return', 'resubmit', 'accept']) assert.match(events, new RegExp(step));
  await office.page.screenshot({ path: join(artifacts, 'plan-task-accepted.png'), fullPage: true });

  // The scorecard: one task more done, one fewer overdue, one report more.
  const after = await scorecard(office.page, '交通运输局');
  assert.equal(after[1], before[1] + 1, 'done');
  assert.equal(after[2], before[2] - 1, 'overdue');
  assert.equal(after[4], before[4] + 1, 'submitted');
  await office.page.screenshot({ path: join(artifacts, 'plan-scorecards.png'), fullPage: true });

  // Indicators: the department records a value; PM2.5 comes from the monitoring data.
  await dept.page.goto(`${base}/plan/indicators`);
  await ready(dept.page);
  const form = dept.page.locator('form.value-form[data-indicator="nev_public_share"]');
  await form.locator('input[name=as_of]').fill('2025-12-31');
  await form.locator('input[name=value]').fill('85');
  await form.locator('input[name=note]').fill('交通运输局车辆购置台账');
  await form.locator('button').click();
  await dept.page.waitForFunction(() => document.querySelector('tr[data-indicator="nev_public_share"] .latest')?.textContent.startsWith('85'));
  assert.equal(await dept.page.textContent('tr[data-indicator="nev_public_share"] .indicator-status'), '已达成');
  assert.equal(await dept.page.locator('form.value-form[data-indicator="pm25"]').count(), 0);
  await dept.page.screenshot({ path: join(artifacts, 'plan-indicators.png'), fullPage: true });

  assert.deepEqual(office.errors, []);
  assert.deepEqual(dept.errors, []);
  await office.page.close();
  await dept.page.close();
});

test('heavy-pollution weather: the office assesses a replayed episode and issues a warning; a viewer only reads', async () => {
  const { page, errors } = await loggedIn('office');
  await page.goto(`${base}/emergency`);
  await ready(page);
  // The real January 2019 episode at Haimen, replayed, judged by the 2024 grading.
  await page.fill('#assess-form input[name=replay_from]', '2019-01-15');
  await page.fill('#assess-form input[name=replay_to]', '2019-01-26');
  await page.selectOption('#assess-form select[name=grading]', '2024');
  await page.click('#assess-form button[type=submit]');
  await page.waitForURL(/\/emergency\/warnings\/\d+$/);
  const url = page.url();
  await page.goto(`${url}?svg`);
  await ready(page);
  assert.equal(await page.textContent('#proposal'), '不发布预警；可采取临时管控措施');
  assert.equal(await page.textContent('#warning-status'), '研判中');
  assert.ok(await page.locator('[data-chart=forecast] svg path').count() > 0, 'the forecast is drawn');
  // Issuing yellow departs from the proposal: refused without a reason, accepted with one.
  await page.selectOption('#warning-act select[name=action]', 'issue');
  await page.selectOption('#warning-act select[name=level]', 'yellow');
  await page.fill('#warning-act input[name=at]', '2019-01-22T08:00');
  await page.click('#warning-act button[type=submit]');
  await waitFor(async () => (await page.textContent('#act-error')).includes('理由'), 'the refusal');
  await page.fill('#warning-act input[name=reason]', '接到长三角区域重污染天气预警');
  await Promise.all([page.waitForEvent('load'), page.click('#warning-act button[type=submit]')]);
  await ready(page);
  assert.equal(await page.textContent('#warning-status'), '已发布');
  assert.equal(await page.textContent('#warning-level'), '黄色');
  assert.match(await page.textContent('#periods'), /2019-01-22T08:00:00/);
  assert.match(await page.textContent('#events'), /接到长三角区域重污染天气预警/);
  await page.screenshot({ path: join(artifacts, 'emergency-warning.png'), fullPage: true });
  // The refused step is a 409 the browser logs; nothing else may fail.
  assert.deepEqual(errors.filter((e) => !e.includes('409')), []);
  await page.close();

  const v = await loggedIn('viewer');
  await v.page.goto(url);
  await ready(v.page);
  assert.equal(await v.page.locator('#warning-act').count(), 0);
  await v.page.goto(`${base}/emergency`);
  assert.equal(await v.page.locator('#assess-form').count(), 0);
  assert.match(await v.page.textContent('#warnings'), /已发布/);
  assert.deepEqual(v.errors, []);
  await v.page.close();
});

test('fire points: the office imports and dispatches, the town verifies with a photo, the statistics count it', async () => {
  const fixtures = join(here, 'fixtures');
  // Synthetic town polygons (two rectangles, not real boundaries) and a town user.
  lantian('import', 'boundary', join(fixtures, 'towns_synthetic.geojson'), '--name', 'towns');
  lantian('user', 'add', 'haimen-town', '--role', 'town', '--scope', '海门街道', '--display-name', '海门街道联络员', '--password-stdin');

  const { page, errors } = await loggedIn('office');
  await page.goto(`${base}/fire`);
  await ready(page);
  await page.setInputFiles('#fire-import input[type=file]', join(fixtures, 'fires_generic.csv'));
  await page.click('#fire-import button[type=submit]');
  await waitFor(async () => /新事件 3（已派发 2）/.test(await page.textContent('#import-result')), 'the import');
  assert.match(await page.textContent('#import-result'), /line 7: time "not-a-time"/);
  await page.goto(`${base}/fire?svg`);
  await ready(page);
  assert.ok(await page.locator('[data-chart=fires] svg path').count() > 0, 'the map is drawn');
  // Each layer says its datum: the district came as GCJ-02 (DataV), the towns as WGS-84.
  assert.match(await page.textContent('#layers'), /320684\.json（原为 GCJ02，已换算为 WGS-84）.*towns_synthetic\.geojson（原为 WGS84/);
  // The fire outside every town polygon waits for the office: dispatched by hand.
  const pending = page.locator('#incidents tr', { hasText: '待派发' });
  assert.equal(await pending.count(), 1);
  await Promise.all([page.waitForURL(/\/fire\/incidents\/\d+$/), pending.locator('a').click()]);
  const incident = page.url();
  await ready(page);
  await page.fill('#dispatch-form input[name=town]', '海门街道');
  await Promise.all([page.waitForEvent('load'), page.click('#dispatch-form button[type=submit]')]);
  await ready(page);
  assert.equal(await page.textContent('#incident-state'), '已派发');
  assert.equal(await page.textContent('#assignee'), '海门街道');
  assert.deepEqual(errors, []);
  await page.close();

  // The town: its own incidents by default; verifies with a photo.
  const t = await loggedIn('haimen-town');
  await t.page.goto(`${base}/fire`);
  await ready(t.page);
  assert.equal(await t.page.locator('#incidents tr[data-incident]').count(), 2);
  await t.page.goto(incident);
  await ready(t.page);
  await t.page.selectOption('#verify-form select[name=finding]', 'real_fire');
  await t.page.fill('#verify-form input[name=burned_mu]', '3.5');
  await t.page.fill('#verify-form input[name=text]', '已扑灭，对农户批评教育');
  // A real fire without a photo is refused.
  await t.page.click('#verify-form button[type=submit]');
  await waitFor(async () => (await t.page.textContent('#act-error')).includes('photo'), 'the refusal');
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4//8/AAX+Av6nNYGEAAAAAElFTkSuQmCC', 'base64');
  await t.page.setInputFiles('#verify-form input[type=file]', { name: '现场.png', mimeType: 'image/png', buffer: png });
  await Promise.all([t.page.waitForEvent('load'), t.page.click('#verify-form button[type=submit]')]);
  await ready(t.page);
  assert.equal(await t.page.textContent('#incident-state'), '已核查');
  assert.match(await t.page.textContent('#verification'), /属实[\s\S]*3\.5 亩[\s\S]*照片1/);
  assert.match(await t.page.textContent('#response'), /^\d+ 分钟$/);
  await t.page.goto(`${base}/fire`);
  await ready(t.page);
  const row = t.page.locator('#fire-stats tr', { hasText: '海门街道' });
  // 海门街道, 2019-01: 2 incidents, 1 real, 0 false, 0 outside, 1 open.
  const cells = await row.locator('td').allTextContents();
  assert.deepEqual(cells.slice(0, 7), ['海门街道', '2019-01', '2', '1', '0', '0', '1']);
  await t.page.screenshot({ path: join(artifacts, 'fire.png'), fullPage: true });
  // The refused step is a 409 the browser logs; nothing else may fail.
  assert.deepEqual(t.errors.filter((e) => !e.includes('409')), []);
  await t.page.close();
});

test('emission inventory: the office imports two example years and the accounting shows the −10 % targets', async () => {
  const example = join(repo, 'config/inventory/example');
  const { page, errors } = await loggedIn('office');
  await page.goto(`${base}/inventory`);
  await ready(page);
  for (const year of ['2020', '2024']) {
    await page.setInputFiles('#inventory-import input[type=file]', join(example, `${year}.csv`));
    await page.check('#inventory-import input[name=example]');
    await Promise.all([page.waitForEvent('load'), page.click('#inventory-import button[type=submit]')]);
    await ready(page);
  }
  await page.setInputFiles('#inventory-import input[type=file]', join(example, 'projects-2024.csv'));
  await page.check('#inventory-import input[name=projects]');
  await page.fill('#inventory-import input[name=year]', '2024');
  await page.check('#inventory-import input[name=example]');
  await Promise.all([page.waitForEvent('load'), page.click('#inventory-import button[type=submit]')]);
  await page.goto(`${base}/inventory?svg`);
  await ready(page);
  assert.match(await page.textContent('#example-banner'), /示例数据/);
  assert.match(await page.textContent('#accounting [data-pollutant=NOx]'), /-28\.8%[\s\S]*6722\.22 t → 2024年 4782\.994 t[\s\S]*达标/);
  assert.match(await page.textContent('#accounting [data-pollutant=VOCs]'), /-19\.8%/);
  assert.equal(await page.locator('#projects tbody tr').count(), 9);
  assert.ok(await page.locator('[data-chart=inventory] svg path').count() > 0, 'the chart is drawn');
  await page.screenshot({ path: join(artifacts, 'inventory.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('town assessment: the office loads the rules and assesses January; a town reads how its score was made', async () => {
  lantian('import', 'areas', join(here, 'fixtures/town_areas.toml'));
  const { page, errors } = await loggedIn('office');
  await page.goto(`${base}/towns?month=2019-01`);
  await ready(page);
  // The towns ranked on their own stations: PM2.5 as `lantian assess` gives it.
  const pm25 = JSON.parse(lantian('assess', '--area', 'town-haimen', '--month', '2019-01', '--format', 'json'))
    .pollutants.find((p) => p.pollutant === 'PM2.5').mean;
  const row = page.locator('#town-ranking tr[data-town=海门街道] td');
  assert.equal((await row.allTextContents())[3], pm25);
  // The year to date through 31 January is the same month.
  await page.goto(`${base}/towns?ytd=2019-01-31`);
  await ready(page);
  assert.equal((await page.locator('#town-ranking tr[data-town=海门街道] td').allTextContents())[3], pm25);
  await page.goto(`${base}/towns?month=2019-01`);
  await ready(page);
  await page.setInputFiles('#towns-rules input[type=file]', join(repo, 'config/assessment/example-rules.toml'));
  await Promise.all([page.waitForEvent('load'), page.click('#towns-rules button[type=submit]')]);
  await ready(page);
  assert.match(await page.textContent('#rules'), /haimen-towns-example（示例）\s*第1版/);
  // A bad line of given figures is named before anything is sent.
  await page.fill('#towns-run input[name=period]', '2019-01');
  await page.fill('#towns-run textarea[name=figures]', '三星镇,complaints');
  await page.click('#towns-run button[type=submit]');
  await waitFor(async () => (await page.textContent('#towns-error')).includes('第1行'), 'the refusal');
  await page.fill('#towns-run textarea[name=figures]', '三星镇,complaints,2');
  await Promise.all([page.waitForURL(/\/towns\/results\/\d+$/), page.click('#towns-run button[type=submit]')]);
  await ready(page);
  assert.match(await page.textContent('#example-banner'), /示例规则/);
  const result = page.url();
  await page.click('#towns-check');
  await waitFor(async () => (await page.textContent('#towns-check-result')).includes('一致'), 'the check');
  await page.screenshot({ path: join(artifacts, 'towns-result.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();

  const t = await loggedIn('haimen-town');
  await t.page.goto(result);
  await ready(t.page);
  await Promise.all([t.page.waitForURL(/\/towns\/[^/]+$/), t.page.click('#result-towns a:text("海门街道")')]);
  await ready(t.page);
  const pmRow = await t.page.locator('#items tr[data-code=pm25] td').allTextContents();
  assert.equal(pmRow[1], pm25);
  assert.match(pmRow[8], /海门街道（站点 2008A）2019-01，有效天数 \d+/);
  await t.page.goto(`${result}/circular`);
  await ready(t.page);
  assert.match(await t.page.textContent('#circular h1'), /关于2019年1月各区镇大气环境质量考核结果的通报/);
  await t.page.screenshot({ path: join(artifacts, 'towns-circular.png'), fullPage: true });
  assert.deepEqual(t.errors, []);
  await t.page.close();
});

test('public pages: without a login, air quality, the warning in force and the credit disclosures, and nothing internal', async () => {
  // A data-fraud case decided and its credit record published; a second record left unpublished.
  const open = (party, title) => lantian('case', 'open', '--origin', 'inspection:双随机抽查', '--party-kind', 'agency',
    '--party', party, '--department', '生态环境局', '--town', '海门街道', '--title', title, '--on', '2019-01-05').match(/case #(\d+)/)[1];
  for (const [party, title, ref, publish] of [['某运维有限公司', '内部：篡改数采仪参数', '海环罚〔2019〕1号', true],
    ['某未公示公司', '内部：待审', '海环罚〔2019〕2号', false]]) {
    const id = open(party, title);
    lantian('case', 'step', id, 'file', '--on', '2019-01-06');
    lantian('case', 'step', id, 'investigate', '--on', '2019-01-10');
    lantian('case', 'step', id, 'decide', '--penalty', '50000', '--correct', '--on', '2019-01-12');
    const rid = lantian('credit', 'add', '--case', id, '--violation', 'fraud', '--decision-ref', ref, '--summary', '篡改在线监测数据')
      .match(/credit record #(\d+)/)[1];
    if (publish) lantian('credit', 'step', rid, 'publish', '--on', '2019-01-20');
  }
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // The browser's own favicon request (there is none: 404) is no error of the page's; it comes
  // with the first page a browser opens, whichever test that is.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.location().url?.endsWith('/favicon.ico')) errors.push(m.text());
  });
  await page.goto(`${base}/public`);
  assert.equal(new URL(page.url()).pathname, '/public', 'no redirect to the login');
  assert.ok(await page.locator('#public-stations tbody tr').count() >= 3, 'the district and its stations');
  // The district's hour: its stations' mean concentrations, then the index (only 2008A reports
  // on 31 January, so the same hour and AQI as 2008A's row).
  const district = await page.locator('#public-district td').allTextContents();
  const station = await page.locator('#public-stations tbody tr:nth-child(2) td').allTextContents();
  assert.match(district[0], /海门区（全区）/);
  assert.deepEqual(district.slice(1, 3), station.slice(1, 3));
  assert.match(await page.textContent('#public-warnings'), /黄色预警，2019-01-22 08:00 起执行/);
  const credit = await page.textContent('#public-credit');
  assert.match(credit, /某运维有限公司\s*弄虚作假\s*海环罚〔2019〕1号\s*2019-01-20\s*公示中/);
  const html = await page.content();
  const mns = lantian('device', 'list').split('\n').filter(Boolean).map((l) => l.split('\t')[0]);
  for (const secret of ['某未公示公司', '内部：', '双随机抽查', '攻坚办值班员', 'office', ...mns]) {
    assert.ok(!html.includes(secret), `${secret} on the public page`);
  }
  // Every link stays on the public pages or the assets.
  const links = await page.$$eval('a[href], link[href]', (as) => as.map((a) => a.getAttribute('href')));
  assert.ok(links.every((h) => h.startsWith('/public') || h.startsWith('/assets/')), links.join(' '));
  assert.deepEqual(errors, [], 'the page itself loads cleanly');
  // From here the API and the console are closed (the browser logs the three 401s).
  const status = await page.evaluate(async () => Promise.all(['/api/v1/devices', '/api/v1/alarms',
    '/api/v1/town-assessment/results'].map(async (u) => (await fetch(u)).status)));
  assert.deepEqual(status, [401, 401, 401]);
  const feed = await (await fetch(`${base}/public/feed.atom`)).text();
  assert.match(feed, /<title>信用信息公示：某运维有限公司（弄虚作假）<\/title>/);
  assert.match(feed, /<title>重污染天气黄色预警/);
  assert.ok(!feed.includes('某未公示公司'));
  await page.screenshot({ path: join(artifacts, 'public.png'), fullPage: true });
  assert.deepEqual(errors.filter((e) => !e.includes('401')), []);
  await context.close();
});

test('enforcement: the office opens a case from an alarm, takes it to a decision, keeps its credit record and screens a project', async () => {
  const alarm = lantian('alarm', 'list').split('\n').find((l) => /SIMF/.test(l)).trim().split(/\s+/)[0].replace('#', '');
  const { page, errors } = await loggedIn('office');
  await page.goto(`${base}/enforcement`);
  await ready(page);
  await page.selectOption('#case-open select[name=origin_kind]', 'alarm');
  await page.fill('#case-open input[name=origin_ref]', alarm);
  await page.selectOption('#case-open select[name=party_kind]', 'restaurant');
  await page.fill('#case-open input[name=party]', '模拟餐饮单位1号');
  await page.fill('#case-open input[name=department]', '生态环境局');
  await page.fill('#case-open input[name=town]', '海门街道');
  await page.fill('#case-open input[name=title]', '油烟超标排放');
  await Promise.all([page.waitForURL(/\/enforcement\/cases\/\d+$/), page.click('#case-open button[type=submit]')]);
  await ready(page);
  const caseId = page.url().match(/(\d+)$/)[1];
  assert.equal(await page.textContent('#case-state'), '已登记');
  // The alarm's frames are the evidence, each with its hash.
  assert.ok(await page.locator('#case-evidence tbody tr').count() >= 1, 'evidence frames');
  assert.match(await page.textContent('#case-evidence tbody tr td:nth-child(3)'), /^[0-9a-f]{64}$/);
  // Out of order: refused with the reason.
  await page.selectOption('#case-step select[name=step]', 'close');
  await page.click('#case-step button[type=submit]');
  await waitFor(async () => (await page.textContent('#case-error')).includes('不能结案'), 'the refusal');
  for (const s of ['file', 'investigate']) {
    await page.selectOption('#case-step select[name=step]', s);
    await Promise.all([page.waitForEvent('load'), page.click('#case-step button[type=submit]')]);
    await ready(page);
  }
  await page.selectOption('#case-step select[name=step]', 'decide');
  await page.selectOption('#case-step select[name=decision]', 'penalty');
  await page.fill('#case-step input[name=amount]', '20000');
  await page.check('#case-step input[name=order_to_correct]');
  await Promise.all([page.waitForEvent('load'), page.click('#case-step button[type=submit]')]);
  await ready(page);
  assert.equal(await page.textContent('#case-state'), '已作出决定');
  assert.match(await page.textContent('#case-events'), /作出决定：罚款 20000 元，责令改正/);
  // Evidence added without moving the case.
  await page.selectOption('#case-step select[name=step]', 'evidence');
  await page.fill('#case-step input[name=note]', '现场检查笔录');
  await Promise.all([page.waitForEvent('load'), page.click('#case-step button[type=submit]')]);
  await ready(page);
  assert.equal(await page.textContent('#case-state'), '已作出决定');
  assert.match(await page.textContent('#case-events'), /证据：现场检查笔录/);
  await page.screenshot({ path: join(artifacts, 'enforcement-case.png'), fullPage: true });

  await page.goto(`${base}/enforcement`);
  await ready(page);
  await page.fill('#credit-add input[name=case_id]', caseId);
  await page.fill('#credit-add input[name=decision_ref]', '海环罚〔2019〕3号');
  await page.fill('#credit-add input[name=summary]', '油烟超标排放');
  await Promise.all([page.waitForEvent('load'), page.click('#credit-add button[type=submit]')]);
  await ready(page);
  const row = page.locator('#credits tr', { hasText: '海环罚〔2019〕3号' });
  const rid = await row.getAttribute('data-credit');
  await page.fill('#credit-event input[name=id]', rid);
  await page.selectOption('#credit-event select[name=event]', 'publish');
  await Promise.all([page.waitForEvent('load'), page.click('#credit-event button[type=submit]')]);
  await ready(page);
  assert.match(await page.locator('#credits tr', { hasText: '海环罚〔2019〕3号' }).textContent(), /公示中/);
  // Screening: new coking capacity is refused.
  await page.fill('#screen-form input[name=name]', '焦化扩能项目');
  await page.fill('#screen-form input[name=industry]', 'coking');
  await page.check('#screen-form input[name=new_capacity]');
  await page.click('#screen-form button[type=submit]');
  await waitFor(async () => (await page.textContent('#screen-result')).includes('禁止准入'), 'the screening');
  await page.screenshot({ path: join(artifacts, 'enforcement.png'), fullPage: true });
  // The refused step is a 409 the browser logs; nothing else may fail.
  assert.deepEqual(errors.filter((e) => !e.includes('409')), []);
  await page.close();
});

// Issue #22: names from devices and map layers are text, never markup, in every chart tooltip;
// the pages run under a strict Content-Security-Policy without violating it.
const HOSTILE = '<img src=x onerror=window.__xss=1>';

// Shows the tooltip of the first item of `chart`'s series `series` whose name contains
// `needle` (or of the geo region named so) and returns the tooltip's text and HTML.
async function tooltipOf(page, chart, { series, region }) {
  return page.evaluate(async ({ chart, series, region }) => {
    const el = document.querySelector(`[data-chart=${chart}]`);
    const c = el.chart;
    if (region !== undefined) {
      c.dispatchAction({ type: 'showTip', geoIndex: 0, name: region });
    } else {
      const data = c.getOption().series[series].data;
      const i = data.findIndex((d) => String(d.name).includes('onerror'));
      if (i < 0) throw new Error('no hostile item in the series');
      c.dispatchAction({ type: 'showTip', seriesIndex: series, dataIndex: i });
    }
    await new Promise((r) => setTimeout(r, 300));
    const tip = [...el.querySelectorAll('div')].find((d) => d.textContent.includes('onerror'));
    return { text: tip?.textContent ?? null, html: tip?.innerHTML ?? null, imgs: el.querySelectorAll('img').length };
  }, { chart, series, region });
}

test('hostile names render as text in the map tooltips; no page breaks the CSP', async () => {
  // A device whose owner is markup, inside the district.
  const csv = join(dir, 'hostile-devices.csv');
  writeFileSync(csv, `mn,password,name,kind,owner_name,town,lon,lat\nXSS0000000001,123456,油烟${HOSTILE},oil_fume,"${HOSTILE}",海门街道,121.17,31.89\n`);
  const factors = join(dir, 'hostile-factors.csv');
  writeFileSync(factors, 'mn,code,name,unit,range_max,limit,window\n');
  lantian('device', 'import', csv, '--factors', factors);
  // A town layer whose feature is named with markup (a hostile or careless GeoJSON file).
  const towns = join(dir, 'hostile-towns.geojson');
  writeFileSync(towns, JSON.stringify({
    type: 'FeatureCollection',
    features: [{ type: 'Feature', properties: { name: HOSTILE }, geometry: { type: 'Polygon', coordinates: [[[121.10, 31.85], [121.40, 31.85], [121.40, 31.95], [121.10, 31.95], [121.10, 31.85]]] } }],
  }));
  lantian('import', 'boundary', towns, '--name', 'towns');

  const { page, errors } = await loggedIn('office');
  const res = await page.goto(`${base}/map?svg`);
  assert.match(res.headers()['content-security-policy'], /script-src 'self'/);
  assert.equal(res.headers()['x-frame-options'], 'DENY');
  await ready(page);
  const device = await tooltipOf(page, 'map', { series: 1 });
  assert.ok(device.text?.includes(HOSTILE), `the owner's name as text: ${device.text}`);
  assert.ok(!device.html.includes('<img'), device.html);
  assert.equal(device.imgs, 0);
  await page.screenshot({ path: join(artifacts, 'xss-map.png'), fullPage: true });

  await page.goto(`${base}/fire?svg`);
  await ready(page);
  const region = await tooltipOf(page, 'fires', { region: HOSTILE });
  assert.ok(region.text?.includes(HOSTILE), `the town's name as text: ${region.text}`);
  assert.ok(!region.html.includes('<img'), region.html);
  assert.equal(region.imgs, 0);
  // The town's label on the map is text too.
  assert.ok((await page.locator('[data-chart=fires] svg text', { hasText: 'onerror' }).count()) >= 1);
  await page.screenshot({ path: join(artifacts, 'xss-fire.png'), fullPage: true });
  assert.equal(await page.evaluate(() => window.__xss), undefined);

  // The ordinary pages under the policy: no violation (inline script, handler, style source…).
  for (const path of ['/', '/air', '/monitoring', '/alarms', '/map', '/fire', '/emergency', '/inventory', '/plan', '/plan/indicators', '/plan/scorecards', '/enforcement', '/towns', '/public']) {
    await page.goto(`${base}${path}`);
    // The public page has no script to wait for.
    if (path !== '/public') await ready(page);
    assert.deepEqual(await page.evaluate(() => window.__csp), [], path);
  }
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.deepEqual(errors, []);
  await page.close();
});

test('after the login, a next that points off the site lands on the overview', async () => {
  for (const next of ['/%5Cevil.example', '/%09/evil.example', '//evil.example', 'https://evil.example/']) {
    const { page, errors } = await newPage();
    await page.goto(`${base}/login?next=${next}`);
    await page.fill('input[name=username]', 'viewer');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/`);
    assert.deepEqual(errors, []);
    await page.close();
  }
});
