#!/usr/bin/env node
// Library UI benchmark at 1,000 machines, in Chromium through `hangar serve` (not a timed test).
//
// 1. Generates a library of N bundles: one VM made by `hangar create`, its bundle copied N-1 times with a
//    fresh id, name ("VM 0001"...) and MAC in vm.json; the engine's `list()` reconciles them into the index.
// 2. Starts `out/main/serve.js` on it and loads the page in Debian Chromium (playwright-core), 1280x800.
// 3. Measures, inside the page (performance.now(), whose origin is the navigation start):
//    - first paint of the library: navigation start → the "Virtual machines" listbox has its first option
//      (a MutationObserver), and → the next animation frame after that (the frame that shows it);
//      also, from outside, page.goto() → the option is visible (Playwright timing, includes the round trips).
//      Twice, each the median of --loads loads, every load in a freshly launched browser (on-disk profile,
//      as a user opening the page; the access cookie is set beforehand, so no token redirect is timed) that is
//      given --settle-ms (1 s) to finish starting before it navigates; and both again without that wait:
//        cold: a new, empty profile per load (no HTTP cache, no V8 code cache);
//        warm: one profile reused, primed by 2 loads first (the browser host lets content-hashed assets be
//              cached, so the script comes from the disk cache with V8's code cache, as on a reopened tab);
//    - a filter keystroke: the key's event timestamp → the options in the list all match the search box
//      and differ from before (MutationObserver), and → the next animation frame; median of 10 keystrokes
//      (a digit typed, then Backspace, alternately, so every keystroke changes the list);
//    - scrolling: the list scrolled to its end in steps of 300 px per frame; frame intervals and long tasks
//      (PerformanceObserver 'longtask', > 50 ms).
//    Each first-paint figure is also measured on a baseline page in the same run, served by the same host
//    (written into out/renderer for the run): plain HTML + JS, no framework, that opens the same engine
//    WebSocket (same cookie), asks for the same `library.list`, sorts it by name and writes the rows in view
//    into a listbox; the figure is Hangar ÷ baseline (target ≤ 1.5×). Hangar and baseline loads alternate.
//    `library.list` itself: round trips over serve's engine control socket at N machines (target ≤ 20 ms).
// 4. Appends (or replaces) the "## Library" section of docs/benchmarks.md, and writes the raw numbers to
//    bench/library-latest.json. The load average is read before and after.
//
//   node scripts/bench-library.js                 1,000 VMs, 5 page loads, writes the report
//   node scripts/bench-library.js --vms 200 --no-write
//   node scripts/bench-library.js --keep          keep the generated library (prints its path)
//   node scripts/bench-library.js --settle-ms 0   navigate as soon as the browser has started
//   node scripts/bench-library.js --launch-series also the loads with the browser launched with the page (Hangar only)
//   node scripts/bench-library.js --note TEXT     a paragraph for the report (e.g. what else loaded the machine)
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createConnection } from 'node:net';
import { median } from './bench-common.js';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const hangarBin = join(root, 'bin', 'hangar.js');
const serveJs = join(root, 'out', 'main', 'serve.js');
const CHROMIUM = process.env.HANGAR_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TARGETS = { firstPaintRatio: 1.5, filterMs: 50, listMs: 20 };
const loadAvg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/**
 * The baseline page: what any page showing the library must do, with nothing else. Same host, same cookie, same
 * WebSocket and request; the rows in view (800 px / 52 px rows + the list's overscan of 6) sorted by name.
 */
