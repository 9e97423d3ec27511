import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Every domain XML golden (test/golden/domain-xml) is valid against the installed libvirt's own schema:
// what domainXml writes is something libvirt accepts, not only what the golden says.
const DIR = new URL('../golden/domain-xml/', import.meta.url).pathname;
const goldens = readdirSync(DIR).filter((f) => f.endsWith('.xml')).sort();

describe('domain XML goldens against libvirt\'s schema (virt-xml-validate)', () => {
  it('has goldens to check', () => expect(goldens.length).toBeGreaterThanOrEqual(17));

  it.each(goldens)('%s', (file) => {
    // Exits non-zero (execFileSync throws with its complaint) for an invalid document, or when missing: scripts/setup.sh installs libvirt-clients.
    const run = (): string => execFileSync('virt-xml-validate', [join(DIR, file), 'domain'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(run).not.toThrow();
  });
});
