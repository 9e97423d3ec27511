// Build for the three Electron targets (electron-vite 6 on Vite 8 / rolldown).
//   main:     several named Node entries with stable names in out/main/ (main, engine, cli, serve).
//             Only `main` may reach `electron`; check-electron-free() below fails the build otherwise.
//   preload:  one sandbox-safe CommonJS file, out/preload/preload.cjs.
//   renderer: src-renderer/index.html → out/renderer (React).
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';

const root = import.meta.dirname;
const r = (p: string): string => resolve(root, p);

/** Entries that run under plain Node (engine host, CLI, browser host) and so must never load electron. */
const NODE_ONLY_ENTRIES = ['engine', 'cli', 'serve'];
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

export default defineConfig({
  main: {
    build: {
      outDir: r('out/main'),
      rolldownOptions: {
        input: {
          main: r('src-main/app/main.ts'),
          engine: r('src-main/engine/main.ts'),
          cli: r('src-main/cli/main.ts'),
          serve: r('src-main/serve/main.ts'),
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
      rolldownOptions: { input: { index: r('src-renderer/index.html') } },
    },
    plugins: [react()],
  },
});
