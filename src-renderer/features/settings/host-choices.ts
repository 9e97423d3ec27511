import type { HostSummary } from '../../../src-shared/contract/index.js';
import type { VmDocument } from '../../../src-shared/vm-document/index.js';

export interface Choice {
  value: string;
  label: string;
}

/**
 * The System page's machine types and CPU models: what the host probe found for the machine's architecture
 * (`host.info` → `emulators[arch]`). The document's current value is always offered (first, when the probe
 * does not list it: set under Advanced, or the probe has not answered yet).
 */
export function hostChoices(host: HostSummary | undefined, arch: string, doc: Pick<VmDocument, 'machine' | 'cpu'>): { machines: Choice[]; cpuModels: Choice[] } {
  const em = host?.emulators?.[arch];
  const machines: Choice[] = (em?.machines ?? []).map((m) => ({
    value: m.name,
    label: `${m.name} — ${m.aliasOf ? `${m.description} (${m.aliasOf})` : m.description}${m.isDefault ? ' (default)' : ''}`,
  }));
  const cpuModels: Choice[] = (em?.cpuModels ?? []).map((c) => ({ value: c.name, label: c.description ? `${c.name} — ${c.description}` : c.name }));
  const withCurrent = (list: Choice[], value: string): Choice[] =>
    value === '' || list.some((c) => c.value === value) ? list : [{ value, label: em ? `${value} (not offered by this host's QEMU)` : value }, ...list];
  return { machines: withCurrent(machines, doc.machine), cpuModels: withCurrent(cpuModels, doc.cpu.model) };
}
