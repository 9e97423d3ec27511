// Hostile files outside the library, made once per runner: text given as an ISO, a FIFO, symlinks
// to /etc/shadow, broken and treacherous qcow2 images, paths with commas and quotes, hostile vm.json.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { newVmDocument, serializeVmDocument, type VmDocument } from '../../../src-shared/vm-document/index.js';

export interface HostileWorld {
  dir: string;
  /** Plain text named like an ISO. */
  textIso: string;
  /** A folder named like an ISO. */
  dirIso: string;
  /** A named pipe (reading it would block forever). */
  fifo: string;
  /** An OpenSSH private key (what `--ssh-key` must never send on). */
  privateKey: string;
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
  /** A host file no image may read (outside any bundle, not a system file: only the chain rules keep it out). */
  secret: string;
  /** VMDK descriptors whose extents are host files: monolithicFlat naming `secret`, twoGbMaxExtentFlat, vmfs. */
  vmdkFlatHost: string;
  vmdkTwoGb: string;
  vmdkVmfs: string;
  /** A qcow2 keeping its data in an external data file (`secret`). */
  dataFile: string;
  /** A qcow2 whose backing file is a symlink (next to it) to /etc/shadow. */
  backingSymlinkShadow: string;
  /** Two qcow2 images backing onto each other. */
  backingLoop: string;
  /** The top of a chain 40 images deep. */
  depthBomb: string;
  /** Archives (vm.export layout) carrying a crafted image, by kind. */
  archives: Record<'vmdkFlat' | 'jsonDecoy' | 'dataFile' | 'hostBacking' | 'nvramBacking', string>;
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

/**
 * vm.export-shaped archives (one folder: vm.json, disks/) whose image reaches a host file: a VMDK extent,
 * a json: backing name with a decoy file of that very name in disks/ (so a relative-name check passes), a
 * qcow2 data file, an absolute backing path, and UEFI vars backed by a host file.
 */
function makeArchives(dir: string, secret: string): HostileWorld['archives'] {
  mkdirSync(dir);
  const make = (name: string, disk: { file: string; format: 'qcow2' | 'vmdk' }, fill: (disks: string, top: string) => void, uefi = false): string => {
    const top = join(dir, name);
    mkdirSync(join(top, 'disks'), { recursive: true });
    const doc = validDocument(name);
    const firmware = uefi ? { ...doc.firmware, type: 'uefi' as const } : doc.firmware;
    writeFileSync(join(top, 'vm.json'), serializeVmDocument({ ...doc, firmware, disks: [{ id: 'disk0', path: `disks/${disk.file}`, format: disk.format, bus: 'virtio', readOnly: false, discard: true }], bootOrder: ['disk0'] }));
    fill(join(top, 'disks'), top);
    const archive = join(dir, `${name}.tar.gz`);
    execFileSync('tar', ['-czf', archive, '-C', dir, name]);
    return archive;
  };
  const json = `json:{"file":{"driver":"file","filename":"${secret}"}}`;
  return {
    vmdkFlat: make('vmdk-flat', { file: 'disk0.vmdk', format: 'vmdk' }, (d) =>
      writeFileSync(join(d, 'disk0.vmdk'), `# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="monolithicFlat"\n\nRW 2048 FLAT "${secret}" 0\n`),
    ),
    jsonDecoy: make('json-decoy', { file: 'disk0.qcow2', format: 'qcow2' }, (d) => {
      qemuImg(['create', '-q', '-f', 'qcow2', '-u', '-b', json, '-F', 'raw', join(d, 'disk0.qcow2'), '1M']);
      // The name read as a path: folders `json:{"file":…"filename":"` + the secret's path, then the decoy.
      mkdirSync(dirname(join(d, json)), { recursive: true });
      writeFileSync(join(d, json), Buffer.alloc(1024 * 1024));
    }),
    dataFile: make('data-file', { file: 'disk0.qcow2', format: 'qcow2' }, (d) => qemuImg(['create', '-q', '-f', 'qcow2', '-o', `data_file=${secret},data_file_raw=on`, join(d, 'disk0.qcow2'), '1M'])),
    hostBacking: make('host-backing', { file: 'disk0.qcow2', format: 'qcow2' }, (d) => qemuImg(['create', '-q', '-f', 'qcow2', '-u', '-b', secret, '-F', 'raw', join(d, 'disk0.qcow2'), '1M'])),
    nvramBacking: make(
      'nvram-backing',
      { file: 'disk0.qcow2', format: 'qcow2' },
      (d, top) => {
        qemuImg(['create', '-q', '-f', 'qcow2', join(d, 'disk0.qcow2'), '1M']);
        mkdirSync(join(top, 'nvram'));
        qemuImg(['create', '-q', '-f', 'qcow2', '-u', '-b', secret, '-F', 'raw', join(top, 'nvram', 'efivars.qcow2'), '1M']);
      },
      true,
    ),
  };
}

export function makeHostileWorld(): HostileWorld {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-hostile-'));
  const p = (name: string): string => join(dir, name);
  writeFileSync(p('readme.iso'), 'This is a text file, not an ISO 9660 image.\n'.repeat(2000));
  mkdirSync(p('folder.iso'));
  execFileSync('mkfifo', [p('pipe.qcow2')]);
  writeFileSync(p('id_test'), '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n');
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
  writeFileSync(p('secret.txt'), 'host secret\n'.repeat(100_000));
  const descriptor = (type: string, extent: string): string =>
    `# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="${type}"\n\n# Extent description\n${extent}\n\nddb.virtualHWVersion = "4"\n`;
  writeFileSync(p('flat-host.vmdk'), descriptor('monolithicFlat', `RW 2048 FLAT "${p('secret.txt')}" 0`));
  writeFileSync(p('twogb.vmdk'), descriptor('twoGbMaxExtentFlat', 'RW 2048 FLAT "secret.txt" 0'));
  writeFileSync(p('vmfs.vmdk'), descriptor('vmfs', 'RW 2048 VMFS "secret.txt"'));
  qemuImg(['create', '-q', '-f', 'qcow2', '-o', `data_file=${p('secret.txt')},data_file_raw=on`, p('data-file.qcow2'), '1M']);
  symlinkSync('/etc/shadow', p('shadow-link.raw'));
  qemuImg(['create', '-q', '-f', 'qcow2', '-u', '-b', 'shadow-link.raw', '-F', 'raw', p('backing-symlink.qcow2'), '64M']);
  qemuImg(['create', '-q', '-f', 'qcow2', '-u', '-b', 'loop-b.qcow2', '-F', 'qcow2', p('loop-a.qcow2'), '64M']);
  qemuImg(['create', '-q', '-f', 'qcow2', '-u', '-b', 'loop-a.qcow2', '-F', 'qcow2', p('loop-b.qcow2'), '64M']);
  mkdirSync(p('bomb'));
  qemuImg(['create', '-q', '-f', 'qcow2', p('bomb/layer0.qcow2'), '64M']);
  for (let i = 1; i < 40; i++) qemuImg(['create', '-q', '-f', 'qcow2', '-u', '-b', `layer${i - 1}.qcow2`, '-F', 'qcow2', p(`bomb/layer${i}.qcow2`), '64M']);
  const archives = makeArchives(p('archives'), p('secret.txt'));

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
    privateKey: p('id_test'),
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
    secret: p('secret.txt'),
    vmdkFlatHost: p('flat-host.vmdk'),
    vmdkTwoGb: p('twogb.vmdk'),
    vmdkVmfs: p('vmfs.vmdk'),
    dataFile: p('data-file.qcow2'),
    backingSymlinkShadow: p('backing-symlink.qcow2'),
    backingLoop: p('loop-a.qcow2'),
    depthBomb: p('bomb/layer39.qcow2'),
    archives,
    bundles,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