const BASELINE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="UTF-8"><title>Baseline</title>
<script type="module" src="./assets/bench-baseline-B4s3l1n3.js"></script></head>
<body><div role="listbox" aria-label="Virtual machines" style="height:100vh;overflow-y:auto"></div></body></html>
`;
const BASELINE_JS = `const list = document.querySelector('[role="listbox"]');
const ws = new WebSocket(\`\${location.protocol === 'https:' ? 'wss' : 'ws'}://\${location.host}/engine\`);
ws.onopen = () => ws.send(JSON.stringify({ type: 'request', id: 1, command: 'library.list', args: {} }));
ws.onmessage = (e) => {
  const m = JSON.parse(e.data);
  if (m.type !== 'response' || m.id !== 1 || !m.ok) return;
  const vms = m.result.slice().sort((a, b) => a.name.localeCompare(b.name));
  const n = Math.min(vms.length, Math.ceil(list.clientHeight / 52) + 6);
  const frag = document.createDocumentFragment();
  for (let i = 0; i < n; i++) {
    const row = document.createElement('div');
    row.setAttribute('role', 'option');
    row.setAttribute('aria-label', vms[i].name);
    row.style.height = '52px';
    row.textContent = \`\${vms[i].name} · \${vms[i].state.kind}\`;
    frag.append(row);
  }
  list.append(frag);
};
`;

/** Puts the baseline page among the built renderer's files (served like them); returns its removal. */
function installBaseline() {
  const files = [join(root, 'out', 'renderer', 'bench-baseline.html'), join(root, 'out', 'renderer', 'assets', 'bench-baseline-B4s3l1n3.js')];
  writeFileSync(files[0], BASELINE_HTML);
  writeFileSync(files[1], BASELINE_JS);
  return () => files.forEach((f) => rmSync(f, { force: true }));
}
const OS_IDS = ['debian12', 'ubuntu24.04', 'fedora41', 'archlinux', 'alpinelinux', 'freebsd', 'win11', 'win10', 'opensusetumbleweed', 'generic'];

const { values: opts } = parseArgs({
  options: {
    vms: { type: 'string' },
    loads: { type: 'string' },
    keystrokes: { type: 'string' },
    'no-write': { type: 'boolean' },
    keep: { type: 'boolean' },
    out: { type: 'string' },
    note: { type: 'string' },
    'settle-ms': { type: 'string' },
    'launch-series': { type: 'boolean' },
  },
});
const VM_COUNT = Number(opts.vms ?? 1000);
const LOADS = Number(opts.loads ?? 5);
const KEYSTROKES = Number(opts.keystrokes ?? 10);
const SETTLE_MS = Number(opts['settle-ms'] ?? 1000);
const outFile = opts.out ?? join(root, 'docs', 'benchmarks.md');

const log = (line) => process.stdout.write(`${line}\n`);
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const ms = (x) => `${x.toFixed(1)} ms`;

function hangar(lib, env, ...args) {
  return execFileSync(process.execPath, [hangarBin, '--library', lib, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

/** N bundles: one real one from the CLI, the rest copies with their own id, name, MAC and folder. */
function generateLibrary(lib, env) {
  const t0 = performance.now();
  const firstName = `VM ${String(1).padStart(4, '0')}`;
  hangar(lib, env, 'create', firstName, '--os', OS_IDS[0], '--memory', '1024');
  const [templateDir] = readdirSync(lib).filter((n) => n.endsWith('.hangar'));
  if (!templateDir) throw new Error('hangar create made no bundle');
  const template = JSON.parse(readFileSync(join(lib, templateDir, 'vm.json'), 'utf8'));
  for (let i = 2; i <= VM_COUNT; i++) {
    const id = randomUUID();
    const name = `VM ${String(i).padStart(4, '0')}`;
    const dir = join(lib, `vm-${String(i).padStart(4, '0')}-${id.replace(/-/g, '').slice(0, 8)}.hangar`);
    cpSync(join(lib, templateDir), dir, { recursive: true });
    const mac = `52:54:00:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
    const osId = OS_IDS[(i - 1) % OS_IDS.length];
    const doc = { ...template, id, name, osId, memoryMiB: 512 * (1 + (i % 8)), network: { ...template.network, mac } };
    writeFileSync(join(dir, 'vm.json'), `${JSON.stringify(doc, null, 2)}\n`);
  }
  return performance.now() - t0;
}

function startServe(lib, env) {
  const serve = spawn(process.execPath, [serveJs, '--library', lib], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  serve.stderr.on('data', (d) => (stderr += d));
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL; stderr: ${stderr}`)), 60_000);
    serve.stdout.on('data', (d) => {
      stdout += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    serve.once('exit', (code) => reject(new Error(`serve exited with ${code}; stderr: ${stderr}`)));
  });
  // serve's engine records its control socket in the library's lock file.
  const socket = url.then(() => JSON.parse(readFileSync(join(lib, '.hangar-engine.lock'), 'utf8')).controlSocket);
  return { serve, url, socket };
}

/**
 * `library.list` over the engine's control socket (a connected client, as serve's relay is), on a raw socket so
 * the engine's part shows apart: request written → the answer's first byte (the engine's handler and its JSON:
 * the engine's answer time, the target), and → the whole answer received and parsed (the round trip).
 */
async function measureList(socketPath, count = 20) {
  const sock = createConnection(socketPath);
  await new Promise((resolve, reject) => sock.once('connect', resolve).once('error', reject));
  try {
    const answer = [];
    const trip = [];
    let rows = 0;
    let bytes = 0;
    for (let i = 0; i < count + 2; i++) {
      const r = await new Promise((resolve, reject) => {
        let first = null;
        const chunks = [];
        const onData = (d) => {
          first ??= performance.now();
          chunks.push(d);
          if (d[d.length - 1] !== 0x0a) return;
          sock.off('data', onData);
          const buf = Buffer.concat(chunks);
          const m = JSON.parse(buf.toString('utf8'));
          if (m.type !== 'response' || m.id !== i + 1 || !m.ok) return reject(new Error(`library.list: unexpected answer ${JSON.stringify(m).slice(0, 200)}`));
          resolve({ first: first - t0, whole: performance.now() - t0, rows: m.result.length, bytes: buf.length });
        };
        sock.on('data', onData);
        const t0 = performance.now();
        sock.write(`${JSON.stringify({ type: 'request', id: i + 1, command: 'library.list', args: {} })}\n`);
      });
      rows = r.rows;
      bytes = r.bytes;
      if (i >= 2) {
        answer.push(r.first);
        trip.push(r.whole);
      }
    }
    return { median: median(answer), p95: pct(answer, 95), all: answer, trip: median(trip), tripAll: trip, rows, bytes };
  } finally {
    sock.destroy();
  }
}

/** Installed before any page script: records when the first option appears, and the frame after it. */
const FIRST_PAINT_PROBE = `
(() => {
  const probe = (window.__hangarBench = { firstOption: null, firstFrame: null, fcp: null, wsOpen: null, listSent: null, listArrived: null });
  // Where the time goes: when the engine WebSocket opens and when the library list (the first large message) arrives.
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('open', () => probe.wsOpen ??= performance.now());
      const send = this.send.bind(this);
      this.send = (data) => {
        if (probe.listSent === null && typeof data === 'string' && data.includes('"library.list"')) probe.listSent = performance.now();
        send(data);
      };
      this.addEventListener('message', (e) => {
        if (probe.listArrived === null && typeof e.data === 'string' && e.data.length > 10000) probe.listArrived = performance.now();
      });
    }
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.name === 'first-contentful-paint') probe.fcp = e.startTime;
  }).observe({ type: 'paint', buffered: true });
  const found = () => document.querySelector('[role="listbox"][aria-label="Virtual machines"] [role="option"]');
  const mo = new MutationObserver(() => {
    if (probe.firstOption !== null || !found()) return;
    probe.firstOption = performance.now();
    mo.disconnect();
    requestAnimationFrame(() => {
      probe.firstFrame = performance.now();
    });
  });
  mo.observe(document, { childList: true, subtree: true });
})();
`;

async function measureFirstPaint(context, url, settleMs = SETTLE_MS) {
  const page = await context.newPage();
  // Let the just-launched browser finish its own start-up first: the page is opened in a running browser
  // (as a user clicking the link), and the browser's start-up work is not the library's first paint.
  // The "launched with the page" series (settleMs 0) shows the other case.
  if (settleMs > 0) await page.waitForTimeout(settleMs);
  const t0 = performance.now();
  await page.goto(url);
  await page.getByRole('listbox', { name: 'Virtual machines' }).getByRole('option').first().waitFor({ timeout: 60_000 });
  const outside = performance.now() - t0;
  await page.waitForFunction(() => window.__hangarBench?.firstFrame !== null);
  const inPage = await page.evaluate(() => ({ ...window.__hangarBench, dcl: performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd ?? null }));
  const options = await page.getByRole('option').count();
  return { page, outside, ...inPage, optionsInDom: options };
}

/** Size of the built page entry (out/renderer/assets/boot-*.js), as this run served it. */
function bootEntryKiB() {
  const assets = join(root, 'out', 'renderer', 'assets');
  const entry = readdirSync(assets).find((n) => /^boot-.*\.js$/.test(n));
  return entry ? (statSync(join(assets, entry)).size / 1024).toFixed(1) : '?';
}

/** A browser on an on-disk profile (incognito contexts have no V8 code cache), with the access cookie and the probe. */
async function launchProfile(profileDir, url) {
  const u = new URL(url);
  const context = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 800 } });
  await context.addCookies([{ name: `hangar_token_${u.port}`, value: u.searchParams.get('token'), url: u.origin, httpOnly: true, sameSite: 'Strict' }]);
  await context.addInitScript(FIRST_PAINT_PROBE);
  return context;
}

