// Files and folders opened with Hangar (issue #11): the file associations of electron-builder.yml, a path
// on the command line, a second launch with one, or macOS open-file. Each is classified here, where the
// file system is, and reaches the library window as an `open:request` (app-contract.ts OpenRequest).
import { stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isOpenRequest, OPEN_MESSAGE_MAX, OPEN_PATH_MAX, type OpenRequest } from '../../src-shared/contract/app-contract.js';

/** Options of Hangar's own command line that take a separate value (`--library DIR`). */
const VALUE_OPTIONS = new Set(['--library']);

/**
 * The file arguments of a command line: after the executable (and the app path when run as
 * `electron APP`), no switches (ours, Chromium's, macOS's -psn_…), not the value of `--library`.
 */
export function fileArgs(argv: readonly string[], skip = (process as { defaultApp?: boolean }).defaultApp ? 2 : 1): string[] {
  const out: string[] = [];
  for (let i = skip; i < argv.length; i++) {
    const a = argv[i]!;
    if (VALUE_OPTIONS.has(a)) i++;
    else if (a === '--') continue;
    else if (a !== '' && !a.startsWith('-')) out.push(a);
  }
  return out;
}

/** An absolute path for an argument: file:// URLs (Linux desktop launchers pass %U) and relative paths against `cwd`. */
export function toAbsolute(arg: string, cwd: string): string {
  if (/^file:\/\//i.test(arg)) {
    try {
      return fileURLToPath(arg);
    } catch {
      return arg;
    }
  }
  return resolve(cwd, arg);
}

/** A path short enough for a message. */
function shown(path: string): string {
  return path.length <= 200 ? path : `…${path.slice(-199)}`;
}

function refusal(message: string): OpenRequest {
  return { kind: 'error', message: message.length <= OPEN_MESSAGE_MAX ? message : `${message.slice(0, OPEN_MESSAGE_MAX - 1)}…` };
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * What opening this path means: a `.iso`/`.img` file → the new-VM wizard with it; a `.hangar` folder or file,
 * or a folder holding vm.json → add it to the library; anything else → an error naming it.
 */
export async function classifyPath(path: string): Promise<OpenRequest> {
  const name = basename(path) || path;
  if (path.length > OPEN_PATH_MAX || path.includes('\0')) return refusal(`Hangar cannot open "${shown(path)}": the path is too long or malformed.`);
  let info;
  try {
    info = await stat(path);
  } catch {
    return refusal(`Hangar cannot open "${shown(path)}": it does not exist or cannot be read.`);
  }
  const ext = extname(path).toLowerCase();
  const request: OpenRequest | null =
    info.isDirectory() && (ext === '.hangar' || (await isFile(join(path, 'vm.json')))) ? { kind: 'bundle', path }
    : info.isFile() && ext === '.hangar' ? { kind: 'bundle', path }
    : info.isFile() && (ext === '.iso' || ext === '.img') ? { kind: 'iso', path }
    : null;
  if (request && isOpenRequest(request)) return request;
  if (request) return refusal(`Hangar cannot open "${shown(path)}": the path is not a plain absolute path.`);
  return refusal(
    info.isDirectory()
      ? `Hangar cannot open the folder "${name}": it is not a Hangar machine (no vm.json in it).`
      : `Hangar cannot open "${name}": only ISO images (.iso, .img) and Hangar machines (.hangar) can be opened.`,
  );
}
