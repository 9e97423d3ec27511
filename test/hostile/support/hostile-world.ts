// Hostile files outside the library, made once per runner: text given as an ISO, a FIFO, symlinks
// to /etc/shadow, broken and treacherous qcow2 images, paths with commas and quotes, hostile vm.json.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newVmDocument, serializeVmDocument, type VmDocument } from '../../../src-shared/vm-document/index.js';

export interface HostileWorld {
  dir: string;
  /** Plain text named like an ISO. */
  textIso: string;
  /** A folder named like an ISO. */
  dirIso: string;
  /** A named pipe (reading it would block forever). */
  fifo: string;
  /** Symlinks to /etc/shadow, named like an ISO and like a raw disk. */
  shadowIso: string;
  shadowDisk: string;
  /** A good qcow2 whose path has a comma, spaces and both quote kinds. */
  awkwardQcow2: string;
  /** A good qcow2. */
  goodQcow2: string;
  /** The first 100 bytes of a qcow2 (the header is cut). */
  truncatedQcow2: string;
  /** qcow2 magic followed by garbage. */
  corruptQcow2: string;
  /** A qcow2 overlay whose backing file is /etc/shadow (raw). */
  backingShadow: string;
  /** A qcow2 overlay whose backing file is a json: protocol name pointing at /etc/shadow. */
  backingJson: string;
  /** A qcow2 overlay whose backing file is an nbd:// URL. */
  backingNbd: string;
  /** A qcow2 overlay whose backing file went missing. */
  backingMissing: string;
  /** Bundle folders holding hostile vm.json files, by kind. */
  bundles: Record<'wrongVersion' | 'extraFields' | 'huge' | 'nested' | 'shadow' | 'notObject' | 'newlineName' | 'proto', string>;
  /** Valid bundles that reach outside their folder (vm.addExisting asks first), and what each would run or read. */
  foreign: { extraArgs: string; extraArgsMarker: string; escapeArgs: string; ownVmJson: string; outsideDisk: string; backingShadow: string; linkedDisk: string; outsideIso: string };
  cleanup(): void;
}

function qemuImg(args: string[]): void {
  execFileSync('qemu-img', args, { stdio: 'pipe' });
}

/** A valid current document to start hostile variants from. */
export function validDocument(name = 'hostile'): VmDocument {
  return newVmDocument({ id: randomUUID(), name, now: new Date().toISOString(), mac: '52:54:00:12:34:56' });
}

function bundle(root: string, name: string, vmJson: string | { link: string }): string {
  const dir = join(root, `${name}.hangar`);
  mkdirSync(dir);
  if (typeof vmJson === 'string') writeFileSync(join(dir, 'vm.json'), vmJson);
  else symlinkSync(vmJson.link, join(dir, 'vm.json'));
  return dir;
}

