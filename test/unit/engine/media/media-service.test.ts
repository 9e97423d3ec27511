import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError } from '../../../../src-shared/contract/index.js';
import { QmpCommandError } from '../../../../src-main/engine/qmp/qmp-errors.js';
import { driveStatus, MediaService, mediumPatch, pickDrive } from '../../../../src-main/engine/media/media-service.js';
import { FakeMediaHost, VM_ID } from './fake-media-host.js';
import { buildIso } from '../iso/iso-builder.js';

let dir: string;
let iso: string;
let iso2: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-media-'));
  iso = join(dir, 'one.iso');
  iso2 = join(dir, 'two.iso');
  // Real (tiny) ISO 9660 images: the service refuses files that are not (test/hostile iso-* cases).
  writeFileSync(iso, buildIso({ volumeId: 'ONE' }));
  writeFileSync(iso2, buildIso({ volumeId: 'TWO' }));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const fail = (p: Promise<unknown>): Promise<EngineError> => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as EngineError);

describe('media helpers', () => {
  it('pickDrive: the first CD drive by default, a named one, or a clear error', () => {
    const host = new FakeMediaHost(dir);
    expect(pickDrive(host.doc, undefined)).toBe('cd0');
    expect(pickDrive(host.doc, 'cd0')).toBe('cd0');
    expect(() => pickDrive(host.doc, 'cd1')).toThrow('"vm" has no CD drive "cd1" (it has cd0)');
    expect(() => pickDrive({ ...host.doc, cdroms: [] }, undefined)).toThrow('"vm" has no CD drive; add one in its settings first');
  });

  it('mediumPatch changes only the named drive', () => {
    const host = new FakeMediaHost(dir);
    const doc = { ...host.doc, cdroms: [...host.doc.cdroms, { id: 'cd1', path: '/a.iso', bus: 'sata' as const }] };
    expect(mediumPatch(doc, 'cd0', '/b.iso').cdroms).toEqual([
      { id: 'cd0', path: '/b.iso', bus: 'sata' },
      { id: 'cd1', path: '/a.iso', bus: 'sata' },
    ]);
  });

  it('driveStatus reads query-block by qdev id (or QOM path)', () => {
    const entries = [
      { device: '', qdev: 'disk0', inserted: { file: '/d.qcow2' } },
      { device: '', qdev: '/machine/peripheral/cd0', tray_open: true, locked: true },
    ];
    expect(driveStatus(entries, 'cd0')).toEqual({ path: null, trayOpen: true, locked: true });
    expect(driveStatus(entries, 'disk0')).toMatchObject({ path: '/d.qcow2' });
    expect(driveStatus(entries, 'cd9')).toBeNull();
  });
});

describe('MediaService', () => {
  it('stopped VM: a document patch, no QMP, a vm.media event, and the ISO becomes recent', async () => {
    const host = new FakeMediaHost(dir);
    const svc = new MediaService(host);
    const r = await svc.insert(VM_ID, { path: iso });
    expect(r).toEqual({ drive: 'cd0', path: iso, live: false, trayOpen: false });
    expect(host.doc.cdroms[0]!.path).toBe(iso);
    expect(host.events).toEqual([{ type: 'vm.changed' }, { type: 'vm.media', drive: 'cd0', path: iso, trayOpen: false }]);
    expect((await svc.list()).map((x) => x.path)).toEqual([iso]);
    expect(await svc.eject('vm', {})).toEqual({ drive: 'cd0', path: null, live: false, trayOpen: false });
    expect(host.doc.cdroms[0]!.path).toBeNull();
  });

  it('running VM: blockdev-change-medium by device id, read-only raw, then the document', async () => {
    const host = new FakeMediaHost(dir);
    const qmp = host.run('running');
    qmp.script['query-block'] = () => [{ device: '', qdev: 'cd0', tray_open: false, inserted: { file: iso } }];
    const r = await new MediaService(host).insert(VM_ID, { path: iso });
    expect(qmp.calls[0]).toEqual({ command: 'blockdev-change-medium', args: { id: 'cd0', filename: iso, format: 'raw', 'read-only-mode': 'read-only', force: true } });
    expect(r).toEqual({ drive: 'cd0', path: iso, live: true, trayOpen: false });
    expect(host.doc.cdroms[0]!.path).toBe(iso);
  });

  it('eject of a tray the guest locked (force:false): says the guest was asked, keeps the document', async () => {
    const host = new FakeMediaHost(dir, iso);
    const qmp = host.run('paused');
    qmp.script['eject'] = () => {
      throw new QmpCommandError('eject', 'GenericError', "Device 'cd0' is locked and force was not specified, wait for tray to open and try again");
    };
    const err = await fail(new MediaService(host).eject(VM_ID, { force: false }));
    expect(err).toBeInstanceOf(EngineError);
    expect(err.code).toBe('invalid-state');
    expect(err.message).toMatch(/^the guest has locked the tray of cd0; it was asked to eject/);
    expect(err.details).toMatchObject({ reason: 'tray-locked' });
    expect(qmp.calls[0]).toEqual({ command: 'eject', args: { id: 'cd0', force: false } });
    expect(host.doc.cdroms[0]!.path).toBe(iso);
    expect(host.events).toEqual([]);
  });

  it('refuses while starting or stopping; refuses missing files and folders', async () => {
    const host = new FakeMediaHost(dir);
    host.run('starting');
    const svc = new MediaService(host);
    expect((await fail(svc.insert(VM_ID, { path: iso }))).message).toBe('cannot change the media of "vm" while it is starting; wait until it is running or stopped');
    host.sessions.clear();
    expect(await fail(svc.insert(VM_ID, { path: join(dir, 'nope.iso') }))).toMatchObject({ code: 'not-found', message: `ISO not found: ${join(dir, 'nope.iso')}` });
    mkdirSync(join(dir, 'folder.iso'));
    expect(await fail(svc.insert(VM_ID, { path: join(dir, 'folder.iso') }))).toMatchObject({ code: 'invalid-args' });
  });

  it('tray events: open reports the medium still inside, close the one an insert put in', async () => {
    const host = new FakeMediaHost(dir, iso);
    const qmp = host.run('running');
    const svc = new MediaService(host);
    svc.watch({ id: VM_ID, doc: host.doc }, host.sessions.get(VM_ID)!);
    qmp.script['blockdev-change-medium'] = () => {
      qmp.emit('DEVICE_TRAY_MOVED', { device: '', id: 'cd0', 'tray-open': true });
      qmp.emit('DEVICE_TRAY_MOVED', { device: '', id: 'cd0', 'tray-open': false });
      return {};
    };
    await svc.insert(VM_ID, { path: iso2 });
    const media = host.events.filter((e) => e.type === 'vm.media');
    expect(media).toEqual([
      { type: 'vm.media', drive: 'cd0', path: iso, trayOpen: true },
      { type: 'vm.media', drive: 'cd0', path: iso2, trayOpen: false },
      { type: 'vm.media', drive: 'cd0', path: iso2, trayOpen: false },
    ]);
    // A guest-initiated eject opens the tray; the medium stays in.
    qmp.emit('DEVICE_TRAY_MOVED', { device: '', id: 'cd0', 'tray-open': true });
    expect(host.events.at(-1)).toEqual({ type: 'vm.media', drive: 'cd0', path: iso2, trayOpen: true });
  });
});
