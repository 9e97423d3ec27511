import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseVmDocument, type VmDocument } from '../../../../src-shared/vm-document/index.js';
import { domainXml, domainNameFor, type DomainPaths } from '../../../../src-main/engine/libvirt/domain-xml.js';
import { ArgvError } from '../../../../src-main/engine/qemu/index.js';
import { GOLDEN_DIR } from '../qemu/golden-cases.js';

// The same documents as the argv goldens (test/golden/argv/<case>.vm.json), each turned into domain XML
// (test/golden/domain-xml/<case>.xml) or, when libvirt cannot take it, the error naming the field (<case>.error.txt).
// Only UPDATE_GOLDEN=1 writes goldens; a missing golden fails.
export const DOMAIN_GOLDEN_DIR = new URL('../../../golden/domain-xml/', import.meta.url).pathname;
const update = process.env['UPDATE_GOLDEN'] === '1';
// Plus libvirt's own cases beside its goldens (the argv matrix uses NVMe, which libvirt 9 lacks, for TPM and arm64).
const casesIn = (dir: string): Array<[string, string]> =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.vm.json'))
    .map((f): [string, string] => [f.slice(0, -'.vm.json'.length), dir]);
const cases = [...casesIn(GOLDEN_DIR), ...casesIn(DOMAIN_GOLDEN_DIR)].sort((a, b) => a[0].localeCompare(b[0]));

export function goldenDomainPaths(name: string, vm: VmDocument): DomainPaths {
  const pool = '/var/lib/libvirt/images';
  const inPool = (p: string, id: string): string => (p.startsWith('/') ? p : `${pool}/${domainNameFor(vm)}-${id}.${p.split('.').pop()}`);
  return {
    disks: Object.fromEntries(vm.disks.map((d) => [d.id, inPool(d.path, d.id)])),
    cdroms: Object.fromEntries(vm.cdroms.flatMap((c) => (c.path === null ? [] : [[c.id, inPool(c.path, c.id)]]))),
    serialLog: `/var/log/libvirt/qemu/${domainNameFor(vm)}-serial0.log`,
    serialSocket: `/var/lib/libvirt/qemu/${domainNameFor(vm)}-serial0.sock`,
    kvm: name === 'kvm-host',
  };
}

function render(name: string, dir: string): { file: string; text: string } {
  const vm = parseVmDocument(readFileSync(join(dir, `${name}.vm.json`), 'utf8'));
  try {
    return { file: `${name}.xml`, text: domainXml(vm, goldenDomainPaths(name, vm)) };
  } catch (err) {
    if (!(err instanceof ArgvError)) throw err;
    return { file: `${name}.error.txt`, text: `${err.message}\n` };
  }
}

describe('domainXml goldens', () => {
  it('covers the argv case matrix', () => {
    expect(cases.length).toBeGreaterThanOrEqual(17);
  });

  it.each(cases)('%s', (name, dir) => {
    const { file, text } = render(name, dir);
    const goldenPath = join(DOMAIN_GOLDEN_DIR, file);
    if (update) {
      writeFileSync(goldenPath, text, 'utf8');
      console.warn(`wrote golden ${goldenPath}`);
    }
    expect(existsSync(goldenPath), `${goldenPath} is missing: run UPDATE_GOLDEN=1 npx vitest run --project unit test/unit/engine/libvirt/domain-xml-golden.test.ts, review it, commit it`).toBe(true);
    expect(text).toBe(readFileSync(goldenPath, 'utf8'));
  });
});
