// A start plan: what the engine would spawn for a VM's next start, written when its QEMU ends (start-plan.ts),
// with a stamp of every input the argv was computed from. A `hangar start` that finds no engine running uses it
// to spawn QEMU itself (src-main/cli/fast-start.ts) when every stamp still matches, instead of paying for a second
// Node process and the engine before the exec (issue 20). Node built-ins only: the CLI's fast path loads this.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

// 2: names its library (a library copied with its plans folder must not start the original's machines).
export const START_PLAN_VERSION = 2;
/** In the library folder (0700, the engine's), never inside a bundle: a bundle can come from someone else. */
export const START_PLANS_DIR = '.hangar-start-plans';

/**
 * The environment the argv depends on: the QEMU binary's search (PATH), the probe cache's and the runtime folder's
 * place, the audio backend's choice (a PulseAudio server), the library's place.
 */
export const PLAN_ENV_KEYS = ['PATH', 'HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_RUNTIME_DIR', 'PULSE_SERVER', 'HANGAR_LIBRARY'] as const;

/**
 * The per-user key that seals plans (an HMAC over the plan's text): a plan that did not come from this user's engine,
 * say in a library folder unpacked from someone else's archive, is never run, whatever its stamps claim. It lives
 * outside every library, in the user's Hangar cache folder (beside the host probe's cache), as a 0600 file.
 */
export const PLAN_KEY_FILE = 'start-plan.key';

/** `$XDG_CACHE_HOME/hangar` (else `~/.cache/hangar`): the plan key, and the host probe's cache (host-service.ts). */
export function hangarCacheDir(env: NodeJS.ProcessEnv): string {
  return join(env['XDG_CACHE_HOME'] || join(env['HOME'] || homedir(), '.cache'), 'hangar');
}

/** The key in `dir`, made when `create` and missing; null when absent or not this user's private file. */
export function planKey(dir: string, uid: number, create = false): Buffer | null {
  const path = join(dir, PLAN_KEY_FILE);
  if (create && !lstatSync(path, { throwIfNoEntry: false })) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, randomBytes(32));
      closeSync(fd);
    } catch {
      // another engine made it meanwhile: read theirs
    }
  }
  const s = lstatSync(path, { throwIfNoEntry: false });
  if (!s || !s.isFile() || s.uid !== uid || (s.mode & 0o077) !== 0 || s.size !== 32) return null;
  return readFileSync(path);
}

function macOf(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex');
}

/** The plan file's text: its MAC on the first line, then the plan. */
export function sealPlan(key: Buffer, plan: StartPlan): string {
  return sealText(key, JSON.stringify(plan));
}

/** `text` under its MAC (sealPlan's format, for any text). */
export function sealText(key: Buffer, text: string): string {
  return `${macOf(key, text)}\n${text}\n`;
}

/** A file the plan depends on and its stamp when the plan was made: null for "must not exist". */
export interface PlanInput {
  path: string;
  stamp: string | null;
}

export interface StartPlan {
  version: number;
  vmId: string;
  name: string;
  uid: number;
  /** The library (real path) whose engine wrote it: a plans folder copied along with a library is not the copy's. */
  libraryDir: string;
  bundleDir: string;
  runtimeDir: string;
  logsDir: string;
  binary: string;
  /** The engine's argv without its `-S`: nothing needs to run between the exec and the guest's start. */
  argv: string[];
  env: Record<string, string | null>;
  inputs: PlanInput[];
}

/**
 * What changes whenever a file does: device, inode, size, mtime and ctime in nanoseconds (ctime cannot be set
 * back by hand), type and mode. null: there is no such file (a symlink is stamped as itself, not followed).
 */