export function makeHostileWorld(): HostileWorld {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-hostile-'));
  const p = (name: string): string => join(dir, name);
  writeFileSync(p('readme.iso'), 'This is a text file, not an ISO 9660 image.\n'.repeat(2000));
  mkdirSync(p('folder.iso'));
  execFileSync('mkfifo', [p('pipe.qcow2')]);
  symlinkSync('/etc/shadow', p('shadow.iso'));
  symlinkSync('/etc/shadow', p('shadow.img'));
  const awkward = p(`my disk, "v1" 'final'.qcow2`);
  qemuImg(['create', '-q', '-f', 'qcow2', awkward, '64M']);
  qemuImg(['create', '-q', '-f', 'qcow2', p('good.qcow2'), '64M']);
  writeFileSync(p('truncated.qcow2'), readFileSync(p('good.qcow2')).subarray(0, 100));
  const corrupt = Buffer.alloc(1024 * 1024, 0xa5);
  Buffer.from([0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3]).copy(corrupt, 0);
  writeFileSync(p('corrupt.qcow2'), corrupt);
  qemuImg(['create', '-q', '-f', 'qcow2', '-u', '-b', '/etc/shadow', '-F', 'raw', p('backing-shadow.qcow2'), '64M']);
  qemuImg(['create', '-q', '-f', 'qcow2', '-u', '-b', 'json:{"driver":"file","filename":"/etc/shadow"}', '-F', 'raw', p('backing-json.qcow2'), '64M']);
  qemuImg(['create', '-q', '-f', 'qcow2', '-u', '-b', 'nbd://127.0.0.1:1/export', '-F', 'raw', p('backing-nbd.qcow2'), '64M']);
  qemuImg(['create', '-q', '-f', 'qcow2', '-u', '-b', p('gone.qcow2'), '-F', 'qcow2', p('backing-missing.qcow2'), '64M']);

  const doc = validDocument();
  const json = (v: unknown): string => JSON.stringify(v, null, 2);
  let nested = '"deep"';
  for (let i = 0; i < 100_000; i++) nested = `[${nested}]`;
  const bundlesDir = p('bundles');
  mkdirSync(bundlesDir);
  const bundles = {
    wrongVersion: bundle(bundlesDir, 'wrong-version', json({ ...doc, id: randomUUID(), schemaVersion: 99 })),
    extraFields: bundle(bundlesDir, 'extra-fields', json({ ...doc, id: randomUUID(), evil: { run: 'rm -rf /' } })),
    huge: bundle(bundlesDir, 'huge', json({ ...doc, id: randomUUID(), description: 'x'.repeat(32 * 1024 * 1024) })),
    nested: bundle(bundlesDir, 'nested', serializeVmDocument({ ...doc, id: randomUUID() }).replace('"extraArgs": []', `"extraArgs": ${nested}`)),
    shadow: bundle(bundlesDir, 'shadow', { link: '/etc/shadow' }),
    notObject: bundle(bundlesDir, 'not-object', '[1, 2, 3]'),
    newlineName: bundle(bundlesDir, 'newline-name', json({ ...doc, id: randomUUID(), name: 'evil\n-drive file=/etc/shadow' })),
    proto: bundle(bundlesDir, 'proto', json({ ...doc, id: randomUUID() }).replace('{', '{\n  "__proto__": {"polluted": true},')),
  };
  const disk0 = (path: string, format: 'qcow2' | 'raw' = 'qcow2'): VmDocument['disks'] => [{ id: 'disk0', path, format, bus: 'sata', readOnly: false, discard: false }];
  const foreignBundle = (name: string, patch: Partial<VmDocument>, files: (dir: string) => void = () => undefined): string => {
    const dir = bundle(bundlesDir, name, serializeVmDocument({ ...doc, id: randomUUID(), name, bootOrder: ['disk0'], cdroms: [], ...patch }));
    mkdirSync(join(dir, 'disks'));
    files(dir);
    return dir;
  };
  const inBundleDisk = (dir: string): void => qemuImg(['create', '-q', '-f', 'qcow2', join(dir, 'disks', 'disk0.qcow2'), '64M']);
  const extraArgsMarker = p('spawned-by-extra-args');
  const foreign = {
    extraArgs: foreignBundle('foreign-extra-args', { disks: disk0('disks/disk0.qcow2'), extraArgs: ['-incoming', `exec:touch ${extraArgsMarker}`] }, inBundleDisk),
    extraArgsMarker,
    escapeArgs: foreignBundle('foreign-escape-args', { disks: disk0('disks/disk0.qcow2'), extraArgs: ['-name', 'x\u001b[2J\u001b[31mPWNED\u202e'] }, inBundleDisk),
    ownVmJson: foreignBundle('foreign-own-vm-json', { disks: disk0('vm.json', 'raw') }),
    outsideDisk: foreignBundle('foreign-outside-disk', { disks: disk0(p('good.qcow2')) }),
    backingShadow: foreignBundle('foreign-backing-shadow', { disks: disk0('disks/disk0.qcow2') }, (d) =>
      qemuImg(['create', '-q', '-f', 'qcow2', '-u', '-b', '/etc/shadow', '-F', 'raw', join(d, 'disks', 'disk0.qcow2'), '64M'])),
    linkedDisk: foreignBundle('foreign-linked-disk', { disks: disk0('disks/disk0.img', 'raw') }, (d) => symlinkSync('/etc/shadow', join(d, 'disks', 'disk0.img'))),
    outsideIso: foreignBundle('foreign-outside-iso', { disks: disk0('disks/disk0.qcow2'), cdroms: [{ id: 'cd0', path: p('readme.iso'), bus: 'sata' }] }, inBundleDisk),
  };
  return {
    dir,
    foreign,
    textIso: p('readme.iso'),
    dirIso: p('folder.iso'),
    fifo: p('pipe.qcow2'),
    shadowIso: p('shadow.iso'),
    shadowDisk: p('shadow.img'),
    awkwardQcow2: awkward,
    goodQcow2: p('good.qcow2'),
    truncatedQcow2: p('truncated.qcow2'),
    corruptQcow2: p('corrupt.qcow2'),
    backingShadow: p('backing-shadow.qcow2'),
    backingJson: p('backing-json.qcow2'),
    backingNbd: p('backing-nbd.qcow2'),
    backingMissing: p('backing-missing.qcow2'),
    bundles,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
