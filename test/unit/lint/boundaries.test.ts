// The layering rules in eslint.config.js, exercised through ESLint's Node API with virtual files
// placed inside the real folders (paths that the config does not ignore).
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const eslint = new ESLint({ cwd: repoRoot, overrideConfigFile: 'eslint.config.js' });

async function ruleIds(relPath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(repoRoot, relPath) });
  if (!result) throw new Error('no lint result');
  // A fatal message (parse error) or an "ignored file" warning would make the test meaningless.
  for (const m of result.messages) {
    if (m.fatal || m.ruleId === null) throw new Error(`${relPath}: ${m.message}`);
  }
  return result.messages.map((m) => m.ruleId ?? '');
}

const SHARED = 'src-shared/__lint_probe__.ts';
const ENGINE = 'src-main/engine/__lint_probe__.ts';
const SERVE = 'src-main/serve/__lint_probe__.ts';
const CLI = 'src-main/cli/__lint_probe__.ts';
const APP = 'src-main/app/__lint_probe__.ts';
const RENDERER = 'src-renderer/components/__lint_probe__.tsx';
const BRIDGE = 'src-renderer/bridge/__lint_probe__.ts';
/** Declarations the send probes use (typed, so no other rule fires). */
const TARGETS = 'interface T { send(...a: unknown[]): void; postMessage(...a: unknown[]): void }\n';

describe('src-shared stays runtime-neutral', () => {
  it.each(['node:fs', 'fs', 'electron', 'react', '@mui/material'])('reports importing %s', async (mod) => {
    expect(await ruleIds(SHARED, `import x from '${mod}';\nexport const y = x;\n`)).toContain('no-restricted-imports');
  });

  it.each(['window', 'document', 'process', 'Buffer'])('reports the %s global', async (name) => {
    expect(await ruleIds(SHARED, `export const x = ${name};\n`)).toContain('no-restricted-globals');
  });

  it('allows zod', async () => {
    expect(await ruleIds(SHARED, "import { z } from 'zod';\nexport const s = z.string();\n")).toEqual([]);
  });
});

describe('engine, serve and cli never load electron', () => {
  for (const file of [ENGINE, SERVE, CLI]) {
    it.each(['electron', 'electron/main', 'electron-store'])(`${file}: reports importing %s`, async (mod) => {
      expect(await ruleIds(file, `import x from '${mod}';\nexport const y = x;\n`)).toContain('no-restricted-imports');
    });
  }

  it('reports the engine importing the Electron shell', async () => {
    expect(await ruleIds(ENGINE, "import { createMainWindow } from '../app/window.js';\nexport const y = createMainWindow;\n")).toContain('no-restricted-imports');
  });

  it('allows the engine to import node:fs and src-shared', async () => {
    const code = "import { readFileSync } from 'node:fs';\nimport { z } from 'zod';\nexport const y = [readFileSync, z, process.pid];\n";
    expect(await ruleIds(ENGINE, code)).toEqual([]);
  });
});

describe('only the engine entry imports engine.ts (services get an EngineContext from engine-services.ts)', () => {
  const DEEP = 'src-main/engine/disks/__lint_probe__.ts';
  it.each([
    [ENGINE, "import type { Engine } from './engine.js';\nexport type E = Engine;\n"],
    [ENGINE, "import { Engine } from './engine.js';\nexport const e = Engine;\n"],
    [DEEP, "import type { Engine } from '../engine.js';\nexport type E = Engine;\n"],
  ])('reports %s importing the Engine', async (file, code) => {
    expect(await ruleIds(file, code)).toContain('no-restricted-imports');
  });

  it('allows the entry (main.ts) to import it, and services the context', async () => {
    expect(await ruleIds('src-main/engine/main.ts', "import { Engine } from './engine.js';\nexport const e = Engine;\n")).toEqual([]);
    expect(await ruleIds(DEEP, "import type { EngineContext } from '../engine-context.js';\nexport type C = EngineContext;\n")).toEqual([]);
  });

  it('still reports the engine importing electron or the shell', async () => {
    expect(await ruleIds(DEEP, "import { app } from 'electron';\nexport const y = app;\n")).toContain('no-restricted-imports');
    expect(await ruleIds(DEEP, "import { x } from '../../app/window.js';\nexport const y = x;\n")).toContain('no-restricted-imports');
  });

  it('lets the CLI open an engine', async () => {
    expect(await ruleIds(CLI, "import { Engine } from '../engine/engine.js';\nexport const e = Engine;\n")).toEqual([]);
  });
});

