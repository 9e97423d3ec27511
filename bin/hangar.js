#!/usr/bin/env node
// The `hangar` command: a thin shim over the built CLI entry (out/main/cli.js). Plain Node, never Electron.
import { existsSync } from 'node:fs';

const cliUrl = new URL('../out/main/cli.js', import.meta.url);
if (!existsSync(cliUrl)) {
  console.error('Hangar is not built: run `npm run build`');
  process.exit(1);
}
const { main } = await import(cliUrl.href);
const code = await main(process.argv.slice(2));
process.exit(typeof code === 'number' ? code : 1);
