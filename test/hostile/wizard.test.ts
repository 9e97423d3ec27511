// Runs the wizard corpus (cases/wizard-cases.ts): each hostile draft blocks its page with a message on
// the right field, cannot be created, and `toCreateArgs` refuses it naming the field. The wizard is a
// pure reducer: nothing here touches a library or starts a process.
import { describe, expect, it } from 'vitest';
import { canCreate, initialWizardState, isPageValid, toCreateArgs, validatePage, wizardReducer, type WizardHost } from '../../src-renderer/features/wizard/wizard-state.js';
import { wizardCases } from './cases/wizard-cases.js';

const host: WizardHost = { hostMemoryMiB: 16384, hostCpus: 8, hostArch: 'x86_64', kvm: { usable: true, reason: '' }, uefiAvailable: true, swtpmAvailable: true };

/** A draft that is valid on every page, so each case's one hostile field is the only problem. */
function validBase() {
  const s = [
    { type: 'set', field: 'name', value: 'fine' },
    { type: 'set', field: 'media', value: 'none' },
    { type: 'set', field: 'disk', value: 'new' },
  ].reduce((st, a) => wizardReducer(st, a as Parameters<typeof wizardReducer>[1]), initialWizardState(host));
  expect(canCreate(s), JSON.stringify(validatePage(s, 'summary').errors)).toBe(true);
  return s;
}

describe('hostile input: the new-machine wizard', () => {
  it('has one case per id', () => {
    expect(new Set(wizardCases.map((c) => c.id)).size).toBe(wizardCases.length);
  });

  for (const c of wizardCases) {
    it(`${c.id}: ${c.title}`, () => {
      let s = validBase();
      // The ISO cases need "installation media" back on.
      if (c.page === 'media') s = wizardReducer(s, { type: 'set', field: 'media', value: 'iso' });
      s = c.actions.reduce(wizardReducer, s);
      const { errors } = validatePage(s, c.page);
      const got = JSON.stringify(errors);
      expect(errors[c.field], `${c.id}: no error on "${c.field}" (errors: ${got})`).toBeDefined();
      expect(c.message.test(errors[c.field]!), `${c.id}: "${c.field}" says ${JSON.stringify(errors[c.field])}, not ${String(c.message)}`).toBe(true);
      expect(isPageValid(s, c.page)).toBe(false);
      expect(canCreate(s)).toBe(false);
      expect(() => toCreateArgs(s)).toThrow(`${c.field}: ${errors[c.field]}`);
      // Leaving the page is refused and shows the message.
      const moved = wizardReducer({ ...s, page: c.page }, { type: 'next' });
      expect(moved.page).toBe(c.page);
      expect(moved.attempted).toContain(c.page);
    });
  }
});
