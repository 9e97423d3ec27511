import type { ChecksumAlgorithm } from '../../../src-shared/os-downloads/types.js';

const HEX_LENGTH: Readonly<Record<ChecksumAlgorithm, number>> = { sha256: 64, sha512: 128 };

export class ChecksumListError extends Error {}

/**
 * The checksum of `fileName` in a distribution's checksum list. Reads both formats they publish: GNU coreutils
 * (`<hex>  name` or `<hex> *name`: Debian, Ubuntu, Alpine, Arch, openSUSE) and BSD (`SHA256 (name) = <hex>`:
 * Fedora, FreeBSD). Other lines (an OpenPGP armour around Fedora's, comments) are skipped. A list that names the
 * file twice with different sums, or not at all, is an error: never a guess.
 */
export function checksumFor(text: string, fileName: string, algorithm: ChecksumAlgorithm): string {
  const len = HEX_LENGTH[algorithm];
  const gnu = new RegExp(`^([0-9a-fA-F]{${len}}) [ *](.+)$`);
  const bsd = new RegExp(`^${algorithm.toUpperCase()} \\((.+)\\) = ([0-9a-fA-F]{${len}})$`);
  const found = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    let name: string | undefined;
    let hex: string | undefined;
    const g = gnu.exec(line);
    if (g) [, hex, name] = g;
    const b = g ? null : bsd.exec(line);
    if (b) [, name, hex] = b;
    // Some lists (Alpine's .sha256, Arch's) name the file with a leading ./ or a folder.
    if (name !== undefined && hex !== undefined && (name === fileName || name.replace(/^.*\//, '') === fileName)) found.add(hex.toLowerCase());
  }
  if (found.size === 0) throw new ChecksumListError(`the checksum file does not list ${fileName} (${algorithm})`);
  if (found.size > 1) throw new ChecksumListError(`the checksum file lists ${fileName} with ${found.size} different ${algorithm} sums`);
  return [...found][0]!;
}
