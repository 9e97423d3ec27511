import { readdirSync, readFileSync } from 'node:fs';

/** swtpm processes started for a runtime folder under `dir` (its environment names it; its command line has no paths). */
export function swtpmPidsUnder(dir: string): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        const cmd = readFileSync(`/proc/${n}/cmdline`, 'utf8');
        const env = readFileSync(`/proc/${n}/environ`, 'utf8');
        return /(^|\/)swtpm$/.test(cmd.split('\0')[0] ?? '') && env.includes(`HANGAR_SWTPM_RUNTIME_DIR=${dir}`);
      } catch {
        return false;
      }
    })
    .map(Number);
}
