// Hazards of the host rather than of one request: no QEMU, a QEMU that prints garbage, a disk that fills
// up, two engines on one library, QEMU refusing a hostile disk or argument. One row per case.
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../../src-main/engine/engine.js';
import { toEngineError } from '../../../src-main/engine/rpc/to-engine-error.js';
import { EXIT } from '../../../src-main/cli/exit-codes.js';
import type { CliRun } from '../../helpers/cli-runner.js';
import { builtEntry, type OpenedEngine } from '../../helpers/engine-harness.js';
import type { Refusal } from '../support/case-types.js';
import type { FakeQemuBins, SmallDisk } from '../support/host-world.js';

export interface HostContext {
  root: string;
  bins: FakeQemuBins;
  /** An in-process engine whose PATH starts with `dir` (its own library, one VM "vm" with a 1 GiB disk). */
  engineOn(dir: 'empty' | 'garbage' | 'crashing' | 'real'): Promise<{ e: OpenedEngine; libraryDir: string; vm: string }>;
  /** An engine on a library inside a 2 MiB file system, with one VM "small" (no disk). */
  small: { disk: SmallDisk; e: OpenedEngine; libraryDir: string; vm: string };
  /** A library owned by an engine running in another process. */
  locked: { libraryDir: string; pid: number; env: NodeJS.ProcessEnv };
  /** `hangar --library <lib> ...args` with PATH starting with a fake bin folder. */
  cli(dir: keyof FakeQemuBins, libraryDir: string, ...args: string[]): Promise<CliRun>;
}

export interface HostCase {
  id: string;
  title: string;
  /** Which library must stay unchanged. */
  library(h: HostContext): string;
  /** Bundle files a failed start may write (QEMU's log is the evidence of what went wrong). */
  allowChanged?: RegExp;
  /** Runs before the "unchanged" baseline. */
  prepare?(h: HostContext): Promise<void>;
  run(h: HostContext): Promise<unknown>;
  refused: Refusal | { exit: number; stderr: RegExp };
}

const LOGS = /^[^/]+\.hangar\/logs(\/|$)/;