export function stampOf(path: string): string | null {
  const s = lstatSync(path, { bigint: true, throwIfNoEntry: false });
  if (!s) return null;
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.mode}:${s.uid}`;
}

export function planEnv(env: NodeJS.ProcessEnv): Record<string, string | null> {
  return Object.fromEntries(PLAN_ENV_KEYS.map((k) => [k, env[k] ?? null]));
}

/** The plan's files for a VM, one per way `hangar start` may name it: by id, and by exact name. */
export function planFiles(libraryDir: string, key: { id?: string; name?: string }): string[] {
  const file = (k: string): string => join(libraryDir, START_PLANS_DIR, `${createHash('sha256').update(k).digest('hex').slice(0, 32)}.json`);
  return [...(key.id !== undefined ? [file(`id:${key.id.toLowerCase()}`)] : []), ...(key.name !== undefined ? [file(`name:${key.name}`)] : [])];
}

/** Whether `path` is a folder or file only this user can write (and, for a file, a regular one). */
function private_(path: string, uid: number, kind: 'dir' | 'file'): boolean {
  const s = lstatSync(path, { throwIfNoEntry: false });
  if (!s || s.uid !== uid || (s.mode & 0o022) !== 0) return false;
  return kind === 'dir' ? s.isDirectory() : s.isFile();
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isAbsolutePath = (v: unknown): v is string => isString(v) && v.startsWith('/');

/**
 * Whether `v` has every field of a plan of this version and user, with its type: a damaged or older file must be
 * refused here, not throw further on (the CLI would die instead of falling back to the engine).
 */
function isPlan(v: unknown, uid: number): v is StartPlan {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const p = v as Record<string, unknown>;
  const env = p['env'];
  return (
    p['version'] === START_PLAN_VERSION &&
    p['uid'] === uid &&
    isString(p['vmId']) &&
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(p['vmId']) &&
    isString(p['name']) &&
    [p['libraryDir'], p['bundleDir'], p['runtimeDir'], p['logsDir'], p['binary']].every(isAbsolutePath) &&
    Array.isArray(p['argv']) &&
    p['argv'].every(isString) &&
    typeof env === 'object' &&
    env !== null &&
    Object.values(env).every((e) => e === null || isString(e)) &&
    Array.isArray(p['inputs']) &&
    p['inputs'].every((i: unknown) => typeof i === 'object' && i !== null && isAbsolutePath((i as PlanInput).path) && ((i as PlanInput).stamp === null || isString((i as PlanInput).stamp)))
  );
}

/**
 * The plan that `hangar start QUERY` may run, or why not. Every refusal falls back to the engine's start, which
 * says what is wrong if anything is: a plan is only ever a shortcut to what the engine would do itself.
 */
export function readStartPlan(libraryDir: string, query: string, env: NodeJS.ProcessEnv, uid: number, key: Buffer | null): StartPlan | { refused: string } {
  const dir = join(libraryDir, START_PLANS_DIR);
  // Another user who could write here could make us run anything: the folders and the file must be ours alone.
  if (!lstatSync(dir, { throwIfNoEntry: false })) return { refused: 'no plan' };
  if (!private_(libraryDir, uid, 'dir') || !private_(dir, uid, 'dir')) return { refused: 'the plans folder is not private' };
  const byId = /^[0-9a-f-]{36}$/i.test(query);
  const [file] = planFiles(libraryDir, byId ? { id: query } : { name: query });
  if (!private_(file!, uid, 'file')) return { refused: 'no plan' };
  if (!key) return { refused: 'no plan key' };
  const sealed = readFileSync(file!, 'utf8');
  const nl = sealed.indexOf('\n');
  const text = sealed.slice(nl + 1).trimEnd();
  const mac = Buffer.from(sealed.slice(0, Math.max(0, nl)), 'utf8');
  const want = Buffer.from(macOf(key, text), 'utf8');
  if (nl < 0 || mac.length !== want.length || !timingSafeEqual(mac, want)) return { refused: 'the plan is not sealed by this user\'s engine' };
  let plan: unknown;
  try {
    plan = JSON.parse(text);
  } catch {
    return { refused: 'the plan does not parse' };
  }
  if (!isPlan(plan, uid)) return { refused: 'another plan format' };
  if (plan.libraryDir !== libraryDir) return { refused: 'a plan of another library' };
  if (byId ? plan.vmId.toLowerCase() !== query.toLowerCase() : plan.name !== query) return { refused: 'a plan of another machine' };
  const now = planEnv(env);
  for (const k of PLAN_ENV_KEYS) if ((plan.env[k] ?? null) !== now[k]) return { refused: `${k} changed` };
  for (const input of plan.inputs) {
    let stamp: string | null;
    try {
      stamp = stampOf(input.path);
    } catch {
      return { refused: `${input.path} cannot be read` };
    }
    if (stamp !== input.stamp) return { refused: `${input.path} changed` };
  }
  return plan;
}
