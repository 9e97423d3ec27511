import { describe, expect, it } from 'vitest';
import { newVmDocument } from '../../../../src-shared/vm-document/index.js';
import { decideOnEnd, finishPatch, type SessionEndFacts } from '../../../../src-main/engine/install/install-plan.js';

const doc = newVmDocument({ id: '3f1b2a9c-1111-4222-8333-444455556666', name: 'vm', now: '2025-01-01T00:00:00.000Z', mac: '52:54:00:00:00:01', iso: '/i.iso', disk: { path: 'disks/disk0.qcow2', format: 'qcow2' } });

describe('finishPatch', () => {
  it('empties the installer drive and boots the disk first, without the CD', () => {
    expect(doc.bootOrder).toEqual(['cd0', 'disk0']);
    expect(finishPatch(doc, { disk: 'disk0', cdrom: 'cd0' })).toEqual({ cdroms: [{ id: 'cd0', path: null, bus: 'sata' }], bootOrder: ['disk0'] });
  });

  it('keeps other devices in their order after the disk', () => {
    const two = { ...doc, disks: [...doc.disks, { ...doc.disks[0]!, id: 'disk1' }], bootOrder: ['cd0', 'disk1', 'disk0'] };
    expect(finishPatch(two, { disk: 'disk0', cdrom: 'cd0' }).bootOrder).toEqual(['disk0', 'disk1']);
  });
});

describe('decideOnEnd', () => {
  const base: SessionEndFacts = { phase: 'installing', final: 'stopped', shutdown: { guest: true, reason: 'guest-shutdown' }, userPowerdown: false, wrote: true };
  const cases: Array<[string, Partial<SessionEndFacts>, { finish: boolean; restart: boolean; drop?: boolean }]> = [
    ['installer powered off after writing', {}, { finish: true, restart: false }],
    ['guest powered off without writing (a live ISO): no longer installing', { wrote: false }, { finish: false, restart: false, drop: true }],
    ['the user pressed the power button before anything was written: still installing', { userPowerdown: true, wrote: false }, { finish: false, restart: false }],
    ['installer rebooted after writing', { shutdown: { guest: true, reason: 'guest-reset' } }, { finish: true, restart: true }],
    ['installer rebooted without writing (reboot into the CD again)', { shutdown: { guest: true, reason: 'guest-reset' }, wrote: false }, { finish: false, restart: true }],
    ['the user pressed the power button', { userPowerdown: true }, { finish: false, restart: false }],
    ['force off (quit)', { shutdown: { guest: false, reason: 'host-qmp-quit' } }, { finish: false, restart: false }],
    ['a host reset that slipped through reboot=shutdown', { shutdown: { guest: false, reason: 'host-qmp-system-reset' } }, { finish: false, restart: true }],
    ['crash', { final: 'crashed', shutdown: null }, { finish: false, restart: false }],
    ['not installing', { phase: 'installed' }, { finish: false, restart: false }],
    ['no install at all', { phase: null }, { finish: false, restart: false }],
  ];
  for (const [name, facts, expected] of cases) {
    it(name, () => expect(decideOnEnd({ ...base, ...facts })).toEqual({ drop: false, ...expected }));
  }
});