describe('the Electron shell', () => {
  it('allows src-main/app to import electron and node', async () => {
    const code = "import { app } from 'electron';\nimport { join } from 'node:path';\nexport const y = [app, join];\n";
    expect(await ruleIds(APP, code)).toEqual([]);
  });

  it.each([
    "win.webContents.send('menu:command', 'vm.start');",
    "win.webContents.postMessage('engine:port', null, []);",
    "event.sender.postMessage('display:port', { vmId: 'x' }, []);",
    "webContents.send('engine:status', {});",
  ])('reports a raw send to a renderer: %s', async (call) => {
    expect(await ruleIds(APP, `${TARGETS}declare const win: { webContents: T }, event: { sender: T }, webContents: T;\nexport function f() {\n  ${call}\n}\n`)).toContain('no-restricted-syntax');
  });

  it('allows the typed sends and other postMessage calls (utility process, ports)', async () => {
    const code = "import { sendToRenderer } from './renderer-sends.js';\n" + TARGETS + "declare const win: { webContents: T }, child: T, port: T;\nexport function f() {\n  sendToRenderer(win.webContents, 'menu:command', 'vm.start');\n  child.postMessage({ type: 'attach-port' }, []);\n  port.postMessage({});\n}\n";
    expect(await ruleIds(APP, code)).toEqual([]);
  });

  it('reports src-main/app importing React', async () => {
    expect(await ruleIds(APP, "import { useState } from 'react';\nexport const y = useState;\n")).toContain('no-restricted-imports');
  });
});

describe('the renderer talks only through bridge/', () => {
  it.each(['node:fs', 'fs', 'ws', 'electron'])('reports importing %s outside bridge/', async (mod) => {
    expect(await ruleIds(RENDERER, `import x from '${mod}';\nexport const y = x;\n`)).toContain('no-restricted-imports');
  });

  it('reports importing src-main', async () => {
    expect(await ruleIds(RENDERER, "import { x } from '../../src-main/engine/engine.js';\nexport const y = x;\n")).toContain('no-restricted-imports');
  });

  it('reports window.hangar outside bridge/', async () => {
    expect(await ruleIds(RENDERER, 'export const api = window.hangar;\n')).toContain('no-restricted-properties');
  });

  it.each(['WebSocket', 'MessageChannel'])('reports the %s global outside bridge/', async (name) => {
    expect(await ruleIds(RENDERER, `export const s = new ${name}('ws://127.0.0.1:1');\n`)).toContain('no-restricted-globals');
  });

  it('allows React, MUI and the DOM outside bridge/', async () => {
    const code = "import { useState } from 'react';\nimport { Button } from '@mui/material';\nexport const y = [useState, Button, document.title];\n";
    expect(await ruleIds(RENDERER, code)).toEqual([]);
  });

  it('allows bridge/ to use WebSocket, MessageChannel and window.hangar', async () => {
    const code = "export const s = new WebSocket('ws://127.0.0.1:1');\nexport const c = new MessageChannel();\nexport const h = (window as unknown as { hangar: unknown }).hangar;\n";
    expect(await ruleIds(BRIDGE, code)).toEqual([]);
  });

  it('still reports bridge/ importing node or electron', async () => {
    expect(await ruleIds(BRIDGE, "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;\n")).toContain('no-restricted-imports');
    expect(await ruleIds(BRIDGE, "import { ipcRenderer } from 'electron';\nexport const y = ipcRenderer;\n")).toContain('no-restricted-imports');
  });
});

describe('probe sanity', () => {
  it('reports an ignored path as ignored, so the probes above really were linted', async () => {
    const [result] = await eslint.lintText('export const x = 1;\n', { filePath: join(repoRoot, 'out/main/x.ts') });
    expect(result?.messages[0]?.message ?? '').toMatch(/ignore/i);
  });
});
