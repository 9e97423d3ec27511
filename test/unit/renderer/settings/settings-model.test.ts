import { describe, expect, it } from 'vitest';
import { newVmDocument } from '../../../../src-shared/vm-document/index.js';
import {
  draftIssues, formatArgv, getIn, lockReason, nextDeviceId, pageOfPath, parsePath, setIn, settingsPatch, LOCKED_WHILE_RUNNING,
} from '../../../../src-renderer/features/settings/settings-model.js';
import { describeError } from '../../../../src-renderer/state/errors.js';
import { EngineError } from '../../../../src-shared/contract/errors.js';

const doc = newVmDocument({
  id: '6f1c1d1e-8a4b-4c2d-9e3f-1a2b3c4d5e6f', name: 'deb', now: '2025-01-01T00:00:00.000Z', mac: '52:54:00:12:34:56',
  disk: { path: 'disks/disk0.qcow2', format: 'qcow2' }, iso: '/isos/debian.iso',
});

describe('settings model', () => {
  it('paths follow the schema issue format', () => {
    expect(parsePath('network.forwards[1].hostPort')).toEqual(['network', 'forwards', 1, 'hostPort']);
    expect(getIn(doc, 'disks[0].format')).toBe('qcow2');
    const d2 = setIn(doc, 'cpu.count', 4);
    expect(d2.cpu.count).toBe(4);
    expect(doc.cpu.count).toBe(2);
    expect(d2.disks).toBe(doc.disks); // untouched sections are shared
  });
  it('the patch holds only changed top-level fields', () => {
    const d2 = setIn(setIn(doc, 'cpu.count', 4), 'description', 'hello');
    expect(settingsPatch(doc, d2)).toEqual({ cpu: { count: 4, model: 'max' }, description: 'hello' });
    expect(settingsPatch(doc, doc)).toEqual({});
  });
  it('validation issues are keyed by field path and map to pages', () => {
    const bad = setIn(setIn(setIn(doc, 'memoryMiB', 8), 'name', '  '), 'network.mac', 'nope');
    const issues = draftIssues(bad);
    expect(Object.keys(issues).sort()).toEqual(['memoryMiB', 'name', 'network.mac']);
    expect(pageOfPath('memoryMiB')).toBe('system');
    expect(pageOfPath('network.forwards[0].hostPort')).toBe('network');
    expect(pageOfPath('bootOrder[0]')).toBe('storage');
    expect(draftIssues(doc)).toEqual({});
  });
  it('everything locks while a QEMU process exists', () => {
    expect(lockReason('memoryMiB', { kind: 'running' })).toBe(LOCKED_WHILE_RUNNING);
    expect(lockReason('memoryMiB', { kind: 'paused' })).toBe(LOCKED_WHILE_RUNNING);
    expect(lockReason('memoryMiB', { kind: 'stopped' })).toBeNull();
  });
  it('the clipboard policy stays editable while the machine runs (the engine applies it live)', () => {
    expect(lockReason('clipboard', { kind: 'running' })).toBeNull();
    expect(lockReason('clipboard', { kind: 'paused' })).toBeNull();
  });
  it('device ids and argv display', () => {
    expect(nextDeviceId(doc, 'disk')).toBe('disk1');
    expect(nextDeviceId(doc, 'cd')).toBe('cd1');
    expect(formatArgv(['qemu-system-x86_64', '-name', 'my vm', '-drive', "file=a'b"])).toBe(`qemu-system-x86_64 -name 'my vm' -drive 'file=a'\\''b'`);
  });
});

describe('describeError', () => {
  it('gives a sentence with a hint, never a stack', () => {
    const e = new EngineError('qemu-not-found', 'qemu-system-x86_64 not found\n    at probe (host.ts:1:1)');
    const text = describeError(e, 'start "deb"');
    expect(text).toMatch(/^Could not start "deb": qemu-system-x86_64 not found\. QEMU is not installed/);
    expect(text).not.toMatch(/host\.ts/);
    const plain = new Error('boom');
    expect(describeError(plain)).toBe('boom.');
  });
});