/** Bytes in a profile's V8 code cache (evidence that warm loads can use it). */
function codeCacheBytes(profileDir) {
  let total = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else total += statSync(join(d, e.name)).size;
    }
  };
  for (const d of [join(profileDir, 'Default', 'Code Cache', 'js')]) if (existsSync(d)) walk(d);
  return total;
}

function summarize(loads) {
  return {
    firstOption: median(loads.map((l) => l.firstOption)),
    firstFrame: median(loads.map((l) => l.firstFrame)),
    outside: median(loads.map((l) => l.outside)),
    fcp: median(loads.map((l) => l.fcp ?? NaN)),
    optionsInDom: loads.at(-1).optionsInDom,
    dcl: median(loads.map((l) => l.dcl ?? NaN)),
    wsOpen: median(loads.map((l) => l.wsOpen ?? NaN)),
    listSent: median(loads.map((l) => l.listSent ?? NaN)),
    listArrived: median(loads.map((l) => l.listArrived ?? NaN)),
    all: loads.map((l) => l.firstOption),
  };
}

/** Types KEYSTROKES keys into "Search machines" (digit, Backspace, digit, ...), timing each in the page. */
async function measureFilter(page) {
  const search = page.getByRole('searchbox', { name: 'Search machines' });
  await search.click();
  await page.evaluate(() => {
    const listbox = document.querySelector('[role="listbox"][aria-label="Virtual machines"]');
    const input = document.activeElement;
    const snapshot = () => [...listbox.querySelectorAll('[role="option"]')].map((o) => o.getAttribute('aria-label')).join('\n');
    const matches = () => {
      const words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      return [...listbox.querySelectorAll('[role="option"]')].every((o) => {
        const hay = `${o.getAttribute('aria-label')} ${o.querySelector('[role="img"]')?.getAttribute('aria-label') ?? ''}`.toLowerCase();
        return words.every((w) => hay.includes(w));
      });
    };
    const state = (window.__hangarFilter = { pending: null, results: [] });
    input.addEventListener(
      'keydown',
      (e) => {
        state.pending = { start: e.timeStamp, before: snapshot() };
      },
      true,
    );
    new MutationObserver(() => {
      const p = state.pending;
      if (!p || snapshot() === p.before || !matches()) return;
      state.pending = null;
      const dom = performance.now();
      const count = listbox.querySelectorAll('[role="option"]').length;
      requestAnimationFrame(() => {
        state.results.push({ dom: dom - p.start, frame: performance.now() - p.start, query: input.value, optionsInDom: count });
      });
    }).observe(listbox, { childList: true, subtree: true, attributes: true, characterData: true });
  });
  const digits = ['7', '3', '9', '5', '1', '8', '2', '6', '4', '0'];
  for (let i = 0; i < KEYSTROKES; i++) {
    const key = i % 2 === 0 ? digits[(i / 2) % digits.length] : 'Backspace';
    await page.keyboard.press(key);
    await page.waitForFunction((n) => window.__hangarFilter.results.length >= n, i + 1, { timeout: 30_000 });
    await page.waitForTimeout(150);
  }
  const results = await page.evaluate(() => window.__hangarFilter.results);
  const status = await page.getByRole('status').filter({ hasText: 'machines' }).first().textContent();
  return { results, status };
}

