// Hostile libvirt connections: bad URIs and names (refused at the contract), hosts that cannot be reached or
// refuse the key, a host without libvirt, a domain Hangar did not write, a connection dropped mid-operation.
// One row per case; each refusal is specific, names its fix where there is one, and leaves connections.json as it was.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandArgs, EngineClient } from '../../../src-shared/contract/index.js';
import { fixturePaths } from '../../helpers/fixtures.js';
import { SYSTEM_URI, type LoopbackSshd } from '../../helpers/libvirt-host.js';

export interface LibvirtContext {
  client: EngineClient;
  sshd: LoopbackSshd;
  /** A loopback port nothing listens on. */
  closedPort: number;
  /** Sets the engine's ssh program (HANGAR_LIBVIRT_SSH) for the rows that reach the loopback sshd. */
  useSsh(path: string | undefined): void;
}

export interface LibvirtCase {
  id: string;
  title: string;
  run(x: LibvirtContext): Promise<unknown>;
  refused: { code: string; message: RegExp };
}

const add = (x: LibvirtContext, name: string, uri: string): Promise<unknown> => x.client.call('connection.add', { name, uri });

/** Adds the connection, then tests it (the add itself succeeds: only reaching the host fails). */
async function addAndTest(x: LibvirtContext, name: string, uri: string, ssh: string | undefined): Promise<unknown> {
  x.useSsh(ssh);
  await add(x, name, uri);
  try {
    return await x.client.call('connection.test', { name });
  } finally {
    await x.client.call('connection.remove', { name });
  }
}

/** Adds the connection and asks it for a display socket (what the display page's relay does), then removes it. */
async function displayOn(x: LibvirtContext, name: string, uri: string, ssh: string | undefined, vm: string): Promise<unknown> {
  x.useSsh(ssh);
  await add(x, name, uri);
  x.client.connection = name;
  try {
    return await x.client.call('vm.displaySocket', { vm });
  } finally {
    x.client.connection = undefined;
    await x.client.call('connection.remove', { name });
  }
}

/** pool.upload on the connection "sys" (qemu:///system), or on `on`. */
async function upload(x: LibvirtContext, args: CommandArgs<'pool.upload'>, on = 'sys'): Promise<unknown> {
  x.client.connection = on;
  try {
    return await x.client.call('pool.upload', args);
  } finally {
    x.client.connection = undefined;
  }
}

/** An upload whose volume name the default pool has already (made here with virsh, removed after). */
async function uploadOverExisting(x: LibvirtContext): Promise<unknown> {
  const name = `hangar-hostile-${process.pid}.iso`;
  const virsh = (...a: string[]): string => execFileSync('virsh', ['-q', '-c', SYSTEM_URI, ...a], { encoding: 'utf8' });
  virsh('vol-create-as', '--pool=default', `--name=${name}`, '--capacity=4096', '--format=raw');
  try {
    return await upload(x, { path: fixturePaths.linuxIso, name });
  } finally {
    virsh('vol-delete', '--pool=default', `--vol=${name}`);
  }
}

