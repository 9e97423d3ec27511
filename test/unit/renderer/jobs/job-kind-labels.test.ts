// @vitest-environment jsdom
// One label table for job kinds: the jobs indicator and the snapshot panel's progress line read the same words.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { cleanup, screen } from '@testing-library/react';
import { FakeHangarApi } from '../../../fakes/fake-hangar-api.js';
import { JOB_KIND_LABEL, jobKindLabel, type JobKind } from '../../../../src-renderer/features/jobs/jobs-model.js';
import { SnapshotsPanel } from '../../../../src-renderer/features/snapshots/snapshots-panel.js';
import { installLayoutStubs, renderWithApi } from '../library/render-helpers.js';

beforeAll(installLayoutStubs);
afterEach(cleanup);

// Every kind of the contract's vm.job event (the `satisfies` fails to compile when the contract adds one).
const KINDS = Object.keys({
  'snapshot-take': 1, 'snapshot-restore': 1, 'snapshot-delete': 1, 'disk-convert': 1, 'disk-compact': 1,
  'disk-import': 1, 'vm-export': 1, 'vm-import': 1, 'vm-clone': 1, 'file-drop': 1, download: 1,
  'pool-upload': 1,
} satisfies Record<JobKind, 1>) as JobKind[];

describe('job kind labels', () => {
  it('names every kind once, and reads an unknown one (a newer engine, or an Object.prototype name) as its id', () => {
    expect(Object.keys(JOB_KIND_LABEL).sort()).toEqual([...KINDS].sort());
    for (const kind of KINDS) expect(jobKindLabel(kind)).toBe(JOB_KIND_LABEL[kind]);
    for (const kind of ['something-new', 'toString', 'constructor', '__proto__']) expect(jobKindLabel(kind)).toBe(kind);
  });

  it.each(['snapshot-take', 'snapshot-restore', 'snapshot-delete'] as const)('the snapshot panel shows a running %s in the table\'s words', async (kind) => {
    const api = new FakeHangarApi({ vms: [{ name: 'debian', state: { kind: 'running' } }] });
    const vmId = [...api.vms.keys()][0]!;
    renderWithApi(createElement(SnapshotsPanel, { vm: { id: vmId, name: 'debian', state: { kind: 'running' } }, open: true, onClose: () => undefined }), api);
    await screen.findByRole('tree', { name: 'Snapshot tree' });
    api.emitVm(vmId, { type: 'vm.job', jobId: 'j1', kind, status: 'running', percent: 10 });
    expect(await screen.findByRole('progressbar', { name: `${JOB_KIND_LABEL[kind]}…` })).toBeTruthy();
  });
});