/** Scrolls the list to its end, 300 px per frame; frame intervals and long tasks meanwhile. */
async function measureScroll(page) {
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        const listbox = document.querySelector('[role="listbox"][aria-label="Virtual machines"]');
        listbox.scrollTop = 0;
        const longTasks = [];
        const po = new PerformanceObserver((list) => {
          for (const e of list.getEntries()) longTasks.push(e.duration);
        });
        po.observe({ type: 'longtask' });
        const frames = [];
        let last = performance.now();
        const start = last;
        const step = () => {
          const now = performance.now();
          frames.push(now - last);
          last = now;
          if (listbox.scrollTop + listbox.clientHeight >= listbox.scrollHeight - 1) {
            // One more frame so the last position is rendered, then let long-task entries arrive.
            requestAnimationFrame(() =>
              setTimeout(() => {
                po.disconnect();
                const last = listbox.querySelectorAll('[role="option"]');
                resolve({
                  frames: frames.slice(1),
                  totalMs: performance.now() - start,
                  longTasks,
                  scrollHeight: listbox.scrollHeight,
                  lastOption: last[last.length - 1]?.getAttribute('aria-label') ?? null,
                  optionsInDom: last.length,
                });
              }, 200),
            );
            return;
          }
          listbox.scrollTop += 300;
          requestAnimationFrame(step);
        };
        requestAnimationFrame(step);
      }),
  );
}

function machineFacts(browserVersion) {
  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  return {
    cpuModel,
    cores: cpus().length,
    memoryGiB: (totalmem() / 1024 ** 3).toFixed(1),
    node: process.version,
    kernel: release(),
    chromium: `${browserVersion} (${CHROMIUM}, headless, --disable-gpu, via playwright-core)`,
  };
}

