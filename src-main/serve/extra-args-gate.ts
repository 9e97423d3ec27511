import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { EngineError, type ClientPolicy, type CommandName } from '../../src-shared/contract/index.js';

/** Why extra QEMU arguments are read-only in a browser host started without --allow-extra-args. */
export const EXTRA_ARGS_READ_ONLY =
  'Extra QEMU arguments are read-only in the browser host: they can make QEMU run any program as the user running `hangar serve`. ' +
  'Change them in the desktop app or with the CLI, or restart `hangar serve --allow-extra-args` to allow it here.';

/**
 * How each command could give a machine extra QEMU arguments, for the ones that can (every other command has no
 * field that reaches them: test/unit/serve/extra-args-gate.test.ts walks the contract):
 * - `patch`: vm.update's patch may carry `extraArgs` (refused);
 * - `bundle`: vm.addExisting reads a vm.json from the disk (refused when it has any);
 * - `stripped`: vm.import removes them from the archive's document itself, for every client;
 * - `copied`: vm.clone copies the source machine's, which are already there.
 */
export const EXTRA_ARGS_ROUTES: { readonly [K in CommandName]?: 'patch' | 'bundle' | 'stripped' | 'copied' } = {
  'vm.update': 'patch',
  'vm.addExisting': 'bundle',
  'vm.import': 'stripped',
  'vm.clone': 'copied',
};

/** What engine.hello tells a browser through this host. */
export function browserPolicy(allowExtraArgs: boolean): ClientPolicy {
  return { extraArgs: allowExtraArgs ? { editable: true } : { editable: false, reason: EXTRA_ARGS_READ_ONLY } };
}

function refusal(what: string): EngineError {
  return new EngineError('not-allowed', `${what}: ${EXTRA_ARGS_READ_ONLY}`, { hint: '--allow-extra-args' });
}

/** The `extraArgs` of the vm.json that vm.addExisting would read (null when it cannot be read: the engine reports that). */
async function bundleExtraArgs(path: string): Promise<unknown[] | null> {
  const abs = resolve(path);
  const file = basename(abs) === 'vm.json' ? abs : join(abs, 'vm.json');
  try {
    const doc = JSON.parse(await readFile(file, 'utf8')) as { extraArgs?: unknown };
    return Array.isArray(doc?.extraArgs) ? doc.extraArgs : null;
  } catch {
    return null;
  }
}

/** Refuses a browser's command that would set extra QEMU arguments (see EXTRA_ARGS_ROUTES). */
export async function refuseExtraArgs(command: string, args: unknown): Promise<void> {
  if (typeof args !== 'object' || args === null) return;
  const a = args as Record<string, unknown>;
  const route = Object.hasOwn(EXTRA_ARGS_ROUTES, command) ? EXTRA_ARGS_ROUTES[command as CommandName] : undefined;
  if (route === 'patch') {
    const patch = a['patch'];
    if (typeof patch === 'object' && patch !== null && Object.hasOwn(patch, 'extraArgs')) throw refusal('the settings change sets extra QEMU arguments');
  } else if (route === 'bundle' && typeof a['path'] === 'string') {
    const extra = await bundleExtraArgs(a['path']);
    if (extra && extra.length > 0) throw refusal(`the machine at ${a['path']} has extra QEMU arguments, so it cannot be added here`);
  }
}
