import { describe, expect, it } from 'vitest';
import { DOWNLOAD_CATALOG, DOWNLOAD_CATALOG_VERSION, findDownloadEntry } from '../../../../src-shared/os-downloads/index.js';
import { catalogProblem, downloadEntrySchema, urlFileName } from '../../../../src-shared/os-downloads/entry-schema.js';
import { findCatalogEntry } from '../../../../src-shared/os-catalog/index.js';

const base = findDownloadEntry('debian-12-cloud-amd64')!;

describe('the built-in download catalog', () => {
  it('is valid as a whole (unique ids, every entry by the schema a fetched update must pass)', () => {
    expect(catalogProblem({ version: DOWNLOAD_CATALOG_VERSION, entries: DOWNLOAD_CATALOG })).toBeNull();
  });

  it.each(DOWNLOAD_CATALOG.map((e) => [e.id, e] as const))('%s: https only, fileName is the URL\'s, a known OS of its arch', (_id, e) => {
    expect(downloadEntrySchema.safeParse(e).success).toBe(true);
    expect(new URL(e.url).protocol).toBe('https:');
    expect(new URL(e.verify.checksumUrl).protocol).toBe('https:');
    if (e.verify.signatureUrl) expect(new URL(e.verify.signatureUrl).protocol).toBe('https:');
    expect(urlFileName(e.url)).toBe(e.fileName);
    const os = findCatalogEntry(e.osId);
    expect(os, e.osId).toBeDefined();
    expect(os!.arch ?? 'x86_64').toBe(e.arch);
  });

  it('covers every distribution the issue names, installers and cloud images', () => {
    const ids = DOWNLOAD_CATALOG.map((e) => e.id).join(' ');
    for (const d of ['debian', 'ubuntu', 'fedora', 'alpine', 'arch', 'opensuse', 'freebsd']) expect(ids).toContain(d);
    expect(DOWNLOAD_CATALOG.some((e) => e.kind === 'installer')).toBe(true);
    expect(DOWNLOAD_CATALOG.filter((e) => e.kind === 'cloud-image').length).toBeGreaterThanOrEqual(5);
  });

  it('answers the Debian, Ubuntu and Fedora installers unattended, each with its own method', () => {
    const methods = (prefix: string): Set<string | undefined> => new Set(DOWNLOAD_CATALOG.filter((e) => e.id.startsWith(prefix) && e.kind === 'installer').map((e) => e.unattended));
    expect(methods('debian')).toEqual(new Set(['preseed']));
    expect(methods('ubuntu')).toEqual(new Set(['autoinstall']));
    expect(methods('fedora')).toEqual(new Set(['kickstart']));
  });

  it('keeps the id other areas rely on', () => {
    expect(base).toMatchObject({ kind: 'cloud-image', arch: 'x86_64', osId: 'debian12', format: 'qcow2' });
  });
});

describe('the entry schema refuses', () => {
  const bad: ReadonlyArray<[string, Record<string, unknown>, string]> = [
    ['an http:// URL', { url: 'http://cloud.debian.org/x/debian-12-generic-amd64.qcow2' }, 'https'],
    ['a file:// URL', { url: 'file:///etc/debian-12-generic-amd64.qcow2' }, 'https'],
    ['credentials in a URL', { url: 'https://u:p@cloud.debian.org/debian-12-generic-amd64.qcow2' }, 'credentials'],
    ['an http:// checksum file', { verify: { ...base.verify, checksumUrl: 'http://cloud.debian.org/SHA512SUMS' } }, 'https'],
    ['a fileName with a folder', { fileName: '../debian-12-generic-amd64.qcow2' }, 'plain file name'],
    ['a hidden fileName', { fileName: '.bashrc' }, 'plain file name'],
    ['a fileName other than the URL\'s', { fileName: 'other.qcow2' }, "URL's last part"],
    ['an unknown osId', { osId: 'plan9' }, 'OS catalog'],
    ['an unknown key', { script: 'rm -rf /' }, 'script'],
    ['a signing key without a signature', { verify: { ...base.verify, signingKey: 'DF9B9C49EAA9298432589D76DA87E80D6294BE9B' } }, 'signatureUrl'],
  ];
  it.each(bad)('%s', (_what, change, message) => {
    const p = catalogProblem({ version: 2, entries: [{ ...base, ...change }] });
    expect(p).not.toBeNull();
    expect(p).toContain(message);
  });

  it('two entries with one id', () => {
    expect(catalogProblem({ version: 2, entries: [base, base] })).toContain('duplicate id');
  });
});
