import { describe, expect, it } from 'vitest';
import { emptyUnattended, unattendedArgs, validateUnattended } from '../../../../src-renderer/features/wizard/unattended-draft.js';
import { initialWizardState, installsAutomatically, validatePage, wizardReducer, type WizardAction, type WizardState } from '../../../../src-renderer/features/wizard/wizard-state.js';

const on = { ...emptyUnattended('UTC'), enabled: true, user: 'ada', password: 'pw' };
const run = (state: WizardState, ...actions: WizardAction[]) => actions.reduce(wizardReducer, state);

describe('"Install automatically" draft', () => {
  it('is checked only when switched on, with the contract schema\'s messages per field', () => {
    expect(validateUnattended(undefined)).toEqual({});
    expect(validateUnattended({ ...on, enabled: false, user: `a'` })).toEqual({});
    expect(validateUnattended(on)).toEqual({});
    expect(validateUnattended({ ...on, user: '', password: '' })).toMatchObject({ 'User name': 'Give the user the installer creates', Password: 'Give the user a password' });
    expect(validateUnattended({ ...on, hostname: 'h'.repeat(64), timezone: '../x', keyboard: 'us x' })).toMatchObject({ 'Host name': expect.stringMatching(/1-63/), 'Time zone': expect.stringMatching(/IANA/), 'Keyboard layout': expect.stringMatching(/XKB/) });
  });

  it('defaults the host name from the user and leaves empty optional answers out', () => {
    expect(unattendedArgs({ ...on, user: '_ada_', language: '', keyboard: ' ', timezone: '' })).toEqual({ user: '_ada_', password: 'pw', hostname: 'ada-vm' });
  });

  it('applies only to an ISO onto a new disk; its errors block the disk page', () => {
    const s = run(initialWizardState(), { type: 'set', field: 'media', value: 'iso' }, { type: 'set', field: 'disk', value: 'new' }, { type: 'unattended', value: { ...on, user: '' } });
    expect(installsAutomatically(s.draft)).toBe(true);
    expect(validatePage(s, 'disk').errors['User name']).toBeDefined();
    const existing = run(s, { type: 'set', field: 'disk', value: 'existing' });
    expect(installsAutomatically(existing.draft)).toBe(false);
    expect(validatePage(existing, 'disk').errors['User name']).toBeUndefined();
  });
});
