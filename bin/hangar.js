#!/usr/bin/env node
// The `hangar` command: a thin shim over the built CLI entry (out/main/cli.js), or the background engine's entry
// (out/main/background.js) when run as one. Plain Node, never Electron.
import { existsSync } from 'node:fs';

const args = process.argv.slice(2);
// The background engine a CLI starts (src-main/cli/engine-launcher.ts) loads the engine's own entry, not the CLI's.
const background = args.length === 3 && args[0] === '--library' && args[2] === '__background-engine';
// A start with no engine running may spawn QEMU from the VM's start plan (src-main/cli/fast-start.ts), before
// the CLI bundle loads: null means the engine does the start.
const startAt = args[0]?.startsWith('--library=') ? 1 : args[0] === '--library' ? 2 : 0;
if (args[startAt] === 'start') {
  const fastUrl = new URL('../out/main/fast-start.js', import.meta.url);
  if (existsSync(fastUrl)) {
    const { tryFastStart } = await import(fastUrl.href);
    const code = await tryFastStart(args);
    if (code !== null) process.exit(code);
  }
}
const entryUrl = new URL(background ? '../out/main/background.js' : '../out/main/cli.js', import.meta.url);
if (!existsSync(entryUrl)) {
  console.error('Hangar is not built: run `npm run build`');
  process.exit(1);
}
const { main } = await import(entryUrl.href);
const code = await main(args);
process.exit(typeof code === 'number' ? code : 1);
