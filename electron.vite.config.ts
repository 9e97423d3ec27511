// Build for the three Electron targets (electron-vite 6 on Vite 8 / rolldown).
//   main:     several named Node entries with stable names in out/main/ (main, engine, cli, background, serve).
//             Only `main` may reach `electron`; check-electron-free() below fails the build otherwise.
//   preload:  one sandbox-safe CommonJS file, out/preload/preload.cjs.
//   renderer: src-renderer/index.html → out/renderer (React).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';

const root = import.meta.dirname;
const r = (p: string): string => resolve(root, p);

/** Entries that run under plain Node (engine host, CLI, browser host) and so must never load electron. */
const NODE_ONLY_ENTRIES = ['engine', 'cli', 'background', 'serve', 'fast-start'];
const ELECTRON_IMPORT = /^(electron|electron\/.*|electron-store)$/;

interface OutChunk {
  type: 'chunk';
  fileName: string;
  name: string;
  isEntry: boolean;
  imports: string[];
  dynamicImports: string[];
}

/**
 * Fails the main build if any Node-only entry can reach `electron` through its static or
 * dynamic chunk graph (the bundler may hoist shared code into common chunks).
 */
function checkElectronFree(): Plugin {
  return {
    name: 'hangar:node-entries-electron-free',
    apply: 'build',
    generateBundle(_options, bundle) {
      const chunks = new Map<string, OutChunk>();
      for (const item of Object.values(bundle)) {
        if (item.type === 'chunk') chunks.set(item.fileName, item as unknown as OutChunk);
      }
      for (const entry of [...chunks.values()].filter((c) => c.isEntry && NODE_ONLY_ENTRIES.includes(c.name))) {
        const seen = new Set<string>();
        const stack: Array<{ file: string; via: string[] }> = [{ file: entry.fileName, via: [] }];
        while (stack.length > 0) {
          const { file, via } = stack.pop()!;
          if (seen.has(file)) continue;
          seen.add(file);
          const chunk = chunks.get(file);
          const path = [...via, file];
          if (!chunk) {
            if (ELECTRON_IMPORT.test(file)) {
              this.error(`out/main/${entry.fileName} reaches "${file}" via ${path.join(' → ')}; engine/cli/serve must never load electron.`);
            }
            continue;
          }
          for (const dep of [...chunk.imports, ...chunk.dynamicImports]) stack.push({ file: dep, via: path });
        }
      }
    },
  };
}

/**
 * The renderer's first paint in two chunks (issue 5: < 300 ms at 1,000 VMs). `boot` is main.tsx's static imports:
 * the bridge and the library store, no React, so the engine is asked for the list at once. `first-paint` is
 * mount-ui.tsx's static imports (React, MUI, the library window), loaded by boot while the list comes, minus
 * what boot already holds. Left alone, the bundler splits the modules these share with lazy views into ~25 small
 * chunks, and the browser host serves each as its own request. This walks each entry's static imports after the
 * build phase; `test` puts exactly those modules in the chunk, so lazy views (wizard, settings, display...) stay
 * out of it and import from it.
 */
function staticClosureChunk(entry: string, notIn?: { has: (id: string) => boolean }): { plugin: Plugin; test: (id: string) => boolean } {
  const ids = new Set<string>();
  const plugin: Plugin = {
    name: `hangar:static-closure-chunk:${entry.replace(root, '')}`,
    apply: 'build',
    buildEnd() {
      ids.clear();
      const from = new Map<string, string>();
      const stack = [entry];
      while (stack.length > 0) {
        const id = stack.pop()!;
        if (ids.has(id)) continue;
        ids.add(id);
        for (const dep of this.getModuleInfo(id)?.importedIds ?? []) {
          if (!ids.has(dep)) from.set(dep, id);
          stack.push(dep);
        }
      }
      if (ids.size < 2) this.error(`chunk of ${entry}: no static imports found`);
      // zod (the contract's schemas) is ~100 kB the library's first paint never runs: say who brought it in.
      const zod = [...ids].find((id) => /node_modules[\\/]zod[\\/]/.test(id));
      if (zod !== undefined) {
        const chain: string[] = [];
        for (let at: string | undefined = zod; at !== undefined; at = from.get(at)) chain.unshift(at.replace(root, ''));
        this.warn(`zod is in the renderer's first paint via ${chain.join(' → ')}; import values from the contract's own modules (e.g. contract/errors.js), not contract/index.js`);
      }
    },
  };
  return { plugin, test: (id) => ids.has(id) && !notIn?.has(id) };
}

