// The renderer's CSPs: index.html's <meta> (Electron and the browser host) and app://'s header. The meta
// policy is also what electronegativity evaluates; its one reviewed suppression (CSP_GLOBAL_CHECK, see
// scripts/electronegativity.js) is kept honest here by running the same evaluator.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { APP_CSP } from '../../../src-main/app/csp.js';

const html = readFileSync(new URL('../../../src-renderer/index.html', import.meta.url), 'utf8');
const metaCsp = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)"/)?.[1] ?? '';

interface Finding { severity: number; directive: string; value?: string }
const require = createRequire(new URL('../../../node_modules/@doyensec/electronegativity/package.json', import.meta.url));
const csp = require('@doyensec/csp-evaluator') as {
  CspParser: new (s: string) => { csp: unknown };
  CspEvaluator: new (c: unknown, v: number) => { evaluate(): Finding[] };
  Version: { CSP3: number };
  severities: Record<string, number>;
};

function notes(policy: string): Finding[] {
  const findings = new csp.CspEvaluator(new csp.CspParser(policy).csp, csp.Version.CSP3).evaluate();
  // What electronegativity turns into a finding: HIGH, MEDIUM and their _MAYBE forms.
  const counted = [csp.severities['HIGH'], csp.severities['MEDIUM'], csp.severities['HIGH_MAYBE'], csp.severities['MEDIUM_MAYBE']];
  return findings.filter((f) => counted.includes(f.severity));
}

const directives = (policy: string): Map<string, string> => new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k!, v.join(' ')]));

describe('renderer Content-Security-Policy', () => {
  it('index.html connects only to its own origin (no ws://127.0.0.1:* in any build) and allows no plugins, base or forms', () => {
    const d = directives(metaCsp);
    expect(d.get('connect-src')).toBe("'self'");
    expect(metaCsp).not.toMatch(/ws:|wss:|127\.0\.0\.1|\*/);
    expect(d.get('object-src')).toBe("'none'");
    expect(d.get('base-uri')).toBe("'none'");
    expect(d.get('form-action')).toBe("'none'");
    expect(d.get('script-src')).toBe("'self'");
  });

  it("the evaluator's only note on either policy is script-src 'self' (the reviewed electronegativity suppression)", () => {
    for (const policy of [metaCsp, APP_CSP]) {
      expect(notes(policy).map((f) => `${f.directive} ${f.value ?? ''}`.trim())).toEqual(["script-src 'self'"]);
    }
    // The evaluator is not vacuous: the old meta policy had an object-src note too, a weaker one more.
    expect(notes("default-src 'self'; script-src 'self'; connect-src 'self' ws://127.0.0.1:*")).toHaveLength(2);
    expect(notes("default-src 'self'; script-src 'self' 'unsafe-inline'; object-src 'none'").length).toBeGreaterThan(1);
  });

  it("app://'s header is at least as strict: same-origin connections only, nothing framed or posted", () => {
    const d = directives(APP_CSP);
    expect(d.get('connect-src')).toBe("'self'");
    expect(d.get('default-src')).toBe("'none'");
    expect(d.get('frame-ancestors')).toBe("'none'");
  });
});
