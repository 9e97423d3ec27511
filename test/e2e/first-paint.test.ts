// The library's first paint (issue 5), in the built page: a small `boot` entry without React asks the engine for
// the list while React + MUI (the preloaded `first-paint` chunk) download and compile, and the window's first
// render already holds the machines: no empty window rendered first and then again with the list.
// (docs/benchmarks.md measures the time at 1,000 machines; this proves the order, which does not depend on speed.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/engine-harness.js';
import { closeE2e, launchBrowser, makeE2eDirs, spawnServe, type E2eContext } from '../helpers/e2e-harness.js';
import { runHangar } from '../helpers/cli-runner.js';

const out = join(repoRoot, 'out', 'renderer');
const ctx = {} as E2eContext;

/** Installed before the page's scripts: when the engine WebSocket is made, and what #root holds when it first fills. */
const PROBE = `
(() => {
  const probe = (window.__firstPaint = { listAnswered: null, firstFill: null, optionsAtFirstFill: null, fills: 0 });
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      if (!String(args[0]).endsWith('/engine')) return;
      let listId = null;
      const send = this.send.bind(this);
      this.send = (data) => {
        const msg = JSON.parse(data);
        if (msg.command === 'library.list') listId ??= msg.id;
        send(data);
      };
      this.addEventListener('message', (e) => {
        const msg = JSON.parse(e.data);
        if (msg.type === 'response' && msg.id === listId) probe.listAnswered ??= performance.now();
      });
    }
  };
  const watch = () => {
    const root = document.getElementById('root');
    if (!root) return false;
    new MutationObserver(() => {
      if (root.childElementCount === 0) return;
      probe.fills++;
      if (probe.firstFill !== null) return;
      probe.firstFill = performance.now();
      probe.optionsAtFirstFill = root.querySelectorAll('[role="listbox"][aria-label="Virtual machines"] [role="option"]').length;
    }).observe(root, { childList: true });
    return true;
  };
  if (!watch()) document.addEventListener('DOMContentLoaded', watch, { once: true });
})();
`;

