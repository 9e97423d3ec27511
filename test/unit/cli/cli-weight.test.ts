// Issue 20: a `hangar` command that reaches a running engine should cost little more than Node's own start. So
// what cli/main.ts loads before it knows the verb (its static, non-type imports, followed through every file) must
// not reach the engine's code or the zod schemas; the verbs and `hangar engine` load those with import().
import { describe, expect, it } from 'vitest';
import ts from 'typescript';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** The specifiers a file loads when it is loaded: imports and re-exports that survive compilation (not `import type`). */
function runtimeSpecifiers(code: string): string[] {
  const sf = ts.createSourceFile('x.ts', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: string[] = [];
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      const clause = st.importClause;
      if (clause?.isTypeOnly) continue;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : null;
      // `import { type A, type B }` is erased like `import type`; a default or namespace import is not.
      if (clause && !clause.name && named && named.length > 0 && named.every((e) => e.isTypeOnly)) continue;
      out.push(st.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(st) && !st.isTypeOnly && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      out.push(st.moduleSpecifier.text);
    }
  }
  return out;
}

/** Every file (repo-relative) and package loaded with `entry`, each with the chain that brought it in. */
function staticClosure(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>([[entry, [entry]]]);
  const stack = [entry];
  while (stack.length > 0) {
    const file = stack.pop()!;
    const via = seen.get(file)!;
    for (const spec of runtimeSpecifiers(readFileSync(resolve(repo, file), 'utf8'))) {
      const target = spec.startsWith('.') ? relative(repo, resolve(dirname(resolve(repo, file)), spec.replace(/\.js$/, '.ts'))) : spec;
      if (seen.has(target)) continue;
      seen.set(target, [...via, target]);
      if (spec.startsWith('.') && existsSync(resolve(repo, target))) stack.push(target);
    }
  }
  return seen;
}

const HEAVY = ['src-main/engine/engine.ts', 'src-main/engine/engine-services.ts', 'src-shared/contract/commands.ts', 'src-shared/vm-document/schema.ts', 'zod'];

describe('what a hangar command loads before it knows its verb', () => {
  it('is read correctly: type-only imports are left out, runtime ones followed', () => {
    expect(runtimeSpecifiers("import type { A } from './a.js';\nimport { type B } from './b.js';\nimport { C, type D } from './c.js';\nexport { e } from './e.js';\nimport './f.js';")).toEqual(['./c.js', './e.js', './f.js']);
    // The walk reaches zod from the contract's index (which the CLI used to import).
    expect(staticClosure('src-shared/contract/index.ts').has('zod')).toBe(true);
  });

  it('reaches neither the engine nor the zod schemas', () => {
    const closure = staticClosure('src-main/cli/main.ts');
    expect(closure.has('src-main/cli/open-engine.ts')).toBe(true);
    const found = HEAVY.filter((h) => closure.has(h)).map((h) => closure.get(h)!.join(' → '));
    expect(found).toEqual([]);
  });
});

describe("what a cold CLI's background engine loads", () => {
  it("is the engine without the CLI's verbs (its own entry, out/main/background.js)", () => {
    const closure = staticClosure('src-main/cli/background-main.ts');
    expect(closure.has('src-main/engine/engine.ts')).toBe(true);
    const cli = ['src-main/cli/main.ts', 'src-main/cli/verbs.ts', 'src-main/cli/open-engine.ts'].filter((f) => closure.has(f)).map((f) => closure.get(f)!.join(' → '));
    expect(cli).toEqual([]);
  });

  it('loads the packages of libvirt and unattended installs only when used (lazy-packages.ts)', () => {
    const closure = staticClosure('src-main/cli/background-main.ts');
    expect(closure.has('src-main/engine/libvirt/xml-tree.ts')).toBe(true);
    expect(['@xmldom/xmldom', 'js-yaml'].filter((p) => closure.has(p)).map((p) => closure.get(p)!.join(' → '))).toEqual([]);
  });
});
