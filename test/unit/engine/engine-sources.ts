import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const ENGINE_DIR = join(import.meta.dirname, '../../../src-main/engine');

/** Every TypeScript source under src-main/engine, as [path relative to it, text]. */
export function engineSources(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) out.push([relative(ENGINE_DIR, path), readFileSync(path, 'utf8')]);
    }
  };
  walk(ENGINE_DIR);
  return out;
}

/** The lines of `text` matching `pattern`, as "file:line: text". */
export function matchingLines(file: string, text: string, pattern: RegExp): string[] {
  return text.split('\n').flatMap((line, i) => (pattern.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : []));
}