describe('first paint of the library', () => {
  beforeAll(async () => {
    Object.assign(ctx, makeE2eDirs('first-paint', 'hgfp'));
    for (const name of ['alpha', 'beta', 'gamma']) await runHangar(ctx.library, ctx.env, ['create', name, '--memory', '64'], { timeout: 60_000 });
    const started = spawnServe({ library: ctx.library, env: ctx.env });
    ctx.serve = started.serve;
    ctx.url = await started.url;
    ({ browser: ctx.browser, page: ctx.page } = await launchBrowser({ width: 1280, height: 800 }));
  });

  afterAll(() => closeE2e(ctx));

  it('builds a small boot entry without React that preloads the first-paint chunk', () => {
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const entry = /<script type="module" crossorigin src="\.\/(assets\/boot-[^"]+\.js)"><\/script>/.exec(html);
    expect(entry, 'index.html loads assets/boot-*.js').not.toBeNull();
    const preloads = [...html.matchAll(/<link rel="modulepreload" crossorigin href="\.\/(assets\/[^"]+\.js)">/g)].map((m) => m[1]!);
    expect(preloads.some((f) => /^assets\/first-paint-/.test(f))).toBe(true);
    // The hints come before the entry script, so the downloads start together.
    for (const f of preloads) expect(html.indexOf(f)).toBeLessThan(html.indexOf(entry![1]!));
    const assets = readdirSync(join(out, 'assets'));
    for (const f of preloads) expect(assets).toContain(f.slice('assets/'.length));

    const boot = readFileSync(join(out, entry![1]!), 'utf8');
    expect(boot.length).toBeLessThan(41_000); // 39.8 KB before the saved connections were asked for here (0.5 KB)
    expect(boot).not.toContain('react.transitional.element'); // React is not in it...
    expect(boot).not.toMatch(/from\s*"\.\/first-paint-/); // ...nor statically imported by it
    const mountUi = /import\(`\.\/(mount-ui-[^`]+\.js)`\)/.exec(boot);
    expect(mountUi, 'boot loads mount-ui with a dynamic import').not.toBeNull();
    expect(preloads).toContain(`assets/${mountUi![1]}`);
  });

  it('has the list before React has loaded, and renders the window once, with the machines in it', async () => {
    const { page } = ctx;
    await page.addInitScript(PROBE);
    // React + MUI arrive late (a slow disk, a cold cache): the list must not wait for them.
    await page.route('**/assets/first-paint-*.js', async (route) => {
      await new Promise((r) => setTimeout(r, 500));
      await route.continue();
    });
    await page.goto(ctx.url);
    const list = page.getByRole('listbox', { name: 'Virtual machines' });
    await list.getByRole('option', { name: 'gamma' }).waitFor({ timeout: 30_000 });
    // The boot's early rows (issue 20, the test below) show before React; this one looks at React's first render.
    await page.waitForFunction(() => (window as unknown as { __firstPaint: { firstFill: number | null } }).__firstPaint.firstFill !== null, undefined, { timeout: 30_000 });
    const probe = await page.evaluate(() => ({
      ...(window as unknown as { __firstPaint: { listAnswered: number | null; firstFill: number | null; optionsAtFirstFill: number | null; fills: number } }).__firstPaint,
      reactLoaded: (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((e) => /\/assets\/first-paint-/.test(e.name))?.responseEnd ?? null,
    }));
    expect(probe.reactLoaded).not.toBeNull();
    expect(probe.listAnswered).not.toBeNull();
    expect(probe.listAnswered!).toBeLessThan(probe.reactLoaded!);
    expect(probe.firstFill!).toBeGreaterThan(probe.reactLoaded!);
    expect(probe.optionsAtFirstFill).toBe(3);
    expect(probe.fills).toBe(1);
    expect(await list.getByRole('option').allTextContents()).toEqual([expect.stringContaining('Powered off'), expect.stringContaining('Powered off'), expect.stringContaining('Powered off')]);
  });

  it('paints the rows in view before React is evaluated, where React then puts the same rows (issue 20)', async () => {
    // Light without libvirt connections; dark with two above the list (hosts that refuse: their rows say so in one line).
    for (const scheme of ['light', 'dark'] as const) {
      if (scheme === 'dark') {
        for (const name of ['lab', 'far']) await runHangar(ctx.library, ctx.env, ['connection', 'add', name, `qemu+ssh://${name}@127.0.0.1:9/system`], { timeout: 60_000 });
      }
      const page = await ctx.browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: scheme });
      try {
        // React + MUI held back until the early rows have been looked at.
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        await page.route('**/assets/first-paint-*.js', async (route) => {
          await held;
          await route.continue();
        });
        await page.goto(ctx.url);
        const list = page.getByRole('listbox', { name: 'Virtual machines' });
        await list.getByRole('option', { name: 'gamma' }).waitFor({ timeout: 30_000 });
        /** The listbox's box, and each option's name, text, box and name line's colour, as painted now. */
        const paint = () =>
          page.evaluate(() => {
            const boxes = [...document.querySelectorAll('[role="listbox"][aria-label="Virtual machines"]')];
            const box = (e: Element) => {
              const r = e.getBoundingClientRect();
              return [r.x, r.y, r.width, r.height];
            };
            return {
              connections: [...document.querySelectorAll('[aria-label="Connections"] [data-connection-status]')].map((e) => e.getBoundingClientRect().height),
              listboxes: boxes.length,
              list: boxes[0] ? box(boxes[0]) : null,
              rootChildren: document.getElementById('root')!.childElementCount,
              options: [...(boxes[0]?.querySelectorAll('[role="option"]') ?? [])].map((o) => ({
                name: o.getAttribute('aria-label'),
                text: o.textContent,
                box: box(o),
                nameColor: getComputedStyle(o.querySelector('p')!).color,
                background: getComputedStyle(document.elementFromPoint(300, 780)!).backgroundColor,
              })),
            };
          });
        const early = await paint();
        // Nothing of React's yet: its root is empty and its chunk has not even arrived.
        expect(early.rootChildren).toBe(0);
        release();
        await page.getByRole('button', { name: 'New' }).first().waitFor({ timeout: 30_000 });
        const react = await paint();
        expect(react.rootChildren).toBeGreaterThan(0);
        expect(early.listboxes).toBe(1);
        expect(react.listboxes).toBe(1);
        // No layout jump and the same rows: same listbox box, same options in the same places with the same text.
        expect(early.list).toEqual(react.list);
        expect(early.options).toEqual(react.options);
        expect(early.options.map((o) => o.name)).toEqual(['alpha', 'beta', 'gamma']);
        expect(react.connections).toHaveLength(scheme === 'dark' ? 2 : 0);
        // Whatever the hosts have answered by now, the rows keep one height: once both have failed, the list is still where it was.
        if (scheme === 'dark') {
          await page.locator('[aria-label="Connections"] [data-connection-status="failed"]').nth(1).waitFor({ timeout: 60_000 });
          expect((await paint()).list).toEqual(early.list);
        }
      } finally {
        await page.close();
      }
    }
  });
});
