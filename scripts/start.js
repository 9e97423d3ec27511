#!/usr/bin/env node
// `npm start`: build when out/ is missing or stale, then run Electron if its binary is already on disk,
// otherwise the browser host. Never triggers the Electron download (no require('electron') here).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

const OUTPUTS = ['out/main/main.js', 'out/main/engine.js', 'out/main/cli.js', 'out/main/background.js', 'out/main/serve.js', 'out/preload/preload.cjs', 'out/renderer/index.html'];
const SOURCES = ['src-main', 'src-shared', 'src-renderer', 'electron.vite.config.ts', 'package.json'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function needsBuild() {
  if (OUTPUTS.some((p) => !existsSync(join(root, p)))) return 'out/ is missing';
  const built = statSync(join(root, 'out/main/main.js')).mtimeMs;
  const src = Math.max(...SOURCES.map((p) => newestMtime(join(root, p))));
  return src > built ? 'sources are newer than out/main/main.js' : null;
}

/** The Electron binary if it is already unpacked; never downloads. */
function electronBinary() {
  const pkg = join(root, 'node_modules/electron');
  const pathTxt = join(pkg, 'path.txt');
  if (!existsSync(pathTxt)) return null;
  const rel = readFileSync(pathTxt, 'utf8').trim();
  if (!rel) return null;
  const bin = join(pkg, 'dist', rel);
  return existsSync(bin) ? bin : null;
}

function run(cmd, cmdArgs) {
  const child = spawn(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  const forward = (sig) => () => child.kill(sig);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, forward(sig));
  child.on('error', (err) => {
    console.error(`Could not start ${cmd}: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const why = needsBuild();
if (why) {
  console.log(`Building (${why})…`);
  const cli = join(root, 'node_modules/electron-vite/bin/electron-vite.js');
  const res = spawnSync(process.execPath, [cli, 'build'], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) {
    console.error('Build failed.');
    process.exit(res.status ?? 1);
  }
}

const electron = electronBinary();
if (electron) {
  // Run the app folder so Electron reads package.json ("main": "out/main/main.js", name, version).
  run(electron, ['.', ...args]);
} else {
  console.log('Electron runtime not available (binary not downloaded; this machine cannot fetch it). Starting the browser host instead: open the URL below.');
  run(process.execPath, [join(root, 'out/main/serve.js'), ...args]);
}
