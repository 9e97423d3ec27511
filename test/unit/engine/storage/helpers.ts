import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const storageDir = fileURLToPath(new URL('../../../../src-main/engine/storage/', import.meta.url));

/**
 * Child processes run the real storage modules, not a copy of their logic. Node 20 cannot run
 * TypeScript, so the few self-contained modules a child needs are transpiled to a temp folder
 * (relative imports already end in .js, so they resolve unchanged).
 */
export function transpileStorageModules(names: string[], outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  for (const name of names) {
    const source = readFileSync(path.join(storageDir, `${name}.ts`), 'utf8');
    const out = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    writeFileSync(path.join(outDir, `${name}.js`), out.outputText);
  }
}

export function makeTempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), `hangar-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