/**
 * Lets the browser fetch mount-ui's chunks (its facade, `first-paint`, the bundler's runtime) while it runs `boot`:
 * without the hint they would only be requested when boot's dynamic import runs. The links come before the entry
 * script in the HTML, so everything downloads at once.
 */
function preloadMountUi(mountUi: string): Plugin {
  return {
    name: 'hangar:preload-mount-ui',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const chunks = new Map<string, { fileName: string; imports: string[]; facadeModuleId?: string | null }>();
        for (const c of Object.values(ctx.bundle ?? {})) if (c.type === 'chunk') chunks.set(c.fileName, c);
        const facade = [...chunks.values()].find((c) => c.facadeModuleId === mountUi);
        if (!facade) throw new Error(`no chunk for ${mountUi} in the renderer build`);
        const files: string[] = [];
        const walk = (file: string): void => {
          if (files.includes(file)) return;
          files.push(file);
          for (const dep of chunks.get(file)?.imports ?? []) walk(dep);
        };
        walk(facade.fileName);
        if (!files.some((f) => /(^|\/)first-paint-/.test(f))) throw new Error(`${mountUi} does not load the first-paint chunk`);
        const links = files.filter((f) => !html.includes(`./${f}"`)).map((f) => `<link rel="modulepreload" crossorigin href="./${f}">`);
        return html.replace(/(\s*)(<script type="module")/, (_m, ws: string, tag: string) => `${ws}${links.join(ws)}${ws}${tag}`);
      },
    },
  };
}

/**
 * The app icon (assets/) as the renderer's favicon and the Electron window's icon: emitted under fixed names
 * (out/renderer/icon.svg, icon.png: main.ts points the window at the PNG) and linked from index.html, so no page
 * load asks for a missing /favicon.ico.
 */
function appIcon(): Plugin {
  return {
    name: 'hangar:app-icon',
    apply: 'build',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'icon.svg', source: readFileSync(r('assets/icon.svg')) });
      this.emitFile({ type: 'asset', fileName: 'icon.png', source: readFileSync(r('assets/icon.png')) });
    },
    transformIndexHtml() {
      return [
        { tag: 'link', attrs: { rel: 'icon', type: 'image/svg+xml', href: './icon.svg' }, injectTo: 'head' },
        { tag: 'link', attrs: { rel: 'icon', type: 'image/png', sizes: '512x512', href: './icon.png' }, injectTo: 'head' },
      ];
    },
  };
}

const mountUiEntry = r('src-renderer/mount-ui.tsx');
const boot = staticClosureChunk(r('src-renderer/main.tsx'));
const firstPaint = staticClosureChunk(mountUiEntry, { has: boot.test });

export default defineConfig({
  main: {
    build: {
      outDir: r('out/main'),
      // zod is bundled (tree-shaken) rather than loaded from node_modules: its ~95 ESM files cost every CLI
      // process ~30 ms of module resolution and compilation before the engine opens (docs/benchmarks.md).
      externalizeDeps: { exclude: ['zod'] },
      rolldownOptions: {
        input: {
          main: r('src-main/app/main.ts'),
          engine: r('src-main/engine/main.ts'),
          cli: r('src-main/cli/main.ts'),
          // A cold CLI's background engine (bin/hangar.js loads it for the hidden verb): the engine without the CLI.
          background: r('src-main/cli/background-main.ts'),
          serve: r('src-main/serve/main.ts'),
          // `hangar start` with no engine running and a start plan (bin/hangar.js loads it before the CLI).
          'fast-start': r('src-main/cli/fast-start.ts'),
        },
        output: {
          entryFileNames: '[name].js',
          chunkFileNames: 'chunks/[name]-[hash].js',
        },
      },
    },
    plugins: [checkElectronFree()],
  },
  preload: {
    build: {
      outDir: r('out/preload'),
      rolldownOptions: {
        input: { preload: r('src-main/preload/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: r('src-renderer'),
    base: './',
    build: {
      outDir: r('out/renderer'),
      emptyOutDir: true,
      // The library must paint fast (issue: < 300 ms at 1,000 VMs): a minified bundle parses in half the time.
      minify: true,
      rolldownOptions: {
        input: { index: r('src-renderer/index.html') },
        output: {
          codeSplitting: {
            groups: [
              { name: 'boot', test: boot.test, priority: 20 },
              { name: 'first-paint', test: firstPaint.test, priority: 10 },
            ],
          },
        },
      },
    },
    plugins: [react(), boot.plugin, firstPaint.plugin, preloadMountUi(mountUiEntry), appIcon()],
  },
});