function writeReport(r) {
  const verdict = (ok) => (ok ? 'meets the target' : 'misses the target');
  const { cold, warm, coldBaseline, warmBaseline, coldLaunch, warmLaunch } = r.firstPaint;
  const both = (f) => `${f(cold)} / ${f(warm)}`;
  const fp = cold;
  const ratio = (a, b) => a.firstOption / b.firstOption;
  const coldRatio = ratio(cold, coldBaseline);
  const warmRatio = ratio(warm, warmBaseline);
  const launchRow = coldLaunch && warmLaunch ? `| Hangar with the browser **launched with the page** (navigating as soon as it has started, so its own start-up work shares the 2 cores), cold / warm | ${ms(coldLaunch.firstOption)} / ${ms(warmLaunch.firstOption)} | — |\n` : '';
  const section = `## Library

Generated by \`node scripts/bench-library.js\` (part of \`npm run bench\`) on ${r.date}: ${r.vms} machines in one library,
\`hangar serve\` on it, the page in Chromium at 1280×800. Raw numbers: \`bench/library-latest.json\`.

| | |
|---|---|
| CPU | ${r.machine.cpuModel}, ${r.machine.cores} cores |
| Memory | ${r.machine.memoryGiB} GiB |
| Browser | Chromium ${r.machine.chromium} |
| Node | ${r.machine.node} |
| Kernel | ${r.machine.kernel} |
| Load average (1, 5, 15 min) before / after | ${r.loadAvgBefore} / ${r.loadAvg} on ${r.machine.cores} cores |

| Figure (${r.vms} machines) | Measured | Target |
|---|---|---|
| First paint, **cold** (a new browser profile: nothing cached), Hangar ÷ baseline page: navigation start → first option in the list, medians of ${r.loads} loads each, alternating | **${coldRatio.toFixed(2)}×** (${verdict(coldRatio <= TARGETS.firstPaintRatio)}); ${ms(cold.firstOption)} / ${ms(coldBaseline.firstOption)} | ≤ ${TARGETS.firstPaintRatio}× |
| First paint, **warm** (the same profile, browser relaunched: scripts from the disk cache with V8's code cache), Hangar ÷ baseline page | **${warmRatio.toFixed(2)}×** (${verdict(warmRatio <= TARGETS.firstPaintRatio)}); ${ms(warm.firstOption)} / ${ms(warmBaseline.firstOption)} | ≤ ${TARGETS.firstPaintRatio}× |
| \`library.list\` at ${r.list.rows} machines answered by the engine: request written to its control socket → the answer's first byte (the handler and its JSON), median (p95) of ${r.list.all.length} | **${ms(r.list.median)}** (${ms(r.list.p95)}; ${verdict(r.list.median <= TARGETS.listMs)}) | ≤ ${TARGETS.listMs} ms |
| … the whole answer received and parsed by the client (${(r.list.bytes / 1024).toFixed(0)} KiB of JSON), median | ${ms(r.list.trip)} | — |
${launchRow}| Hangar … → the next animation frame (the frame that shows it), cold / warm | ${both((x) => ms(x.firstFrame))} | — |
| Hangar … page.goto() → option visible, timed by Playwright from outside, cold / warm | ${both((x) => ms(x.outside))} | — |
| Hangar first contentful paint (the early rows' frame), cold / warm | ${both((x) => ms(x.fcp))} | — |
| Where the time goes, Hangar cold (medians, from navigation start): boot script run (DOMContentLoaded) / engine WebSocket open / \`library.list\` asked / its answer handled / first option | ${ms(cold.dcl)} / ${ms(cold.wsOpen)} / ${ms(cold.listSent)} / ${ms(cold.listArrived)} / ${ms(cold.firstOption)} | — |
| … the same, baseline cold | ${ms(coldBaseline.dcl)} / ${ms(coldBaseline.wsOpen)} / ${ms(coldBaseline.listSent)} / ${ms(coldBaseline.listArrived)} / ${ms(coldBaseline.firstOption)} | — |
| … Hangar warm | ${ms(warm.dcl)} / ${ms(warm.wsOpen)} / ${ms(warm.listSent)} / ${ms(warm.listArrived)} / ${ms(warm.firstOption)} | — |
| … baseline warm | ${ms(warmBaseline.dcl)} / ${ms(warmBaseline.wsOpen)} / ${ms(warmBaseline.listSent)} / ${ms(warmBaseline.listArrived)} / ${ms(warmBaseline.firstOption)} | — |
| Filter keystroke → list updated (key event → options match, DOM), median of ${r.filter.count} | **${ms(r.filter.dom)}** (${verdict(r.filter.dom < TARGETS.filterMs)}) | < ${TARGETS.filterMs} ms |
| … → the next animation frame, median (max) | ${ms(r.filter.frame)} (${ms(r.filter.frameMax)}) | — |
| Scroll to the end (${r.scroll.px} px, 300 px per frame): frames, median / p95 / max frame interval | ${r.scroll.frames} frames, ${ms(r.scroll.median)} / ${ms(r.scroll.p95)} / ${ms(r.scroll.max)} | — |
| … long tasks (> 50 ms) while scrolling | ${r.scroll.longTasks} | 0 |
| Options in the DOM (virtualized) at first paint / after scrolling | ${warm.optionsInDom} / ${r.scroll.optionsInDom} | — |

The baseline page is what any page that shows this library must do and nothing else: plain HTML and one small script,
served by the same host with the same cookie, opening the same engine WebSocket, asking the same \`library.list\`,
sorting by name and writing the rows in view (800 px of 52 px rows plus the list's overscan) into a listbox. Absolute
times move with the machine and its load; the ratio, from loads that alternate Hangar / baseline in one run, is the target.
Cold is a first visit (or a cleared cache); warm is a user reopening the page in a browser. Every load is in a newly
launched browser with the access cookie set beforehand, so the token redirect of a first visit is not timed; the browser
is given ${r.settleMs} ms to finish starting before it navigates, as when a user opens the link in a browser that is
already running. The Electron app is not measured here: it loads the same page from \`app://\`, registered with
\`codeCache: true\` (src-main/app/app-protocol.ts), so after its first launches it is warm. The warm profile held
${(r.warmCodeCacheBytes / 1024).toFixed(0)} KiB of V8 code cache after its 2 priming loads.
First paint per load (first option, ms), Hangar / baseline: cold ${cold.all.map((x, i) => `${x.toFixed(0)}/${coldBaseline.all[i]?.toFixed(0)}`).join(', ')};
warm ${warm.all.map((x, i) => `${x.toFixed(0)}/${warmBaseline.all[i]?.toFixed(0)}`).join(', ')}.
\`library.list\` answered by the engine (ms): ${r.list.all.map((x) => x.toFixed(1)).join(', ')}; round trips: ${r.list.tripAll.map((x) => x.toFixed(1)).join(', ')}.
Filter keystrokes (key → DOM, ms): ${r.filter.all.map((x) => x.toFixed(1)).join(', ')}.
Generating the ${r.vms} bundles took ${(r.generateMs / 1000).toFixed(1)} s; the first \`hangar list\` through serve's engine (which reads and indexes them all) ${ms(r.firstListMs)}, CLI start-up included.

Reading the first-paint breakdown. Hangar's entry (\`boot\`, ${bootEntryKiB()} KiB as built, no React) opens the engine WebSocket and asks for
\`library.list\` as soon as it opens (${ms(fp.listSent)} cold), while the browser fetches React + MUI (the \`first-paint\` chunk, preloaded
by index.html). The answer is handled ${ms(fp.listArrived - fp.listSent)} later (cold; the baseline's ${ms(coldBaseline.listArrived - coldBaseline.listSent)}),
and the boot entry writes the rows in view at once as plain DOM (src-renderer/early-list.ts): ${ms(fp.firstOption - fp.listArrived)} from the
answer to the first option (the baseline: ${ms(coldBaseline.firstOption - coldBaseline.listArrived)}). Only then is React evaluated; its first render
puts the same rows in the same places and removes the early ones in that commit (test/e2e/first-paint.test.ts checks both).
${r.note ? `\n${r.note}\n` : ''}
How it is measured: inside the page, \`performance.now()\` (origin: navigation start) when a MutationObserver first sees an
option in the "Virtual machines" listbox (both pages have one), and in the \`requestAnimationFrame\` after it; for a keystroke, from the
keydown event's timestamp until the options shown all match the search text (name or OS) and differ from before.
The pages are served by \`out/main/serve.js\` (the built, minified renderer) over loopback; the list comes over the WebSocket.
`;
  let md = existsSync(outFile) ? readFileSync(outFile, 'utf8') : '# Benchmarks\n';
  const start = md.search(/^## Library\s*$/m);
  if (start >= 0) {
    const rest = md.slice(start + 1);
    const next = rest.search(/^## /m);
    md = md.slice(0, start) + (next >= 0 ? rest.slice(next) : '');
  }
  md = `${md.trimEnd()}\n\n${section}`;
  writeFileSync(outFile, md);
}

async function main() {
  for (const f of [serveJs, join(root, 'out', 'renderer', 'index.html')]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\` first`);
  }
  const work = mkdtempSync(join(tmpdir(), 'hangar-bench-library-'));
  const lib = join(work, 'library');
  const runtimeBase = mkdtempSync('/tmp/hgb-');
  const env = { ...process.env, XDG_RUNTIME_DIR: runtimeBase, HANGAR_LIBRARY: lib };
  const loadAvgBefore = loadAvg();
  const removeBaseline = installBaseline();
  let serve = null;
  let browser = null;
  try {
    log(`generating ${VM_COUNT} bundles in ${lib}`);
    const generateMs = generateLibrary(lib, env);
    log(`generated in ${(generateMs / 1000).toFixed(1)} s`);
    const started = startServe(lib, env);
    serve = started.serve;
    const url = await started.url;
    // The first list reads and indexes every bundle; time it (through serve's engine) and keep it out of the page loads.
    const t0 = performance.now();
    hangar(lib, env, 'list');
    const firstListMs = performance.now() - t0;
    log(`engine: first \`hangar list\` in ${ms(firstListMs)} (CLI process included)`);

    const list = await measureList(await started.socket);
    log(`engine: library.list at ${list.rows} machines answered by the engine (request → first byte) median ${ms(list.median)}, p95 ${ms(list.p95)} (target ≤ ${TARGETS.listMs} ms); whole answer parsed: median ${ms(list.trip)}`);

    const origin = new URL(url).origin;
    const uiUrl = { hangar: `${origin}/`, baseline: `${origin}/bench-baseline.html` };
    const describe = (r) => `first option ${ms(r.firstOption)}, next frame ${ms(r.firstFrame)}, goto→visible ${ms(r.outside)}, FCP ${ms(r.fcp ?? NaN)}; DOMContentLoaded ${ms(r.dcl ?? NaN)}, WebSocket open ${ms(r.wsOpen ?? NaN)}, list asked ${ms(r.listSent ?? NaN)}, list arrived ${ms(r.listArrived ?? NaN)}`;
    // Cold: every load in a new browser on a new, empty profile; Hangar and the baseline alternate (A B A B).
    const coldSeries = async (settleMs, what, sides) => {
      const loads = { hangar: [], baseline: [] };
      for (let i = 0; i < LOADS; i++) {
        for (const side of sides) {
          const profile = mkdtempSync(join(work, 'profile-cold-'));
          const context = (browser = await launchProfile(profile, url));
          const r = await measureFirstPaint(context, uiUrl[side], settleMs);
          log(`${what}, ${side} ${i + 1}/${LOADS}: ${describe(r)}`);
          loads[side].push(r);
          await context.close();
          rmSync(profile, { recursive: true, force: true });
        }
      }
      return loads;
    };
    const cold = await coldSeries(SETTLE_MS, 'cold load', ['hangar', 'baseline']);
    const coldLaunch = opts['launch-series'] ? await coldSeries(0, 'cold load, browser launched with the page', ['hangar']) : null;
    // Warm: one profile per page, primed by 2 loads (V8 caches a script's code on its second run and uses it from
    // the third), then every load in a relaunched browser on it (memory cache gone; disk cache and code cache kept).
    const warmProfile = { hangar: join(work, 'profile-warm'), baseline: join(work, 'profile-warm-baseline') };
    for (const side of ['hangar', 'baseline']) {
      for (let i = 0; i < 2; i++) {
        const context = (browser = await launchProfile(warmProfile[side], url));
        const r = await measureFirstPaint(context, uiUrl[side]);
        await r.page.waitForTimeout(1000);
        await context.close();
      }
    }
    const warmCodeCache = codeCacheBytes(warmProfile.hangar);
    log(`warm profile primed: ${(warmCodeCache / 1024).toFixed(0)} KiB in its V8 code cache`);
    const warmLaunchLoads = [];
    if (opts['launch-series']) {
      for (let i = 0; i < LOADS; i++) {
        const context = (browser = await launchProfile(warmProfile.hangar, url));
        const r = await measureFirstPaint(context, uiUrl.hangar, 0);
        log(`warm load, browser launched with the page ${i + 1}/${LOADS}: ${describe(r)}`);
        warmLaunchLoads.push(r);
        await context.close();
      }
    }
    const warm = { hangar: [], baseline: [] };
    for (let i = 0; i < LOADS; i++) {
      for (const side of ['baseline', 'hangar']) {
        const context = (browser = await launchProfile(warmProfile[side], url));
        const r = await measureFirstPaint(context, uiUrl[side]);
        log(`warm load, ${side} ${i + 1}/${LOADS}: ${describe(r)}`);
        warm[side].push(r);
        // The last Hangar page stays open for the filter and scroll figures.
        if (!(side === 'hangar' && i === LOADS - 1)) await context.close();
      }
    }
    const warmLoads = warm.hangar;
    const page = warmLoads.at(-1).page;
    const count = await page.getByRole('status').filter({ hasText: 'machines' }).first().textContent();
    log(`page shows: ${count}`);

    const filter = await measureFilter(page);
    for (const f of filter.results) log(`keystroke → "${f.query}": DOM ${ms(f.dom)}, frame ${ms(f.frame)} (${f.optionsInDom} options in the DOM)`);
    await page.getByRole('searchbox', { name: 'Search machines' }).fill('');
    await page.waitForTimeout(300);

    const scroll = await measureScroll(page);
    log(`scroll: ${scroll.frames.length} frames in ${ms(scroll.totalMs)}, median ${ms(median(scroll.frames))}, p95 ${ms(pct(scroll.frames, 95))}, max ${ms(Math.max(...scroll.frames))}, long tasks ${scroll.longTasks.length}, last option "${scroll.lastOption}"`);

    const report = {
      date: new Date().toISOString().slice(0, 10),
      note: opts.note ?? null,
      vms: VM_COUNT,
      loads: LOADS,
      machine: machineFacts(execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().replace(/^Chromium\s+/, '')),
      loadAvgBefore,
      loadAvg: loadAvg(),
      list: { median: list.median, p95: list.p95, all: list.all, trip: list.trip, tripAll: list.tripAll, rows: list.rows, bytes: list.bytes },
      generateMs,
      firstListMs,
      warmCodeCacheBytes: warmCodeCache,
      settleMs: SETTLE_MS,
      firstPaint: {
        cold: summarize(cold.hangar),
        warm: summarize(warm.hangar),
        coldBaseline: summarize(cold.baseline),
        warmBaseline: summarize(warm.baseline),
        coldLaunch: coldLaunch ? summarize(coldLaunch.hangar) : null,
        warmLaunch: warmLaunchLoads.length ? summarize(warmLaunchLoads) : null,
      },
      filter: {
        count: filter.results.length,
        dom: median(filter.results.map((f) => f.dom)),
        frame: median(filter.results.map((f) => f.frame)),
        frameMax: Math.max(...filter.results.map((f) => f.frame)),
        all: filter.results.map((f) => f.dom),
        raw: filter.results,
      },
      scroll: {
        px: scroll.scrollHeight,
        frames: scroll.frames.length,
        median: median(scroll.frames),
        p95: pct(scroll.frames, 95),
        max: Math.max(...scroll.frames),
        longTasks: scroll.longTasks.length,
        longTaskMs: scroll.longTasks,
        optionsInDom: scroll.optionsInDom,
        lastOption: scroll.lastOption,
      },
    };
    const fp = report.firstPaint;
    log(`first paint median, Hangar ÷ baseline: cold ${(fp.cold.firstOption / fp.coldBaseline.firstOption).toFixed(2)}× (${ms(fp.cold.firstOption)} / ${ms(fp.coldBaseline.firstOption)}), warm ${(fp.warm.firstOption / fp.warmBaseline.firstOption).toFixed(2)}× (${ms(fp.warm.firstOption)} / ${ms(fp.warmBaseline.firstOption)}) (target ≤ ${TARGETS.firstPaintRatio}×); filter median ${ms(report.filter.dom)} (target < ${TARGETS.filterMs} ms); load average before ${loadAvgBefore}, after ${report.loadAvg}`);
    if (!opts['no-write']) {
      mkdirSync(join(root, 'bench'), { recursive: true });
      writeFileSync(join(root, 'bench', 'library-latest.json'), `${JSON.stringify(report, null, 2)}\n`);
      writeReport(report);
      log(`wrote ${outFile} (## Library) and bench/library-latest.json`);
    }
  } finally {
    removeBaseline();
    await browser?.close().catch(() => undefined);
    if (serve && serve.exitCode === null) {
      const exited = new Promise((r) => serve.once('exit', r));
      serve.kill('SIGTERM');
      await exited;
    }
    rmSync(runtimeBase, { recursive: true, force: true });
    if (opts.keep) log(`kept ${lib}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench-library: ${err.stack ?? err}\n`);
  process.exitCode = 1;
});
