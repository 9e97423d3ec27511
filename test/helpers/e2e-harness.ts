// Shared scaffolding for the e2e tests: the built `serve.js`, Debian Chromium, and cleanup.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { killQemuUnder, qemuPidsUnder, repoRoot } from './engine-harness.js';
import { stopBackgroundEngines } from './background-engines.js';

/** No test reaches the internet: catalog downloads go to a closed loopback port unless a test serves a mirror. */
const NO_NETWORK = 'http://127.0.0.1:9';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Throws unless the built files exist (relative to the repo root). */
export function assertBuilt(files = ['out/main/serve.js', 'out/main/engine.js', 'out/main/cli.js', 'out/renderer/index.html']): void {
  for (const f of files) {
    if (!existsSync(join(repoRoot, f))) throw new Error(`${f} is missing: run \`npm run build\` first`);
  }
}

export interface ServeOptions {
  library: string;
  env: NodeJS.ProcessEnv;
  /** Folder passed as `--allow-dir`, if any. */
  allowDir?: string;
  /** `--port` and `--token-file`, if given (a restarted serve keeps its URL). */
  port?: number;
  tokenFile?: string;
  /** How long to wait for the URL. */
  timeoutMs?: number;
  /** Run serve (and so its engine and QEMU) as this user, through util-linux's setpriv (the caller must be root). */
  runAs?: { uid: number; gid: number };
}

/** Spawns `serve.js`; `url` resolves with the URL it prints. */
export function spawnServe(opts: ServeOptions): { serve: ChildProcess; url: Promise<string> } {
  const args = [join(repoRoot, 'out/main/serve.js'), '--library', opts.library];
  if (opts.port !== undefined) args.push('--port', String(opts.port));
  if (opts.tokenFile) args.push('--token-file', opts.tokenFile);
  if (opts.allowDir) args.push('--allow-dir', opts.allowDir);
  const [cmd, argv] = opts.runAs
    ? ['setpriv', ['--reuid', String(opts.runAs.uid), '--regid', String(opts.runAs.gid), '--clear-groups', '--', process.execPath, ...args]]
    : [process.execPath, args];
  const serve = spawn(cmd, argv, { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  serve.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL; stderr: ${stderr}`)), opts.timeoutMs ?? 30_000);
    serve.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    serve.once('exit', (code) => reject(new Error(`serve exited with ${code}; stderr: ${stderr}`)));
  });
  return { serve, url };
}

/** Sends SIGTERM to serve (if still running) and waits for it to exit. */
export async function stopServe(serve: ChildProcess | null | undefined): Promise<void> {
  if (serve && serve.exitCode === null && serve.signalCode === null) {
    const exited = new Promise((r) => serve.once('exit', r));
    serve.kill('SIGTERM');
    await exited;
  }
}

/** Launches Debian Chromium and opens a page. */
export async function launchBrowser(viewport?: { width: number; height: number }): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const page = await browser.newPage(viewport ? { viewport } : undefined);
  return { browser, page };
}

/** Kills and reports QEMU left under the runtime dir, removes the temp dirs, then fails if any was left. */
export function cleanupRuntime(runtimeBase: string | undefined, root: string | undefined): void {
  if (!runtimeBase) return;
  // Nothing may be left behind; if something is, kill it so the machine stays clean, then fail.
  const orphans = qemuPidsUnder(runtimeBase);
  // A CLI run with no serve around started a background engine (serve takes the library over from one).
  if (root) stopBackgroundEngines([root]);
  killQemuUnder(runtimeBase);
  rmSync(runtimeBase, { recursive: true, force: true });
  if (root) rmSync(root, { recursive: true, force: true });
  expect(orphans, 'orphan QEMU processes after the test').toEqual([]);
}

/** What every e2e suite keeps: its temp folders and env, the served app and the browser page. */
export interface E2eContext {
  root: string;
  library: string;
  runtimeBase: string;
  env: NodeJS.ProcessEnv;
  serve: ChildProcess;
  url: string;
  browser: Browser;
  page: Page;
}

/**
 * Checks the build, then makes a temp root (`hangar-e2e-<name>-…`) with the library in it and a short
 * runtime folder (`/tmp/<runtimePrefix>-…`), and the env naming both.
 */
export function makeE2eDirs(name: string, runtimePrefix: string): Pick<E2eContext, 'root' | 'library' | 'runtimeBase' | 'env'> {
  assertBuilt();
  const root = mkdtempSync(join(tmpdir(), `hangar-e2e-${name}-`));
  const library = join(root, 'library');
  const runtimeBase = mkdtempSync(`/tmp/${runtimePrefix}-`);
  // The Installation media folder too, so no test downloads into (or cleans) the user's own.
  return { root, library, runtimeBase, env: { ...process.env, XDG_RUNTIME_DIR: runtimeBase, HANGAR_LIBRARY: library, HANGAR_MEDIA_DIR: join(root, 'installation-media'), HANGAR_DOWNLOAD_MIRROR: NO_NETWORK } };
}

/** afterAll of a suite: closes the browser, runs `stopVms` (errors ignored), stops serve and cleans up. */
export async function closeE2e(ctx: Partial<E2eContext>, stopVms?: () => Promise<unknown>): Promise<void> {
  await ctx.browser?.close().catch(() => undefined);
  if (stopVms) await stopVms().catch(() => undefined);
  await stopServe(ctx.serve);
  cleanupRuntime(ctx.runtimeBase, ctx.root);
}
