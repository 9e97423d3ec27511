import type { EngineClient } from '../../src-shared/contract/index.js';
import { formatValue, pickKeys, planSettings } from './set-keys.js';

/**
 * `hangar set VM KEY=VALUE...`: the settings dialog's Apply from a terminal. The values are checked here with the
 * document schema (so an error names the key typed), then sent as the same `vm.update` patch; the engine refuses a
 * running machine exactly as it refuses the app. Prints the keys' new values as `hangar get` does.
 */
export async function setVerb(c: EngineClient, positionals: string[], out: (s: string) => void, cwd: string): Promise<number> {
  const [vm, ...words] = positionals as [string, ...string[]];
  const { doc } = await c.call('vm.get', { vm });
  const plan = planSettings(doc, words, cwd);
  // Nothing differs: no write (the dialog's Apply is disabled then too), and no timestamp bump.
  const saved = Object.keys(plan.patch).length === 0 ? doc : (await c.call('vm.update', { vm: doc.id, patch: plan.patch })).doc;
  for (const key of plan.keys) out(`${key.key}=${formatValue(key, key.get(saved))}\n`);
  return 0;
}

/** `hangar get VM [KEY...] [--json]`: current values, one `key=value` line each (the keys `set` takes). */
export async function getVerb(c: EngineClient, positionals: string[], json: boolean, out: (s: string) => void): Promise<number> {
  const [vm, ...names] = positionals as [string, ...string[]];
  const { doc } = await c.call('vm.get', { vm });
  const keys = pickKeys(doc, names);
  if (json) out(`${JSON.stringify(Object.fromEntries(keys.map((k) => [k.key, k.get(doc)])), null, 2)}\n`);
  else for (const key of keys) out(`${key.key}=${formatValue(key, key.get(doc))}\n`);
  return 0;
}