/** Runs the built engine on a library; resolves with its exit code and output (it must refuse to start). */
function secondEngineProcess(libraryDir: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [builtEntry('engine'), '--library', libraryDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

export const hostCases: HostCase[] = [
  // --- no QEMU --------------------------------------------------------------------------------------------
  { id: 'qemu-missing-start', title: 'starting a VM on a host without QEMU', library: (h) => join(h.root, 'lib-empty'), run: async (h) => { const { e, vm } = await h.engineOn('empty'); return e.client.call('vm.start', { vm }); }, refused: { code: 'qemu-not-found', message: /QEMU \(no qemu-system-\* binary\) was not found on PATH or in the configured QEMU folders\. Install it with: / } },
  { id: 'qemu-missing-argv', title: 'asking for the command line on a host without QEMU', library: (h) => join(h.root, 'lib-empty'), run: async (h) => { const { e, vm } = await h.engineOn('empty'); return e.client.call('vm.argv', { vm }); }, refused: { code: 'qemu-not-found', message: /was not found on PATH.*Install it with: / } },
  { id: 'qemu-missing-cli', title: 'hangar start on a host without QEMU', library: (h) => join(h.root, 'lib-cli'), run: async (h) => h.cli('empty', join(h.root, 'lib-cli'), 'start', 'vm'), refused: { exit: EXIT.qemu, stderr: /^hangar: QEMU \(no qemu-system-\* binary\) was not found on PATH/ } },
  { id: 'qemu-img-missing-cli', title: 'hangar create --disk-size on a host without qemu-img', library: (h) => join(h.root, 'lib-cli'), run: async (h) => h.cli('empty', join(h.root, 'lib-cli'), 'create', 'needs-img', '--disk-size', '1'), refused: { exit: EXIT.qemu, stderr: /^hangar: qemu-img was not found on PATH; install QEMU's disk tools/ } },

  // --- a QEMU that is not what it claims ------------------------------------------------------------------
  { id: 'qemu-garbage-start', title: 'a qemu-system-x86_64 that prints garbage', library: (h) => join(h.root, 'lib-garbage'), run: async (h) => { const { e, vm } = await h.engineOn('garbage'); return e.client.call('vm.start', { vm }); }, refused: { code: 'qemu-not-found', message: /^No working QEMU was found: .*bin-garbage\/qemu-system-x86_64 does not work \(.*printed no version: .*GARBAGE.*\)\. Reinstall it with: / } },
  { id: 'qemu-garbage-cli', title: 'hangar start with a garbage QEMU', library: (h) => join(h.root, 'lib-cli'), run: async (h) => h.cli('garbage', join(h.root, 'lib-cli'), 'start', 'vm'), refused: { exit: EXIT.qemu, stderr: /^hangar: No working QEMU was found: .*bin-garbage\/qemu-system-x86_64 does not work/ } },
  { id: 'qemu-crashes-on-start', title: 'a QEMU that passes the probe but dies with garbage at start', library: (h) => join(h.root, 'lib-crashing'), allowChanged: LOGS, run: async (h) => { const { e, vm } = await h.engineOn('crashing'); return e.client.call('vm.start', { vm }); }, refused: { code: 'qemu-failed', message: /^QEMU refused to start "vm": ~~~ kernel panic in the matrix at 0xdeadbeef ~~~$/ } },

  // --- an architecture the host lacks (only qemu-system-x86_64 on PATH) --------------------------------------
  { id: 'arch-missing-create', title: 'creating an aarch64 machine on a host with only qemu-system-x86_64', library: (h) => join(h.root, 'lib-crashing'), run: async (h) => { const { e } = await h.engineOn('crashing'); return e.client.call('vm.create', { name: 'arm', arch: 'aarch64' }); }, refused: { code: 'invalid-args', message: /^aarch64 machines cannot run on this host: qemu-system-aarch64 is not installed; install it with: .*qemu-system-arm.* \(this host runs x86_64\)$/ } },
  { id: 'arch-missing-preview', title: "the wizard's command-line preview of an aarch64 machine on a host with only qemu-system-x86_64", library: (h) => join(h.root, 'lib-crashing'), run: async (h) => { const { e } = await h.engineOn('crashing'); return e.client.call('vm.previewArgv', { name: 'arm', arch: 'aarch64' }); }, refused: { code: 'invalid-args', message: /^aarch64 machines cannot run on this host: qemu-system-aarch64 is not installed; install it with: .*qemu-system-arm.* \(this host runs x86_64\)$/ } },
  { id: 'arch-missing-cli', title: 'hangar create --arch riscv64 on a host with only qemu-system-x86_64', library: (h) => join(h.root, 'lib-cli'), run: async (h) => h.cli('crashing', join(h.root, 'lib-cli'), 'create', 'rv', '--arch', 'riscv64'), refused: { exit: EXIT.usage, stderr: /^hangar: riscv64 machines cannot run on this host: qemu-system-riscv64 is not installed; install it with: .*qemu-system-misc opensbi u-boot-qemu/ } },

  // --- real QEMU refusing hostile machines ------------------------------------------------------------------
  {
    id: 'start-corrupt-disk',
    title: 'starting a VM whose qcow2 was overwritten with garbage',
    library: (h) => join(h.root, 'lib-real'),
    allowChanged: LOGS,
    prepare: async (h) => {
      const { e, vm } = await h.engineOn('real');
      const { bundleDir } = await e.client.call('vm.get', { vm });
      writeFileSync(join(bundleDir, 'disks', 'disk0.qcow2'), Buffer.concat([Buffer.from('QFI\xfb', 'latin1'), Buffer.alloc(4096, 0xee)]));
    },
    run: async (h) => { const { e, vm } = await h.engineOn('real'); return e.client.call('vm.start', { vm }); },
    // The pre-flight reads every header of the chain (storage/image-chain.ts) before QEMU is run.
    refused: { code: 'start-refused', message: /^disk disk0 of "vm": .*disk0\.qcow2 is a qcow2 version \d+ image; Hangar reads qcow2 versions 2 and 3$/ },
  },
  {
    id: 'start-chardev-injection',
    title: 'extra QEMU arguments that redefine the QMP chardev',
    library: (h) => join(h.root, 'lib-real'),
    allowChanged: LOGS,
    prepare: async (h) => {
      const { e, vm } = await h.engineOn('real');
      // A good disk again (start-corrupt-disk garbled it, which the pre-flight would refuse first).
      const { bundleDir } = await e.client.call('vm.get', { vm });
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', join(bundleDir, 'disks', 'disk0.qcow2'), '1G']);
      await e.client.call('vm.update', { vm, patch: { extraArgs: ['-chardev', `socket,id=qmp,path=${join(h.root, 'evil.sock')},server=on,wait=off`] } });
    },
    run: async (h) => { const { e, vm } = await h.engineOn('real'); return e.client.call('vm.start', { vm }); },
    refused: { code: 'qemu-failed', message: /^QEMU refused to start "vm": .*Duplicate ID 'qmp' for chardev/ },
  },

  // --- the disk fills up --------------------------------------------------------------------------------------
  { id: 'disk-full-new-image', title: 'the disk fills up while vm.create writes a 64 TiB qcow2', library: (h) => h.small.libraryDir, prepare: async (h) => h.small.disk.fillLeaving(192 * 1024), run: (h) => h.small.e.client.call('vm.create', { name: 'too big', diskSizeGiB: 64 * 1024 }), refused: { code: 'qemu-failed', message: /qemu-img create failed \(exit 1\): .*No space left on device/ } },
  { id: 'disk-full-disk-add', title: 'the disk fills up while disk.add writes a new image', library: (h) => h.small.libraryDir, prepare: async (h) => h.small.disk.fillLeaving(192 * 1024), run: (h) => h.small.e.client.call('disk.add', { vm: h.small.vm, sizeGiB: 64 * 1024 }), refused: { code: 'qemu-failed', message: /qemu-img create failed \(exit 1\): .*No space left on device/ } },
  { id: 'disk-full-vm-json', title: 'a full disk while vm.create writes vm.json', library: (h) => h.small.libraryDir, prepare: async (h) => h.small.disk.fillLeaving(0), run: (h) => h.small.e.client.call('vm.create', { name: 'no room' }), refused: { code: 'io', message: /VM "no room": cannot create bundle .*: ENOSPC: no space left on device/ } },
  { id: 'disk-full-settings', title: 'a full disk while a settings change is saved', library: (h) => h.small.libraryDir, prepare: async (h) => h.small.disk.fillLeaving(0), run: (h) => h.small.e.client.call('vm.update', { vm: h.small.vm, patch: { description: 'x'.repeat(50_000) } }), refused: { code: 'io', message: /VM "small": cannot write .*vm\.json: ENOSPC: no space left on device/ } },

  // --- two engines, one library ------------------------------------------------------------------------------
  { id: 'two-engines-in-process', title: 'opening an engine on a library another engine owns', library: (h) => h.locked.libraryDir, run: async (h) => {
      const e = await Engine.open({ libraryDir: h.locked.libraryDir, env: h.locked.env, controlSocket: false }).catch((err: unknown) => {
        throw toEngineError(err); // what a client of the contract sees
      });
      await e.close();
      return 'opened';
    }, refused: { code: 'library-locked', message: /^another Hangar engine \(pid \d+\) owns this library \(.*\); connect to it via / } },
  {
    id: 'two-engines-processes',
    title: 'a second engine process on the same library exits with a clear message',
    library: (h) => h.locked.libraryDir,
    run: async (h) => {
      const r = await secondEngineProcess(h.locked.libraryDir, h.locked.env);
      throw Object.assign(new Error(r.out.trim()), { code: r.code === 0 ? 'exited 0' : 'library-locked' });
    },
    refused: { code: 'library-locked', message: /another Hangar engine \(pid \d+\) owns this library/ },
  },
];
