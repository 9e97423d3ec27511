// A fingerprint of a folder tree (kinds, modes, symlink targets, file hashes) to prove a refused
// request changed nothing on disk.
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Relative path → what is there: `dir 755`, `file 644 <sha256>`, `link -> target`, `fifo`... */
export type TreeSnapshot = ReadonlyMap<string, string>;

// Hashes by (inode, size, mtime): big unchanged files (a 32 MiB vm.json) are read once per run.
const hashCache = new Map<string, string>();

function hashOf(abs: string, st: { ino: number; size: number; mtimeMs: number; ctimeMs: number }): string {
  const key = `${abs}\0${st.ino}\0${st.size}\0${st.mtimeMs}\0${st.ctimeMs}`;
  let h = hashCache.get(key);
  if (h === undefined) {
    h = createHash('sha256').update(readFileSync(abs)).digest('hex');
    if (st.size > 1024 * 1024) hashCache.set(key, h);
  }
  return h;
}

export function snapshotTree(root: string): TreeSnapshot {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    const abs = rel === '' ? root : join(root, rel);
    let st;
    try {
      st = lstatSync(abs);
    } catch {
      if (rel === '') out.set('.', 'absent');
      return;
    }
    const mode = (st.mode & 0o7777).toString(8);
    const key = rel === '' ? '.' : rel;
    if (st.isSymbolicLink()) out.set(key, `link -> ${readlinkSync(abs)}`);
    else if (st.isDirectory()) {
      out.set(key, `dir ${mode}`);
      for (const name of readdirSync(abs).sort()) walk(rel === '' ? name : join(rel, name));
    } else if (st.isFile()) out.set(key, `file ${mode} ${st.size} ${hashOf(abs, st)}`);
    else if (st.isFIFO()) out.set(key, `fifo ${mode}`);
    else if (st.isSocket()) out.set(key, 'socket');
    else out.set(key, 'other');
  };
  walk('');
  return out;
}

/** Human-readable differences ("+ added", "- removed", "~ changed"); empty when equal. */
export function diffTrees(before: TreeSnapshot, after: TreeSnapshot): string[] {
  const lines: string[] = [];
  for (const [k, v] of before) {
    if (!after.has(k)) lines.push(`- ${k} (${v})`);
    else if (after.get(k) !== v) lines.push(`~ ${k}: ${v} => ${after.get(k)}`);
  }
  for (const [k, v] of after) if (!before.has(k)) lines.push(`+ ${k} (${v})`);
  return lines;
}

/** sha256 of a file we must never touch (e.g. /etc/shadow), or `absent`. */
export function fileHash(path: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return 'absent';
  }
}