/** An upload of a FIFO named like an ISO (opening it for reading would wait for a writer forever). */
async function uploadFifo(x: LibvirtContext): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-fifo-'));
  execFileSync('mkfifo', [join(dir, 'pipe.iso')]);
  try {
    return await upload(x, { path: join(dir, 'pipe.iso') });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An upload to a connection whose host nothing answers on. */
async function uploadUnreachable(x: LibvirtContext): Promise<unknown> {
  x.useSsh(undefined);
  await add(x, 'downup', `qemu+ssh://root@127.0.0.1:${x.closedPort}/system`);
  try {
    return await upload(x, { path: fixturePaths.linuxIso }, 'downup');
  } finally {
    await x.client.call('connection.remove', { name: 'downup' });
  }
}

const NO_SUCH_UUID = '0badc0de-0000-4000-8000-000000000000';

export const libvirtCases: LibvirtCase[] = [
  { id: 'uri-command-param', title: 'a URI naming a program for virsh to run', run: (x) => add(x, 'evil', 'qemu+ssh://root@example.org/system?command=/tmp/evil'), refused: { code: 'invalid-args', message: /URI parameter "command" is not allowed/ } },
  { id: 'uri-no-verify', title: 'a URI turning host-key checks off', run: (x) => add(x, 'evil', 'qemu+ssh://root@example.org/system?no_verify=1'), refused: { code: 'invalid-args', message: /"no_verify" is not allowed/ } },
  { id: 'uri-keyfile', title: 'a URI naming a key file', run: (x) => add(x, 'evil', 'qemu+ssh://root@example.org/system?keyfile=/etc/shadow'), refused: { code: 'invalid-args', message: /"keyfile" is not allowed/ } },
  { id: 'uri-password', title: 'a URI with a password', run: (x) => add(x, 'pw', 'qemu+ssh://root:hunter2@example.org/system'), refused: { code: 'invalid-args', message: /must not carry a password/ } },
  { id: 'uri-option-host', title: 'a host that is an ssh option', run: (x) => add(x, 'opt', 'qemu+ssh://-oProxyCommand=x/system'), refused: { code: 'invalid-args', message: /uri/ } },
  { id: 'uri-tcp', title: 'an unencrypted TCP transport', run: (x) => add(x, 'tcp', 'qemu+tcp://example.org/system'), refused: { code: 'invalid-args', message: /not supported: use qemu:\/\/\/ .* or qemu\+ssh:\/\// } },
  { id: 'uri-other-driver', title: 'another hypervisor driver', run: (x) => add(x, 'xen', 'xen:///system'), refused: { code: 'invalid-args', message: /not supported/ } },
  { id: 'uri-newline', title: 'a URI with a line break', run: (x) => add(x, 'nl', 'qemu:///system\nqemu+ssh://x/system'), refused: { code: 'invalid-args', message: /spaces or control characters/ } },
  { id: 'test-uri-command-param', title: "the Add dialog's Test of a URI naming a program", run: (x) => x.client.call('connection.test', { uri: 'qemu+ssh://root@example.org/system?command=/tmp/evil' }), refused: { code: 'invalid-args', message: /URI parameter "command" is not allowed/ } },
  { id: 'test-name-and-uri', title: 'a Test naming a saved connection and a URI at once', run: (x) => x.client.call('connection.test', { name: 'sys', uri: 'qemu:///system' }), refused: { code: 'invalid-args', message: /give either name or uri/ } },
  { id: 'test-unsaved-unreachable', title: 'a Test of an unsaved URI whose host nothing answers on', run: (x) => (x.useSsh(undefined), x.client.call('connection.test', { uri: `qemu+ssh://root@127.0.0.1:${x.closedPort}/system` })), refused: { code: 'io', message: /cannot reach 127\.0\.0\.1:\d+: .*Connection refused/ } },
  { id: 'name-local', title: 'the name of This computer', run: (x) => add(x, 'local', 'qemu:///system'), refused: { code: 'invalid-args', message: /"local" is This computer/ } },
  { id: 'name-path', title: 'a name with a path in it', run: (x) => add(x, '../lab', 'qemu:///system'), refused: { code: 'invalid-args', message: /name: must be 1-40 letters/ } },
  { id: 'unknown-connection', title: 'a request on a connection that does not exist', run: (x) => ((x.client.connection = 'nope'), x.client.call('library.list', {}).finally(() => (x.client.connection = undefined))), refused: { code: 'not-found', message: /no connection "nope"/ } },
  { id: 'unreachable-host', title: 'a host nothing answers on', run: (x) => addAndTest(x, 'down', `qemu+ssh://root@127.0.0.1:${x.closedPort}/system`, undefined), refused: { code: 'io', message: /cannot reach 127\.0\.0\.1:\d+: .*Connection refused/ } },
  { id: 'wrong-key', title: 'a key the host does not accept', run: (x) => addAndTest(x, 'wrongkey', x.sshd.uri, x.sshd.wrongKeySsh), refused: { code: 'io', message: /refused your SSH key: add it with `ssh-copy-id -p \d+ root@127\.0\.0\.1`/ } },
  { id: 'unknown-host-key', title: 'a host key not in known_hosts', run: (x) => addAndTest(x, 'newhost', x.sshd.uri, x.sshd.unknownHostSsh), refused: { code: 'io', message: /not in your known_hosts.*`ssh-keyscan -p \d+ 127\.0\.0\.1 >> ~\/\.ssh\/known_hosts`/ } },
  { id: 'display-unreachable-host', title: 'a display on a host nothing answers on', run: (x) => displayOn(x, 'downdisp', `qemu+ssh://root@127.0.0.1:${x.closedPort}/system`, undefined, NO_SUCH_UUID), refused: { code: 'io', message: /cannot reach 127\.0\.0\.1:\d+: .*Connection refused/ } },
  { id: 'display-unknown-id', title: 'a display for an id no library machine or connection has', run: (x) => x.client.call('vm.displaySocket', { vm: NO_SUCH_UUID }), refused: { code: 'not-found', message: /0badc0de/ } },
  { id: 'upload-name-slash', title: 'an upload whose volume name has a "/"', run: (x) => upload(x, { path: fixturePaths.linuxIso, name: '../../etc/x.iso' }), refused: { code: 'invalid-args', message: /pool\.upload: name: must be a plain file name, without "\/"/ } },
  { id: 'upload-name-dotdot', title: 'an upload named ".."', run: (x) => upload(x, { path: fixturePaths.linuxIso, name: '..' }), refused: { code: 'invalid-args', message: /name: must not start with "\."/ } },
  { id: 'upload-name-hidden', title: 'an upload named like a hidden file', run: (x) => upload(x, { path: fixturePaths.linuxIso, name: '.bashrc' }), refused: { code: 'invalid-args', message: /name: must not start with "\."/ } },
  { id: 'upload-name-newline', title: 'an upload whose volume name has a line break', run: (x) => upload(x, { path: fixturePaths.linuxIso, name: 'ok.iso\nfake line' }), refused: { code: 'invalid-args', message: /name: must not contain control characters/ } },
  { id: 'upload-existing-volume', title: 'an upload over a volume the pool has already', run: uploadOverExisting, refused: { code: 'exists', message: /has a volume "hangar-hostile-\d+\.iso" already; Hangar does not overwrite it/ } },
  { id: 'upload-fifo', title: 'an upload of a FIFO named like an ISO', run: uploadFifo, refused: { code: 'invalid-args', message: /pipe\.iso is not a regular file \(a FIFO, device or folder\)/ } },
  { id: 'upload-system-file', title: 'an upload of a system file', run: (x) => upload(x, { path: '/etc/shadow', name: 'shadow.iso' }), refused: { code: 'invalid-args', message: /\/etc\/shadow is a system file \(under \/etc\)/ } },
  { id: 'upload-unknown-pool', title: 'an upload to a pool the host does not have', run: (x) => upload(x, { path: fixturePaths.linuxIso, pool: 'nopool' }), refused: { code: 'not-found', message: /no active storage pool "nopool" on connection "sys" \(its pools: .*default/ } },
  { id: 'upload-unreachable-host', title: 'an upload to a host nothing answers on', run: uploadUnreachable, refused: { code: 'io', message: /cannot reach 127\.0\.0\.1:\d+: .*Connection refused/ } },
  { id: 'host-without-libvirt', title: 'a host that runs no libvirt', run: (x) => addAndTest(x, 'nolibvirt', x.sshd.uri, x.sshd.noLibvirtSsh), refused: { code: 'io', message: /does not run libvirt \(install libvirt-daemon-system there/ } },
];

/** Input to a running foreign domain whose serial console is a pty (what Hangar's older domains have too): refusals before anything is sent. */
export interface LibvirtInputCase {
  id: string;
  title: string;
  run(client: EngineClient, vm: string): Promise<unknown>;
  refused: { code: string; message: RegExp };
}

export const libvirtInputCases: LibvirtInputCase[] = [
  { id: 'console-write-pty', title: 'typing into a pty serial console (needs a terminal on the host)', run: (c, vm) => c.call('vm.console.write', { vm, data: 'id\r' }), refused: { code: 'unsupported', message: /cannot type into the serial console: .*pseudo-terminal \(pty\), which only `virsh console` in a terminal can type into/ } },
  { id: 'console-write-oversized', title: 'a serial write over the contract\'s limit', run: (c, vm) => c.call('vm.console.write', { vm, data: 'x'.repeat(1_000_001) }), refused: { code: 'invalid-args', message: /data/ } },
  { id: 'sendkey-unknown', title: 'a key combo with a key no table knows', run: (c, vm) => c.call('vm.sendKey', { vm, combo: 'ctrl-alt-frobnicate' }), refused: { code: 'invalid-args', message: /unknown key "frobnicate"/ } },
  { id: 'sendkey-unmappable', title: 'a QEMU key libvirt\'s key numbers here do not cover', run: (c, vm) => c.call('vm.sendKey', { vm, combo: 'ac_bookmarks' }), refused: { code: 'invalid-args', message: /the key "ac_bookmarks" cannot be sent to a libvirt machine/ } },
  { id: 'sendkey-shell', title: 'a combo that is a shell command', run: (c, vm) => c.call('vm.sendKey', { vm, combo: '$(touch /tmp/hangar-pwned)' }), refused: { code: 'invalid-args', message: /unknown key/ } },
  { id: 'typetext-control', title: 'typed text with an escape sequence', run: (c, vm) => c.call('vm.typeText', { vm, text: 'ls\x1b[2J' }), refused: { code: 'invalid-args', message: /cannot type "\\u001b"/ } },
  { id: 'typetext-nul', title: 'typed text with a NUL', run: (c, vm) => c.call('vm.typeText', { vm, text: 'a\0b' }), refused: { code: 'invalid-args', message: /cannot type "\\u0000"/ } },
  { id: 'typetext-too-many-keys', title: 'typed text of more keys than virsh send-key calls Hangar makes at once', run: (c, vm) => c.call('vm.typeText', { vm, text: 'a'.repeat(5000) }), refused: { code: 'invalid-args', message: /typing 5000 keys into a libvirt machine: at most 4096/ } },
  { id: 'typetext-oversized', title: 'typed text over the contract\'s limit', run: (c, vm) => c.call('vm.typeText', { vm, text: 'a'.repeat(100_001) }), refused: { code: 'invalid-args', message: /text/ } },
];
