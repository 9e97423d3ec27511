// The engine contract under hostile input: one row per case (see support/case-types.ts).
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { CommandResult } from '../../../src-shared/contract/index.js';
import { CURRENT_SCHEMA_VERSION } from '../../../src-shared/vm-document/index.js';
import { SAFE_BUNDLE_FOLDER } from '../../../src-main/engine/storage/slug.js';
import type { EngineCase, EngineCaseContext } from '../support/case-types.js';
import { fixturePaths } from '../../helpers/fixtures.js';

const created = (r: unknown): CommandResult<'vm.create'> => r as CommandResult<'vm.create'>;

/** A created VM stayed inside the library, under a safe folder name, with its name kept verbatim. */
function containedAs(name: string) {
  return (ctx: EngineCaseContext, r: unknown): void => {
    const { bundleDir, doc } = created(r);
    expect(doc.name).toBe(name.trim());
    expect(bundleDir.startsWith(`${ctx.libraryDir}/`)).toBe(true);
    const folder = bundleDir.slice(ctx.libraryDir.length + 1);
    expect(folder).toMatch(SAFE_BUNDLE_FOLDER);
  };
}

/**
 * An oversized line with no newline: the engine must drop that connection (not buffer without end) and
 * keep serving everyone else. Rejects like a refusal when the engine hangs up, with what a fresh client then gets.
 */
function oversizedLine(ctx: EngineCaseContext, bytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const s = connect(ctx.controlSocket);
    s.on('connect', () => s.write('{"type":"request","id":1,"command":"vm.get","args":{"vm":"' + 'A'.repeat(bytes)));
    s.on('data', (d) => resolve(`the engine answered instead of hanging up: ${String(d).slice(0, 200)}`));
    s.on('error', () => undefined);
    s.on('close', () => {
      ctx.client.call('engine.hello', { client: 'after-oversized-line' }).then(
        (hello) => reject(Object.assign(new Error(`connection dropped; engine ${hello.engineVersion} still serves`), { code: 'io' })),
        (err: unknown) => resolve(`the engine stopped serving: ${String(err)}`),
      );
    });
    setTimeout(() => resolve('the engine neither answered nor hung up within 10 s'), 10_000).unref();
  });
}

/** One raw line over the control socket; resolves with the first line the engine answers. */
function rawLine(ctx: EngineCaseContext, line: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const s = connect(ctx.controlSocket);
    let buf = '';
    s.setEncoding('utf8');
    s.on('connect', () => s.write(line));
    s.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        s.end();
        const msg = JSON.parse(buf.slice(0, nl)) as { ok?: boolean; error?: { code: string; message: string } };
        if (msg.error) reject(Object.assign(new Error(msg.error.message), { code: msg.error.code }));
        else resolve(msg);
      }
    });
    s.on('error', reject);
    setTimeout(() => reject(new Error(`no answer to a raw line within 5 s (got ${JSON.stringify(buf)})`)), 5000).unref();
  });
}

const CONTROL = /name: must not contain control characters or bidirectional overrides/;
const TAKEN = /^a machine named "target" already exists \(id [0-9a-f-]{36}\).*; choose another name$/;

/** A stage for name cases: a second machine, made once (a later row finds it already there). */
function ensureVm(name: string) {
  return async (c: EngineCaseContext): Promise<void> => {
    await c.client.call('vm.create', { name }).catch((err: { code?: string }) => {
      if (err.code !== 'name-taken') throw err;
    });
  };
}

const ANSWERS = { method: 'preseed' as const, user: 'ada', password: 'x', hostname: 'analytical' };
const HOSTILE_PASSWORD = `hunter2'"\nd-i passwd/root-login boolean true\n</Value>&amp;$(reboot)\\`;
const unattendedRefusals: Array<[string, string, Record<string, unknown>, RegExp]> = [
  ['user-quote', 'a user name with quotes', { user: `ada'"` }, /user name/],
  ['user-newline', 'a user name with a newline (a second preseed answer)', { user: 'ada\nd-i passwd/root-login boolean true' }, /user name/],
  ['user-dollar', 'a user name with $ and a backslash', { user: 'a$b\\c' }, /user name/],
  ['user-xml', 'a user name with XML metacharacters', { user: '<ada>&' }, /user name/],
  ['hostname-long', 'a 64-character host name', { hostname: 'h'.repeat(64) }, /host name/],
  ['hostname-shell', 'a host name with $(...)', { hostname: '$(reboot)' }, /host name/],
  ['hostname-windows-long', 'a 16-character Windows computer name', { method: 'autounattend', hostname: 'sixteen-chars-xy' }, /at most 15/],
  ['fullname-newline', 'a full name with a newline', { fullName: 'Ada\n%pre\nreboot' }, /full name/],
  ['password-nul', 'a password with a NUL byte', { password: 'a\0b' }, /password/],
  ['password-huge', 'a 10,000-character password', { password: 'p'.repeat(10_000) }, /password/],
  ['timezone-path', 'a time zone that is a path', { timezone: '../../../etc/shadow' }, /time zone/],
  ['keyboard-inject', 'a keyboard layout with a kernel argument after it', { keyboard: 'us init=/bin/sh' }, /keyboard/],
  ['language-newline', 'a language with a newline', { language: 'en_US\n' }, /language/],
  ['method-unknown', 'an unknown answer method', { method: 'nsis' }, /method|Invalid option|expected one of/i],
];

export const engineCases: EngineCase[] = [
  // --- names -------------------------------------------------------------------------------------
  { id: 'name-10000-chars', title: 'a 10,000-character name', run: (c) => c.client.call('vm.create', { name: 'n'.repeat(10_000) }), refused: { code: 'invalid-args', message: /vm\.create: name: .*1000/ } },
  { id: 'name-blank', title: 'a name of spaces and tabs', run: (c) => c.client.call('vm.create', { name: ' \t  ' }), refused: { code: 'invalid-args', message: /^vm\.create: name: must not be empty$/ } },
  { id: 'name-newline', title: 'a name with a newline (would forge log and list lines)', run: (c) => c.client.call('vm.create', { name: 'web\n-drive file=/etc/shadow' }), refused: { code: 'invalid-args', message: CONTROL } },
  { id: 'name-nul', title: 'a name with a NUL byte', run: (c) => c.client.call('vm.create', { name: 'web\0evil' }), refused: { code: 'invalid-args', message: CONTROL } },
  { id: 'name-rtl-override', title: 'a name with a right-to-left override (spoofs "exe.txt")', run: (c) => c.client.call('vm.create', { name: 'invoice\u202Etxt.exe' }), refused: { code: 'invalid-args', message: CONTROL } },
  { id: 'name-escape-sequence', title: 'a name with a terminal escape sequence', run: (c) => c.client.call('vm.create', { name: 'x\u001b[2J\u001b[31mPWNED' }), refused: { code: 'invalid-args', message: CONTROL } },
  { id: 'rename-newline', title: 'renaming to a name with a newline', run: (c) => c.client.call('vm.rename', { vm: c.target.id, name: 'a\nb' }), refused: { code: 'invalid-args', message: CONTROL } },
  { id: 'rename-10000-chars', title: 'renaming to a 10,000-character name', run: (c) => c.client.call('vm.rename', { vm: c.target.id, name: 'r'.repeat(10_000) }), refused: { code: 'invalid-args', message: /vm\.rename: name: .*1000/ } },
  { id: 'update-name-newline', title: 'a settings patch that sets a name with a newline', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { name: 'a\r\nb' } }), refused: { code: 'invalid-document', message: /invalid VM document: name: must not contain control characters/ } },
  { id: 'name-slash', title: 'a name with slashes stays a display name', run: (c) => c.client.call('vm.create', { name: 'web/db/../../etc' }), accepted: containedAs('web/db/../../etc') },
  { id: 'name-dotdot', title: 'a name that is only ".."', run: (c) => c.client.call('vm.create', { name: '..' }), accepted: containedAs('..') },
  { id: 'name-emoji-only', title: 'an emoji-only name', run: (c) => c.client.call('vm.create', { name: '🚀🔥💾' }), accepted: containedAs('🚀🔥💾') },
  // --- one machine per name (src-shared/vm-name.ts): a second "target" would make every lookup by name ambiguous ---
  { id: 'name-duplicate-case', title: 'creating a second machine named like the target, in capitals', run: (c) => c.client.call('vm.create', { name: 'TARGET' }), refused: { code: 'name-taken', message: TAKEN } },
  { id: 'name-duplicate-spaces', title: 'the target\'s name with surrounding spaces', run: (c) => c.client.call('vm.create', { name: '  target  ', diskSizeGiB: 1 }), refused: { code: 'name-taken', message: TAKEN } },
  { id: 'name-duplicate-fullwidth', title: 'the target\'s name in full-width letters (looks the same)', run: (c) => c.client.call('vm.create', { name: 'ｔａｒｇｅｔ' }), refused: { code: 'name-taken', message: TAKEN } },
  { id: 'name-duplicate-zero-width', title: 'the target\'s name with a zero-width space inside', run: (c) => c.client.call('vm.create', { name: 'tar\u200bget' }), refused: { code: 'name-taken', message: TAKEN } },
  { id: 'name-duplicate-combining', title: 'a decomposed accent against a precomposed one', prepare: ensureVm('café'), run: (c) => c.client.call('vm.create', { name: 'cafe\u0301' }), refused: { code: 'name-taken', message: /^a machine named "café" already exists/ } },
  { id: 'clone-duplicate-name', title: 'cloning the target under its own name', run: (c) => c.client.call('vm.clone', { vm: c.target.id, name: 'Target' }), refused: { code: 'name-taken', message: TAKEN } },
  { id: 'rename-duplicate-name', title: 'renaming another machine to the target\'s name', prepare: ensureVm('dup-other'), run: (c) => c.client.call('vm.rename', { vm: 'dup-other', name: 'TARGET' }), refused: { code: 'name-taken', message: TAKEN } },
  { id: 'update-duplicate-name', title: 'a settings patch giving another machine the target\'s name', prepare: ensureVm('dup-other'), run: (c) => c.client.call('vm.update', { vm: 'dup-other', patch: { name: 'target' } }), refused: { code: 'name-taken', message: TAKEN } },
  {
    id: 'name-commas',
    title: 'a name with commas cannot inject QEMU options',
    run: (c) => c.client.call('vm.create', { name: 'a,debug-threads=off,process=evil' }),
    accepted: async (c, r) => {
      containedAs('a,debug-threads=off,process=evil')(c, r);
      const { argv } = await c.client.call('vm.argv', { vm: created(r).id });
      expect(argv[argv.indexOf('-name') + 1]).toBe('guest=a,,debug-threads=off,,process=evil,debug-threads=on');
    },
  },
  { id: 'vm-ref-unknown-newline', title: 'a VM reference with a newline names no VM', run: (c) => c.client.call('vm.start', { vm: 'target\nother' }), refused: { code: 'not-found', message: /no VM named or with id "target\nother"/ } },

  // --- sizes and numbers ---------------------------------------------------------------------------
  { id: 'disk-size-zero', title: 'a 0 GiB disk', run: (c) => c.client.call('vm.create', { name: 'z', diskSizeGiB: 0 }), refused: { code: 'invalid-args', message: /diskSizeGiB: .*>0/ } },
  { id: 'disk-size-negative', title: 'a negative disk size', run: (c) => c.client.call('vm.create', { name: 'z', diskSizeGiB: -20 }), refused: { code: 'invalid-args', message: /diskSizeGiB: .*>0/ } },
  { id: 'disk-size-2^64', title: 'a 2^64 GiB disk', run: (c) => c.client.call('vm.create', { name: 'z', diskSizeGiB: 2 ** 64 }), refused: { code: 'invalid-args', message: /diskSizeGiB: .*65536/ } },
  { id: 'disk-size-nan', title: 'a NaN disk size', run: (c) => c.client.call('vm.create', { name: 'z', diskSizeGiB: NaN }), refused: { code: 'invalid-args', message: /diskSizeGiB: .*(number|NaN)/ } },
  { id: 'memory-2^64', title: '2^64 MiB of memory', run: (c) => c.client.call('vm.create', { name: 'z', memoryMiB: 2 ** 64 }), refused: { code: 'invalid-args', message: /^vm\.create: memoryMiB: Too big: expected number to be <=16777216$/ } },
  { id: 'cpus-zero', title: '0 CPUs', run: (c) => c.client.call('vm.create', { name: 'z', cpus: 0 }), refused: { code: 'invalid-args', message: /cpus: .*>=1/ } },
  { id: 'resize-zero', title: 'resizing a disk to 0 GiB', run: (c) => c.client.call('disk.resize', { vm: c.target.id, disk: 'disk0', sizeGiB: 0 }), refused: { code: 'invalid-args', message: /sizeGiB: .*>0/ } },
  { id: 'resize-shrink', title: 'shrinking a disk', run: (c) => c.client.call('disk.resize', { vm: c.target.id, disk: 'disk0', sizeGiB: 0.5 }), refused: { code: 'invalid-args', message: /cannot resize disk0 from 1 GiB to 512 MiB: shrinking would destroy data/ } },
  { id: 'resize-2^64', title: 'resizing a disk to 2^64 GiB', run: (c) => c.client.call('disk.resize', { vm: c.target.id, disk: 'disk0', sizeGiB: 2 ** 64 }), refused: { code: 'invalid-args', message: /sizeGiB: .*65536/ } },
  { id: 'add-disk-negative', title: 'adding a disk of -1 GiB', run: (c) => c.client.call('disk.add', { vm: c.target.id, sizeGiB: -1 }), refused: { code: 'invalid-args', message: /sizeGiB: .*>0/ } },

  // --- paths -----------------------------------------------------------------------------------------
  { id: 'iso-text-file', title: 'a text file given as an ISO', run: (c) => c.client.call('vm.create', { name: 'z', iso: c.world.textIso }), refused: { code: 'invalid-args', message: /readme\.iso is not an ISO 9660 image \(/ } },
  { id: 'iso-directory', title: 'a folder given as an ISO', run: (c) => c.client.call('vm.create', { name: 'z', iso: c.world.dirIso }), refused: { code: 'invalid-args', message: /ISO is not a file: .*folder\.iso/ } },
  { id: 'iso-fifo', title: 'a FIFO given as an ISO (reading would hang)', run: (c) => c.client.call('vm.create', { name: 'z', iso: c.world.fifo }), refused: { code: 'invalid-args', message: /ISO is not a file: .*pipe\.qcow2/ } },
  { id: 'iso-shadow-link', title: 'an ISO symlink pointing at /etc/shadow', run: (c) => c.client.call('vm.create', { name: 'z', iso: c.world.shadowIso }), refused: { code: 'invalid-args', message: /shadow\.iso resolves to \/etc\/shadow, a system file \(under \/etc\); Hangar does not use files there as a CD\/DVD image/ } },
  { id: 'iso-proc', title: 'an ISO on /proc', run: (c) => c.client.call('vm.create', { name: 'z', iso: '/proc/self/environ' }), refused: { code: 'invalid-args', message: /\/proc\/self\/environ resolves to \/proc\/.*a system file/ } },
  // Unattended install answers (#18): every value the answer files carry is checked at the edge or escaped by its format.
  ...unattendedRefusals.map(([id, title, over, message]): EngineCase => ({ id: `unattended-${id}`, title: `unattended install: ${title}`, run: (c) => c.client.call('vm.create', { name: 'z', iso: fixturePaths.installerIso, diskSizeGiB: 1, unattended: { ...ANSWERS, ...over } }), refused: { code: 'invalid-args', message } })),
  { id: 'unattended-no-disk', title: 'unattended install without a new disk', run: (c) => c.client.call('vm.create', { name: 'z', iso: fixturePaths.installerIso, unattended: ANSWERS }), refused: { code: 'invalid-args', message: /needs an installer ISO and a new disk/ } },
  ...(['preseed', 'kickstart'] as const).map((method): EngineCase => ({
    id: `unattended-hostile-password-${method}`,
    title: `unattended ${method}: a password with quotes, a newline, XML metacharacters, $ and backslashes is hashed, never written`,
    // Creating from an ISO legitimately lists it in recent-isos.json; this row is about the answer file, so that list starts and ends absent.
    prepare: async (c) => rmSync(join(c.libraryDir, 'recent-isos.json'), { force: true }),
    run: (c) => c.client.call('vm.create', { name: `unattended ${method}`, iso: fixturePaths.installerIso, diskSizeGiB: 1, unattended: { ...ANSWERS, method, password: HOSTILE_PASSWORD, fullName: `O'Brien "<b>&amp;</b>" $(id) \\` } }),
    accepted: (c, r) => {
      rmSync(join(c.libraryDir, 'recent-isos.json'), { force: true });
      const text = readFileSync(join(created(r).bundleDir, 'unattended', method === 'preseed' ? 'preseed.cfg' : 'ks.cfg'), 'utf8');
      expect(text).not.toContain('hunter2');
      expect(text.split('\n').filter((l) => l.includes('ada')).length).toBeGreaterThan(0);
      expect(text).not.toMatch(/^d-i passwd\/root-login boolean true$/m);
    },
  })),
  { id: 'iso-missing-comma-path', title: 'a missing ISO whose path has commas and quotes', run: (c) => c.client.call('vm.create', { name: 'z', iso: `${c.world.dir}/a,b "c" 'd'.iso` }), refused: { code: 'not-found', message: /ISO not found: .*a,b "c" 'd'\.iso/ } },
  { id: 'inspect-text-file', title: 'iso.inspect on a text file', run: (c) => c.client.call('iso.inspect', { path: c.world.textIso }), refused: { code: 'invalid-args', message: /not an ISO 9660 image/ } },
  { id: 'inspect-fifo', title: 'iso.inspect on a FIFO', run: (c) => c.client.call('iso.inspect', { path: c.world.fifo }), refused: { code: 'invalid-args', message: /pipe\.qcow2 is not a regular file/ } },
  { id: 'media-insert-text', title: 'inserting a text file as a CD', run: (c) => c.client.call('media.insert', { vm: c.target.id, path: c.world.textIso }), refused: { code: 'invalid-args', message: /not an ISO 9660 image/ } },
  { id: 'existing-disk-fifo', title: 'a FIFO as an existing disk', run: (c) => c.client.call('vm.create', { name: 'z', existingDisk: c.world.fifo }), refused: { code: 'invalid-args', message: /the disk image is not a file: .*pipe\.qcow2/ } },
  { id: 'existing-disk-shadow', title: 'a raw disk symlink to /etc/shadow', run: (c) => c.client.call('vm.create', { name: 'z', existingDisk: c.world.shadowDisk }), refused: { code: 'invalid-args', message: /shadow\.img resolves to \/etc\/shadow, a system file \(under \/etc\); Hangar does not use files there as a disk image/ } },
  { id: 'existing-disk-proc', title: 'a disk on /proc', run: (c) => c.client.call('vm.create', { name: 'z', existingDisk: '/proc/self/mem' }), refused: { code: 'invalid-args', message: /\/proc\/self\/mem resolves to \/proc\/.*a system file/ } },
  { id: 'disk-add-shadow', title: 'disk.add of a symlink to /etc/shadow', run: (c) => c.client.call('disk.add', { vm: c.target.id, path: c.world.shadowDisk }), refused: { code: 'invalid-args', message: /resolves to \/etc\/shadow, a system file/ } },
  // --- cloud images (vm.create cloudImage + cloudInit): the image gets the disks' checks; every seed value is checked before anything is written ---
  { id: 'cloud-image-shadow', title: 'a cloud image that is a symlink to /etc/shadow', run: (c) => c.client.call('vm.create', { name: 'z', cloudImage: c.world.shadowDisk }), refused: { code: 'invalid-args', message: /shadow\.img resolves to \/etc\/shadow, a system file \(under \/etc\); Hangar does not use files there as a cloud image/ } },
  { id: 'cloud-image-proc', title: 'a cloud image on /proc', run: (c) => c.client.call('vm.create', { name: 'z', cloudImage: '/proc/self/mem' }), refused: { code: 'invalid-args', message: /\/proc\/self\/mem resolves to \/proc\/.*a system file/ } },
  { id: 'cloud-image-fifo', title: 'a FIFO as a cloud image (reading would hang)', run: (c) => c.client.call('vm.create', { name: 'z', cloudImage: c.world.fifo }), refused: { code: 'invalid-args', message: /not a file: .*pipe\.qcow2/ } },
  { id: 'cloud-image-backing-shadow', title: 'a cloud image whose backing file is /etc/shadow', run: (c) => c.client.call('vm.create', { name: 'z', cloudImage: c.world.backingShadow }), refused: { code: 'invalid-args', message: /\/etc\/shadow.*system file/ } },
  { id: 'cloud-image-data-file', title: 'a cloud image keeping its data in a host file', run: (c) => c.client.call('vm.create', { name: 'z', cloudImage: c.world.dataFile }), refused: { code: 'invalid-args', message: /data file/ } },
  { id: 'cloud-image-text', title: 'a text file as a cloud image', run: (c) => c.client.call('vm.create', { name: 'z', cloudImage: c.world.textIso }), refused: { code: 'invalid-args', message: /not a disk image/ } },
  { id: 'cloud-init-without-image', title: 'cloud-init values without a cloud image', run: (c) => c.client.call('vm.create', { name: 'z', cloudInit: { user: 'alice' } }), refused: { code: 'invalid-args', message: /cloud-init values go with a cloud image/ } },
  { id: 'cloud-user-quote', title: 'a user name with quotes (would end the YAML string)', run: (c) => c.client.call('vm.create', { name: 'z', cloudImage: c.world.goodQcow2, cloudInit: { user: 'al"ice' } }), refused: { code: 'invalid-args', message: /^cloud-init user "al\\"ice" must be 1–32 characters/ } },
  { id: 'cloud-user-newline', title: 'a user name with a newline and a YAML key after it', run: (c) => c.client.call('vm.create', { name: 'z', cloudImage: c.world.goodQcow2, cloudInit: { user: 'alice\nruncmd: [reboot]' } }), refused: { code: 'invalid-args', message: /^cloud-init user .* must be 1–32 characters/ } },
  { id: 'cloud-user-root', title: 'root as the user (would take over the system account)', run: (c) => c.client.call('vm.create', { name: 'z', cloudImage: c.world.goodQcow2, cloudInit: { user: 'root' } }), refused: { code: 'invalid-args', message: /system account/ } },
  { id: 'cloud-hostname-yaml', title: 'a host name with a newline and a runcmd after it', run: (c) => c.client.call('vm.create', { name: 'z', cloudImage: c.world.goodQcow2, cloudInit: { hostname: 'box\nruncmd: [reboot]' } }), refused: { code: 'invalid-args', message: /^cloud-init hostname .* must be a host name/ } },
  { id: 'cloud-hostname-long', title: 'a host name of 254 characters', run: (c) => c.client.call('vm.create', { name: 'z', cloudImage: c.world.goodQcow2, cloudInit: { hostname: 'a'.repeat(254) } }), refused: { code: 'invalid-args', message: /hostname: .*253/ } },
  { id: 'cloud-key-two-lines', title: 'an SSH key with a newline and a second line', run: (c) => c.client.call('vm.create', { name: 'z', cloudImage: c.world.goodQcow2, cloudInit: { sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEggYlb0WrW1+dRkKoOSAJBizcjB8u0uFJz63w4PnP/V a\nruncmd: [reboot]'] } }), refused: { code: 'invalid-args', message: /SSH key 1 must be one line/ } },
  { id: 'cloud-key-quote-comment', title: 'an SSH key whose comment has quotes (kept, JSON-quoted in the seed)', run: (c) => c.client.call('vm.create', { name: 'z', cloudImage: c.world.goodQcow2, cloudInit: { sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEggYlb0WrW1+dRkKoOSAJBizcjB8u0uFJz63w4PnP/V "a" \'b\' #c'] } }), accepted: (_c, r) => expect(created(r).doc.cdroms[0]!.path).toBe('disks/cidata.iso') },
  { id: 'cloud-key-private', title: 'a private key pasted as the SSH key', run: (c) => c.client.call('vm.create', { name: 'z', cloudImage: c.world.goodQcow2, cloudInit: { sshKeys: ['-----BEGIN OPENSSH PRIVATE KEY-----'] } }), refused: { code: 'invalid-args', message: /private key: give the public key/ } },
  { id: 'cloud-key-damaged', title: 'an SSH key whose data does not match its type', run: (c) => c.client.call('vm.create', { name: 'z', cloudImage: c.world.goodQcow2, cloudInit: { sshKeys: ['ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIEggYlb0WrW1+dRkKoOSAJBizcjB8u0uFJz63w4PnP/V x'] } }), refused: { code: 'invalid-args', message: /damaged/ } },
  { id: 'cloud-keys-33', title: '33 SSH keys', run: (c) => c.client.call('vm.create', { name: 'z', cloudImage: c.world.goodQcow2, cloudInit: { sshKeys: Array.from({ length: 33 }, () => 'ssh-ed25519 AAAA') } }), refused: { code: 'invalid-args', message: /sshKeys: .*32/ } },
  { id: 'cloud-password-newline', title: 'a password with a newline', run: (c) => c.client.call('vm.create', { name: 'z', cloudImage: c.world.goodQcow2, cloudInit: { user: 'alice', password: 'a\nb' } }), refused: { code: 'invalid-args', message: /^cloud-init password must not contain a NUL or a line break$/ } },
  { id: 'cloud-user-data-oversize', title: 'user-data of 64 KiB + 1 (seed size)', run: (c) => c.client.call('vm.create', { name: 'z', cloudImage: c.world.goodQcow2, cloudInit: { userData: `#cloud-config\n${'x'.repeat(64 * 1024)}` } }), refused: { code: 'invalid-args', message: /userData: .*65536/ } },
  { id: 'cloud-user-data-not-cloud-config', title: 'user-data that is neither #cloud-config nor a script', run: (c) => c.client.call('vm.create', { name: 'z', cloudImage: c.world.goodQcow2, cloudInit: { userData: 'runcmd: [reboot]' } }), refused: { code: 'invalid-args', message: /must start with "#cloud-config"/ } },
  {
    id: 'cloud-user-data-max',
    title: 'user-data at the 64 KiB limit (seed size): the seed stays a small file',
    run: (c) => c.client.call('vm.create', { name: 'z', cloudImage: c.world.awkwardQcow2, cloudInit: { userData: `#cloud-config\n#${'x'.repeat(64 * 1024 - 16)}` } }),
    accepted: (_c, r) => {
      const { doc, bundleDir } = created(r);
      expect(doc.disks[0]!.baseImage).toMatch(/my disk, "/);
      expect(statSync(join(bundleDir, 'disks', 'cidata.iso')).size).toBeLessThan(128 * 1024);
    },
  },
  // --- USB (usb.attach / usb.detach / usb.rule.*): a stick's image gets the disks' checks, ids never reach QEMU's parser unchecked ---
  { id: 'usb-image-fifo', title: 'a FIFO as a USB stick image (opening it would hang)', run: (c) => c.client.call('usb.attach', { vm: c.target.id, image: c.world.fifo }), refused: { code: 'invalid-args', message: /^USB stick image: the image .*pipe\.qcow2 is not a regular file \(a device, FIFO or folder\)/ } },
  { id: 'usb-image-device-node', title: 'a device node (/dev/zero) as a USB stick image', run: (c) => c.client.call('usb.attach', { vm: c.target.id, image: '/dev/zero' }), refused: { code: 'invalid-args', message: /^USB stick image: the image \/dev\/zero is not a regular file/ } },
  { id: 'usb-image-shadow', title: 'a USB stick image that is a symlink to /etc/shadow', run: (c) => c.client.call('usb.attach', { vm: c.target.id, image: c.world.shadowDisk }), refused: { code: 'invalid-args', message: /resolves to \/etc\/shadow, a system file \(under \/etc\)/ } },
  { id: 'usb-image-vm-json', title: "the machine's own vm.json as a USB stick (a guest would give itself extra QEMU arguments)", run: (c) => c.client.call('usb.attach', { vm: c.target.id, image: join(c.target.bundleDir, 'vm.json') }), refused: { code: 'invalid-args', message: /vm\.json lies in the machine folder .* outside its disks\/ folder/ } },
  { id: 'usb-device-comma', title: 'a host device with a comma (QEMU option injection)', run: (c) => c.client.call('usb.attach', { vm: c.target.id, device: '046d:c52b,hostbus=1' }), refused: { code: 'invalid-args', message: /device: must be VENDOR:PRODUCT, 4 hex digits each, like 046d:c52b/ } },
  { id: 'usb-device-non-hex', title: 'a host device that is not hex', run: (c) => c.client.call('usb.attach', { vm: c.target.id, device: 'zzzz:0001' }), refused: { code: 'invalid-args', message: /device: must be VENDOR:PRODUCT/ } },
  { id: 'usb-rule-comma', title: 'a USB rule port with a comma', run: (c) => c.client.call('usb.rule.add', { vm: c.target.id, device: '1-2,vendorid=1' }), refused: { code: 'invalid-args', message: /device: must be VENDOR:PRODUCT \(4 hex digits each, like 046d:c52b\) or a USB port like 1-2\.3/ } },
  { id: 'usb-image-and-device', title: 'usb.attach with both an image and a device', run: (c) => c.client.call('usb.attach', { vm: c.target.id, image: c.world.goodQcow2, device: '046d:c52b' }), refused: { code: 'invalid-args', message: /give either image or device/ } },
  { id: 'usb-detach-unknown', title: 'detaching a USB device id that is not attached', run: (c) => c.client.call('usb.detach', { vm: c.target.id, id: 'usb9' }), refused: { code: 'not-found', message: /has no USB device "usb9" attached \(it has: none\)/ } },
  { id: 'usb-rule-remove-unknown', title: 'removing a USB rule the machine does not have', run: (c) => c.client.call('usb.rule.remove', { vm: c.target.id, device: '046d:c52b' }), refused: { code: 'not-found', message: /has no USB rule 046d:c52b \(rules: none\)/ } },
  { id: 'usb-update-bad-rule', title: 'a settings patch with a USB rule whose vendor has a comma', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { usb: { images: [], rules: [{ vendor: '04,6', product: 'c52b' }] } } }), refused: { code: 'invalid-document', message: /usb\.rules\[0\]/ } },
  { id: 'disk-add-fifo', title: 'disk.add of a FIFO', run: (c) => c.client.call('disk.add', { vm: c.target.id, path: c.world.fifo }), refused: { code: 'invalid-args', message: /the disk image is not a file: .*pipe\.qcow2/ } },
  {
    id: 'existing-disk-awkward-path',
    title: 'a disk whose path has a comma, spaces and quotes is passed to QEMU intact',
    run: (c) => c.client.call('vm.create', { name: 'awkward', existingDisk: c.world.awkwardQcow2 }),
    accepted: async (c, r) => {
      containedAs('awkward')(c, r);
      const { argv } = await c.client.call('vm.argv', { vm: created(r).id });
      // The checked chain goes to QEMU as JSON -blockdev nodes: the path is a JSON string, commas single.
      const files = argv.filter((a) => a.startsWith('{')).map((a) => JSON.parse(a) as Record<string, unknown>).filter((n) => n['node-name'] === 'disk0-file');
      expect(files).toEqual([{ driver: 'file', filename: c.world.awkwardQcow2, 'node-name': 'disk0-file', discard: 'unmap' }]);
    },
  },

  { id: 'media-insert-shadow', title: 'inserting a symlink to /etc/shadow as a CD', run: (c) => c.client.call('media.insert', { vm: c.target.id, path: c.world.shadowIso }), refused: { code: 'invalid-args', message: /shadow\.iso resolves to \/etc\/shadow, a system file/ } },
  {
    id: 'start-patched-shadow-cd',
    title: 'starting a VM whose CD a settings patch pointed at /etc/shadow',
    prepare: async (c) => {
      const { id } = await c.client.call('vm.create', { name: 'patched cd' });
      await c.client.call('vm.update', { vm: id, patch: { cdroms: [{ id: 'cd0', path: c.world.shadowIso, bus: 'sata' }] } });
    },
    run: (c) => c.client.call('vm.start', { vm: 'patched cd' }),
    refused: { code: 'start-refused', message: /^the ISO in cd0 of "patched cd": .*shadow\.iso resolves to \/etc\/shadow, a system file/ },
  },
  {
    id: 'start-patched-proc-disk',
    title: 'starting a VM whose disk a settings patch pointed at /proc/self/mem',
    prepare: async (c) => {
      const { id } = await c.client.call('vm.create', { name: 'patched disk' });
      await c.client.call('vm.update', { vm: id, patch: { disks: [{ id: 'disk0', path: '/proc/self/mem', format: 'raw', bus: 'sata', readOnly: false, discard: false }] } });
    },
    run: (c) => c.client.call('vm.start', { vm: 'patched disk' }),
    refused: { code: 'start-refused', message: /^disk disk0 of "patched disk": \/proc\/self\/mem resolves to \/proc\/\d+\/mem, a system file/ },
  },

  // --- disk images ----------------------------------------------------------------------------------
  { id: 'qcow2-truncated', title: 'a truncated qcow2 as an existing disk', run: (c) => c.client.call('vm.create', { name: 'z', existingDisk: c.world.truncatedQcow2 }), refused: { code: 'invalid-args', message: /truncated\.qcow2 is not a disk image qemu-img can read: .*qcow2 header too short/ } },
  { id: 'qcow2-corrupt', title: 'a qcow2 with a garbage header', run: (c) => c.client.call('vm.create', { name: 'z', existingDisk: c.world.corruptQcow2 }), refused: { code: 'invalid-args', message: /corrupt\.qcow2 is not a disk image qemu-img can read: .*cluster size/ } },
  { id: 'qcow2-backing-shadow', title: 'a qcow2 whose backing file is /etc/shadow', run: (c) => c.client.call('vm.create', { name: 'z', existingDisk: c.world.backingShadow }), refused: { code: 'invalid-args', message: /the backing file \/etc\/shadow of .*backing-shadow\.qcow2 resolves to \/etc\/shadow, a system file/ } },
  { id: 'qcow2-backing-json', title: 'a qcow2 whose backing file is a json: protocol name', run: (c) => c.client.call('vm.create', { name: 'z', existingDisk: c.world.backingJson }), refused: { code: 'invalid-args', message: /the backing file json:\{.*\} of .*backing-json\.qcow2 is not a plain file path/ } },
  { id: 'qcow2-backing-nbd', title: 'a qcow2 whose backing file is a network URL', run: (c) => c.client.call('disk.add', { vm: c.target.id, path: c.world.backingNbd }), refused: { code: 'invalid-args', message: /the backing file nbd:\/\/127\.0\.0\.1:1\/export of .*backing-nbd\.qcow2 is not a plain file path/ } },
  { id: 'qcow2-backing-missing', title: 'a qcow2 whose backing file is gone', run: (c) => c.client.call('vm.create', { name: 'z', existingDisk: c.world.backingMissing }), refused: { code: 'not-found', message: /the backing file .*gone\.qcow2 of .*backing-missing\.qcow2 is missing/ } },

  // --- image chains: every file an image makes QEMU open (storage/image-chain.ts) ---------------------------
  { id: 'create-vmdk-flat-host', title: 'vm.create --disk of a VMDK descriptor whose FLAT extent is a host file', run: (c) => c.client.call('vm.create', { name: 'z', existingDisk: c.world.vmdkFlatHost }), refused: { code: 'invalid-args', message: /flat-host\.vmdk is a VMDK descriptor \(create type monolithicFlat\) whose data lives in other files \(.*secret\.txt\)/ } },
  { id: 'create-vmdk-twogb', title: 'vm.create --disk of a twoGbMaxExtentFlat VMDK', run: (c) => c.client.call('vm.create', { name: 'z', existingDisk: c.world.vmdkTwoGb }), refused: { code: 'invalid-args', message: /twogb\.vmdk is a VMDK descriptor \(create type twoGbMaxExtentFlat\)/ } },
  { id: 'create-vmdk-vmfs', title: 'vm.create --disk of a vmfs VMDK', run: (c) => c.client.call('vm.create', { name: 'z', existingDisk: c.world.vmdkVmfs }), refused: { code: 'invalid-args', message: /vmfs\.vmdk is a VMDK descriptor \(create type vmfs\)/ } },
  { id: 'create-qcow2-data-file', title: 'vm.create --disk of a qcow2 whose data file is a host file', run: (c) => c.client.call('vm.create', { name: 'z', existingDisk: c.world.dataFile }), refused: { code: 'invalid-args', message: /data-file\.qcow2 keeps its data in an external data file/ } },
  { id: 'create-backing-symlink-shadow', title: 'vm.create --disk of a qcow2 whose backing file is a symlink to /etc/shadow', run: (c) => c.client.call('vm.create', { name: 'z', existingDisk: c.world.backingSymlinkShadow }), refused: { code: 'invalid-args', message: /the backing file .*shadow-link\.raw of .*backing-symlink\.qcow2 resolves to \/etc\/shadow, a system file/ } },
  { id: 'create-backing-loop', title: 'vm.create --disk of two qcow2 images backing onto each other', run: (c) => c.client.call('vm.create', { name: 'z', existingDisk: c.world.backingLoop }), refused: { code: 'invalid-args', message: /the backing chain of .*loop-a\.qcow2 loops/ } },
  { id: 'create-depth-bomb', title: 'vm.create --disk of a chain 40 images deep', run: (c) => c.client.call('vm.create', { name: 'z', existingDisk: c.world.depthBomb }), refused: { code: 'invalid-args', message: /the backing chain of .*layer39\.qcow2 is more than 16 images deep/ } },
  { id: 'disk-add-vmdk-flat-host', title: 'disk.add of a VMDK descriptor whose FLAT extent is a host file', run: (c) => c.client.call('disk.add', { vm: c.target.id, path: c.world.vmdkFlatHost }), refused: { code: 'invalid-args', message: /flat-host\.vmdk is a VMDK descriptor \(create type monolithicFlat\)/ } },
  { id: 'disk-add-vmdk-twogb', title: 'disk.add of a twoGbMaxExtentFlat VMDK', run: (c) => c.client.call('disk.add', { vm: c.target.id, path: c.world.vmdkTwoGb, format: 'vmdk' }), refused: { code: 'invalid-args', message: /twogb\.vmdk is a VMDK descriptor \(create type twoGbMaxExtentFlat\)/ } },
  { id: 'disk-add-data-file', title: 'disk.add of a qcow2 whose data file is a host file', run: (c) => c.client.call('disk.add', { vm: c.target.id, path: c.world.dataFile }), refused: { code: 'invalid-args', message: /data-file\.qcow2 keeps its data in an external data file/ } },
  { id: 'disk-add-backing-symlink-shadow', title: 'disk.add of a qcow2 whose backing file is a symlink to /etc/shadow', run: (c) => c.client.call('disk.add', { vm: c.target.id, path: c.world.backingSymlinkShadow }), refused: { code: 'invalid-args', message: /resolves to \/etc\/shadow, a system file/ } },
  { id: 'disk-add-backing-loop', title: 'disk.add of two qcow2 images backing onto each other', run: (c) => c.client.call('disk.add', { vm: c.target.id, path: c.world.backingLoop }), refused: { code: 'invalid-args', message: /loops/ } },
  { id: 'disk-add-depth-bomb', title: 'disk.add of a chain 40 images deep', run: (c) => c.client.call('disk.add', { vm: c.target.id, path: c.world.depthBomb }), refused: { code: 'invalid-args', message: /more than 16 images deep/ } },
  { id: 'disk-add-backing-json', title: 'disk.add of a qcow2 whose backing file is a json: name', run: (c) => c.client.call('disk.add', { vm: c.target.id, path: c.world.backingJson }), refused: { code: 'invalid-args', message: /the backing file json:\{.*\} of .*backing-json\.qcow2 is not a plain file path/ } },
  { id: 'import-vmdk-flat-host', title: 'an archive whose VMDK descriptor names a host file as its extent', run: (c) => c.client.call('vm.import', { path: c.world.archives.vmdkFlat }), refused: { code: 'invalid-args', message: /^not a safe Hangar archive: disk disk0's image: .*disk0\.vmdk is a VMDK descriptor \(create type monolithicFlat\) whose data lives in other files \(.*secret\.txt\)/ } },
  { id: 'import-json-backing-decoy', title: 'an archive whose qcow2 backing is a json: name, with a decoy file of that name inside', run: (c) => c.client.call('vm.import', { path: c.world.archives.jsonDecoy }), refused: { code: 'invalid-args', message: /^not a safe Hangar archive: disk disk0's image: the backing file json:\{.*secret\.txt.*\} of .*disk0\.qcow2 is not a plain file path/ } },
  { id: 'import-data-file', title: 'an archive whose qcow2 keeps its data in a host file', run: (c) => c.client.call('vm.import', { path: c.world.archives.dataFile }), refused: { code: 'invalid-args', message: /^not a safe Hangar archive: disk disk0's image: .*disk0\.qcow2 keeps its data in an external data file/ } },
  { id: 'import-host-backing', title: 'an archive whose qcow2 backs onto a host file by absolute path', run: (c) => c.client.call('vm.import', { path: c.world.archives.hostBacking }), refused: { code: 'invalid-args', message: /^not a safe Hangar archive: disk disk0's image: the backing file .*secret\.txt of .*disk0\.qcow2 lies outside / } },
  { id: 'import-nvram-backing', title: 'an archive whose UEFI variable store backs onto a host file', run: (c) => c.client.call('vm.import', { path: c.world.archives.nvramBacking }), refused: { code: 'invalid-args', message: /^not a safe Hangar archive: its UEFI variable store: the backing file .*secret\.txt of .*efivars\.qcow2 lies outside / } },
  {
    id: 'start-rebased-to-host-file',
    title: 'starting a VM whose disk header was rebased (qemu-img rebase -u) to a host file after creation',
    prepare: async (c) => {
      const { bundleDir } = await c.client.call('vm.create', { name: 'rebased', diskSizeGiB: 1 });
      execFileSync('qemu-img', ['rebase', '-u', '-f', 'qcow2', '-F', 'raw', '-b', c.world.secret, join(bundleDir, 'disks', 'disk0.qcow2')]);
    },
    run: (c) => c.client.call('vm.start', { vm: 'rebased' }),
    refused: { code: 'start-refused', message: /^disk disk0 of "rebased": the backing file .*secret\.txt of .*disk0\.qcow2 lies outside the library's machine folders/ },
  },
  {
    id: 'start-rebased-to-json',
    title: 'starting a VM whose disk header was rebased to a json: name',
    prepare: async (c) => {
      const { bundleDir } = await c.client.call('vm.create', { name: 'rebased json', diskSizeGiB: 1 });
      execFileSync('qemu-img', ['rebase', '-u', '-f', 'qcow2', '-F', 'raw', '-b', `json:{"file":{"driver":"file","filename":"${c.world.secret}"}}`, join(bundleDir, 'disks', 'disk0.qcow2')]);
    },
    run: (c) => c.client.call('vm.start', { vm: 'rebased json' }),
    refused: { code: 'start-refused', message: /^disk disk0 of "rebased json": the backing file json:\{.*\} of .*disk0\.qcow2 is not a plain file path/ },
  },
  {
    id: 'start-data-file-swapped-in',
    title: 'starting a VM whose disk was replaced by a qcow2 with a host data file',
    prepare: async (c) => {
      const { bundleDir } = await c.client.call('vm.create', { name: 'swapped disk', diskSizeGiB: 1 });
      copyFileSync(c.world.dataFile, join(bundleDir, 'disks', 'disk0.qcow2'));
    },
    run: (c) => c.client.call('vm.start', { vm: 'swapped disk' }),
    refused: { code: 'start-refused', message: /^disk disk0 of "swapped disk": .*disk0\.qcow2 keeps its data in an external data file/ },
  },
  {
    id: 'start-patched-vmdk-flat',
    title: 'starting a VM whose disk a settings patch pointed at a VMDK descriptor naming a host file',
    prepare: async (c) => {
      const { id } = await c.client.call('vm.create', { name: 'patched vmdk' });
      await c.client.call('vm.update', { vm: id, patch: { disks: [{ id: 'disk0', path: c.world.vmdkFlatHost, format: 'vmdk', bus: 'virtio', readOnly: false, discard: false }] } });
    },
    run: (c) => c.client.call('vm.start', { vm: 'patched vmdk' }),
    refused: { code: 'start-refused', message: /^disk disk0 of "patched vmdk": .*flat-host\.vmdk is a VMDK descriptor \(create type monolithicFlat\)/ },
  },
  {
    id: 'disk-info-rebased-nbd',
    title: 'disk.info of a disk whose header was rebased to an nbd:// URL (qemu-img must not connect)',
    prepare: async (c) => {
      const { bundleDir } = await c.client.call('vm.create', { name: 'info nbd', diskSizeGiB: 1 });
      execFileSync('qemu-img', ['rebase', '-u', '-f', 'qcow2', '-F', 'raw', '-b', 'nbd://127.0.0.1:1/export', join(bundleDir, 'disks', 'disk0.qcow2')]);
    },
    run: (c) => c.client.call('disk.info', { vm: 'info nbd', disk: 'disk0' }),
    refused: { code: 'invalid-args', message: /^the backing file nbd:\/\/127\.0\.0\.1:1\/export of .*disk0\.qcow2 is not a plain file path/ },
  },
  {
    id: 'disk-convert-vmdk-flat',
    title: 'converting a disk a settings patch pointed at a VMDK descriptor naming a host file (would copy it in)',
    prepare: async (c) => {
      const { id } = await c.client.call('vm.create', { name: 'convert vmdk' });
      await c.client.call('vm.update', { vm: id, patch: { disks: [{ id: 'disk0', path: c.world.vmdkFlatHost, format: 'vmdk', bus: 'virtio', readOnly: false, discard: false }] } });
    },
    run: (c) => c.client.call('disk.convert', { vm: 'convert vmdk', disk: 'disk0' }),
    refused: { code: 'invalid-args', message: /flat-host\.vmdk is a VMDK descriptor \(create type monolithicFlat\) whose data lives in other files/ },
  },
  {
    id: 'start-bundle-symlink-escape',
    title: 'starting a VM whose bundle disk was swapped for a symlink to a host image',
    prepare: async (c) => {
      const { bundleDir } = await c.client.call('vm.create', { name: 'symlinked disk', diskSizeGiB: 1 });
      rmSync(join(bundleDir, 'disks', 'disk0.qcow2'));
      symlinkSync(c.world.goodQcow2, join(bundleDir, 'disks', 'disk0.qcow2'));
    },
    run: (c) => c.client.call('vm.start', { vm: 'symlinked disk' }),
    refused: { code: 'start-refused', message: /^disk disk0 of "symlinked disk": the image .*disk0\.qcow2 \(really .*good\.qcow2\) lies outside / },
  },

  // --- hostile vm.json (adding a bundle from elsewhere) -------------------------------------------------
  { id: 'vmjson-wrong-version', title: 'a vm.json from a future version', run: (c) => c.client.call('vm.addExisting', { path: c.world.bundles.wrongVersion }), refused: { code: 'invalid-document', message: new RegExp(`wrong-version\\.hangar: vm\\.json was written by a newer Hangar \\(schema 99; this one reads up to ${CURRENT_SCHEMA_VERSION}\\)`) } },
  { id: 'vmjson-extra-fields', title: 'a vm.json with unknown fields', run: (c) => c.client.call('vm.addExisting', { path: c.world.bundles.extraFields }), refused: { code: 'invalid-document', message: /extra-fields\.hangar: invalid VM document: evil: unknown field/ } },
  { id: 'vmjson-huge', title: 'a 32 MiB vm.json', run: (c) => c.client.call('vm.addExisting', { path: c.world.bundles.huge }), refused: { code: 'invalid-document', message: /huge\.hangar: vm\.json is 32\.0 MiB; a VM document is at most 4 MiB/ } },
  { id: 'vmjson-deeply-nested', title: 'a vm.json nested 100,000 levels deep', run: (c) => c.client.call('vm.addExisting', { path: c.world.bundles.nested }), refused: { code: 'invalid-document', message: /nested\.hangar: invalid VM document: extraArgs\[0\]: Invalid input: expected string, received array/ } },
  { id: 'vmjson-shadow-link', title: 'a vm.json that is a symlink to /etc/shadow (no content may leak)', run: (c) => c.client.call('vm.addExisting', { path: c.world.bundles.shadow }), refused: { code: 'invalid-document', message: /^bundle shadow\.hangar: vm\.json is not valid JSON \((at position \d+|unexpected content)\)$/ } },
  {
    id: 'snapshots-json-shadow-link',
    title: 'a snapshots.json that is a symlink to /etc/shadow (no content may leak)',
    prepare: async (c) => {
      const { bundleDir } = await c.client.call('vm.create', { name: 'snapshot leak' });
      rmSync(join(bundleDir, 'snapshots.json'), { force: true });
      symlinkSync('/etc/shadow', join(bundleDir, 'snapshots.json'));
    },
    run: (c) => c.client.call('snapshot.list', { vm: 'snapshot leak' }),
    refused: { code: 'invalid-document', message: /snapshots\.json is not valid JSON \((at position \d+|unexpected content)\)$/ },
  },
  { id: 'vmjson-not-object', title: 'a vm.json that is an array', run: (c) => c.client.call('vm.addExisting', { path: c.world.bundles.notObject }), refused: { code: 'invalid-document', message: /vm\.json is not a JSON object/ } },
  { id: 'vmjson-newline-name', title: 'a vm.json whose name smuggles a QEMU option after a newline', run: (c) => c.client.call('vm.addExisting', { path: c.world.bundles.newlineName }), refused: { code: 'invalid-document', message: /name: .*control characters/ } },
  { id: 'vmjson-proto', title: 'a vm.json with a __proto__ key', run: (c) => c.client.call('vm.addExisting', { path: c.world.bundles.proto }), refused: { code: 'invalid-document', message: /proto\.hangar: invalid VM document: __proto__: unknown field/ } },
  // A valid bundle that reaches outside its folder is added only with consent ('needs-confirmation' names what it found).
  { id: 'add-existing-extra-args', title: 'adding a bundle whose extra arguments would run a program', run: (c) => c.client.call('vm.addExisting', { path: c.world.foreign.extraArgs }), refused: { code: 'needs-confirmation', message: /^"foreign-extra-args" reaches outside its folder: extra QEMU arguments: -incoming exec:touch .*spawned-by-extra-args\. Add it only if you trust where it came from/ } },
  { id: 'add-existing-escape-args', title: 'adding a bundle whose extra arguments carry terminal escape sequences (shown escaped)', run: (c) => c.client.call('vm.addExisting', { path: c.world.foreign.escapeArgs }), refused: { code: 'needs-confirmation', message: /^(?!.*[\u001b\u202e]).*extra QEMU arguments: -name x\\u001b\[2J\\u001b\[31mPWNED\\u202e\./ } },
  { id: 'add-existing-own-vm-json', title: 'adding a bundle whose disk is its own vm.json (a guest could give it extra arguments)', run: (c) => c.client.call('vm.addExisting', { path: c.world.foreign.ownVmJson }), refused: { code: 'needs-confirmation', message: /: disk disk0 is vm\.json, a file of the bundle outside its disks\/ folder \(the guest could rewrite it\)\./ } },
  { id: 'add-existing-outside-disk', title: 'adding a bundle whose disk is a host file', run: (c) => c.client.call('vm.addExisting', { path: c.world.foreign.outsideDisk }), refused: { code: 'needs-confirmation', message: /: disk disk0 is a file outside the bundle: .*good\.qcow2\./ } },
  { id: 'add-existing-backing-shadow', title: 'adding a bundle whose disk image is backed by /etc/shadow', run: (c) => c.client.call('vm.addExisting', { path: c.world.foreign.backingShadow }), refused: { code: 'needs-confirmation', message: /: disk disk0's image: the backing file \/etc\/shadow of .*disk0\.qcow2 resolves to \/etc\/shadow, a system file/ } },
  { id: 'add-existing-linked-disk', title: 'adding a bundle whose disk file is a symlink to /etc/shadow', run: (c) => c.client.call('vm.addExisting', { path: c.world.foreign.linkedDisk }), refused: { code: 'needs-confirmation', message: /: disk disk0 is a file outside the bundle: disks\/disk0\.img\./ } },
  { id: 'add-existing-outside-iso', title: 'adding a bundle whose CD holds a host file', run: (c) => c.client.call('vm.addExisting', { path: c.world.foreign.outsideIso }), refused: { code: 'needs-confirmation', message: /: CD drive cd0 holds an ISO outside the bundle: .*readme\.iso\./ } },
  { id: 'add-existing-etc', title: 'adding /etc as a bundle', run: (c) => c.client.call('vm.addExisting', { path: '/etc' }), refused: { code: 'invalid-document', message: /bundle etc has no vm\.json/ } },

  // --- extra QEMU arguments and settings patches -------------------------------------------------------------
  { id: 'extra-args-nul', title: 'an extra QEMU argument with a NUL byte', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { extraArgs: ['-chardev', 'socket,id=x\0,path=/tmp/x'] } }), refused: { code: 'invalid-document', message: /extraArgs\[1\]: .*NUL/ } },
  { id: 'extra-args-newline', title: 'an extra QEMU argument with a newline', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { extraArgs: ['-name', 'x\n-drive'] } }), refused: { code: 'invalid-document', message: /extraArgs\[1\]: .*line break/ } },
  ...([['sandbox', '-sandbox'], ['sandbox-double-dash', '--sandbox'], ['sandbox-equals', '-sandbox=off'], ['sandbox-upper', '--SANDBOX']] as const).map(([id, spelling]) => ({
    id: `extra-args-${id}`,
    title: `an extra QEMU argument "${spelling}" (would loosen the sandbox Hangar sets)`,
    run: (c: EngineCaseContext) => c.client.call('vm.update', { vm: c.target.id, patch: { extraArgs: ['-rtc', 'base=utc', spelling, 'on,spawn=allow'] } }),
    refused: { code: 'invalid-document' as const, message: /extraArgs\[2\]: must not be -sandbox: Hangar sets QEMU's sandbox itself/ },
  })),
  { id: 'patch-boot-order-unknown', title: 'a patch booting from a device that does not exist', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { bootOrder: ['nope'] } }), refused: { code: 'invalid-document', message: /bootOrder\[0\]: names no disk or CD-ROM \("nope"\)/ } },
  { id: 'patch-id', title: 'a patch that tries to change the VM id', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { id: '00000000-0000-4000-8000-000000000000' } }), refused: { code: 'invalid-document', message: /field "id" cannot be changed by a patch/ } },
  // A patch is checked by the document schema's partial (parseVmPatch) before anything is read or written.
  { id: 'patch-unknown-key', title: 'a patch with a field the document does not have, beside a valid one', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { memoryMiB: 512, colour: 'red' } }), refused: { code: 'invalid-document', message: /^invalid VM document: colour: unknown field$/ } },
  { id: 'patch-updated-at', title: 'a patch that sets its own timestamp', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { updatedAt: '2000-01-01T00:00:00.000Z' } }), refused: { code: 'invalid-document', message: /field "updatedAt" cannot be changed by a patch/ } },
  { id: 'patch-proto-key', title: 'a patch whose JSON has a "__proto__" key (prototype pollution)', run: (c) => rawLine(c, `{"type":"request","id":1,"command":"vm.update","args":{"vm":"${c.target.id}","patch":{"__proto__":{"memoryMiB":8,"polluted":true},"memoryMiB":64}}}\n`), refused: { code: 'invalid-document', message: /^invalid VM document: __proto__: unknown field$/ } },
  { id: 'patch-constructor-key', title: 'a patch with "constructor" and "toString" keys', run: (c) => rawLine(c, `{"type":"request","id":1,"command":"vm.update","args":{"vm":"${c.target.id}","patch":{"constructor":{"prototype":{"x":1}},"toString":"x"}}}\n`), refused: { code: 'invalid-document', message: /^invalid VM document: constructor: unknown field; toString: unknown field$/ } },
  { id: 'patch-not-object', title: 'a patch that is an array', run: (c) => c.client.callRaw({ type: 'request', command: 'vm.update', args: { vm: c.target.id, patch: ['memoryMiB', 64] } }), refused: { code: 'invalid-args', message: /^vm\.update: patch: / } },
  { id: 'patch-memory-string', title: 'memory as a string', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { memoryMiB: '2048' } }), refused: { code: 'invalid-document', message: /^invalid VM document: memoryMiB: Invalid input: expected number, received string$/ } },
  { id: 'patch-memory-8', title: '8 MiB of memory', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { memoryMiB: 8 } }), refused: { code: 'invalid-document', message: /^invalid VM document: memoryMiB: must be a whole number of MiB >=16$/ } },
  { id: 'patch-memory-fraction', title: '1000.5 MiB of memory', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { memoryMiB: 1000.5 } }), refused: { code: 'invalid-document', message: /^invalid VM document: memoryMiB: must be a whole number of MiB >=16$/ } },
  { id: 'patch-memory-2^64', title: '2^64 MiB of memory in a patch', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { memoryMiB: 2 ** 64 } }), refused: { code: 'invalid-document', message: /^invalid VM document: memoryMiB: must be at most 16777216 MiB \(16 TiB\)$/ } },
  { id: 'patch-cpus-zero', title: '0 CPUs in a patch', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { cpu: { count: 0, model: 'max' } } }), refused: { code: 'invalid-document', message: /^invalid VM document: cpu\.count: must be at least 1$/ } },
  { id: 'patch-nested-unknown', title: 'a patch with an unknown field inside a section', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { cpu: { count: 2, model: 'max', hotplug: true } } }), refused: { code: 'invalid-document', message: /^invalid VM document: cpu\.hotplug: unknown field$/ } },
  { id: 'patch-nested-junk', title: 'a section nested in itself where an enum belongs', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { display: { device: { device: { device: 'std' } } } } }), refused: { code: 'invalid-document', message: /^invalid VM document: display\.device: invalid value \(expected one of "std", / } },
  { id: 'patch-section-null', title: 'a patch setting a whole section to null', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { firmware: null } }), refused: { code: 'invalid-document', message: /^invalid VM document: firmware: Invalid input: expected object, received null$/ } },
  { id: 'patch-boolean-as-string', title: 'a boolean given as the string "false"', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { firmware: { type: 'bios', secureBoot: 'false', tpm: false } } }), refused: { code: 'invalid-document', message: /^invalid VM document: firmware\.secureBoot: Invalid input: expected boolean, received string$/ } },
  { id: 'patch-cd-path-number', title: 'a CD path that is a number', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { cdroms: [{ id: 'cd0', path: 42, bus: 'sata' }] } }), refused: { code: 'invalid-document', message: /^invalid VM document: cdroms\[0\]\.path: Invalid input: expected string, received number$/ } },
  { id: 'patch-cd-path-nul', title: 'a CD path with a NUL byte (would cut the path QEMU opens)', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { cdroms: [{ id: 'cd0', path: `${c.world.dir}/x.iso\0/etc/shadow`, bus: 'sata' }] } }), refused: { code: 'invalid-document', message: /^invalid VM document: cdroms\[0\]\.path: must not contain a NUL character$/ } },
  { id: 'patch-disk-path-empty', title: 'a disk path that is empty', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { disks: [{ id: 'disk0', path: '', format: 'qcow2', bus: 'virtio', readOnly: false, discard: false }] } }), refused: { code: 'invalid-document', message: /^invalid VM document: disks\[0\]\.path: / } },

  // --- ports -------------------------------------------------------------------------------------------------
  { id: 'forward-port-0', title: 'forwarding host port 0', run: (c) => c.client.call('forward.add', { vm: c.target.id, protocol: 'tcp', hostPort: 0, guestPort: 22 }), refused: { code: 'invalid-args', message: /hostPort: .*>=1/ } },
  { id: 'forward-port-65536', title: 'forwarding host port 65536', run: (c) => c.client.call('forward.add', { vm: c.target.id, protocol: 'tcp', hostPort: 65536, guestPort: 22 }), refused: { code: 'invalid-args', message: /hostPort: .*65535/ } },
  { id: 'forward-guest-negative', title: 'forwarding to guest port -1', run: (c) => c.client.call('forward.add', { vm: c.target.id, protocol: 'tcp', hostPort: 8022, guestPort: -1 }), refused: { code: 'invalid-args', message: /^forward\.add: guestPort: Too small: expected number to be >=1$/ } },
  { id: 'forward-port-in-use', title: 'forwarding a host port another program holds', run: (c) => c.client.call('forward.add', { vm: c.target.id, protocol: 'tcp', hostPort: c.busyPort, guestPort: 22 }), refused: { code: 'exists', message: /already in use by another program/ } },
  { id: 'forward-bad-address', title: 'forwarding on 999.1.1.1', run: (c) => c.client.call('forward.add', { vm: c.target.id, protocol: 'tcp', hostPort: 8022, guestPort: 22, hostAddress: '999.1.1.1' }), refused: { code: 'invalid-args', message: /hostAddress: must be an IPv4 address/ } },
  { id: 'forward-foreign-address', title: 'forwarding on an address this host does not have', run: (c) => c.client.call('forward.add', { vm: c.target.id, protocol: 'tcp', hostPort: 8022, guestPort: 22, hostAddress: '203.0.113.7' }), refused: { code: 'invalid-args', message: /203\.0\.113\.7 is not an address of this computer/ } },

  {
    id: 'patch-forward-port-65536',
    title: 'a settings patch forwarding host port 65536',
    run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { network: { mode: 'user', model: 'e1000', mac: '52:54:00:00:00:01', forwards: [{ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 65536, guestPort: 22 }] } } }),
    refused: { code: 'invalid-document', message: /network\.forwards\[0\]\.hostPort: Too big: expected number to be <=65535/ },
  },
  {
    id: 'start-forward-port-in-use',
    title: 'starting a VM whose forward another program\'s port now holds',
    prepare: async (c) => {
      const { id } = await c.client.call('vm.create', { name: 'busy forward' });
      await c.client.call('vm.update', { vm: id, patch: { network: { mode: 'user', model: 'e1000', mac: '52:54:00:00:00:02', forwards: [{ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: c.busyPort, guestPort: 22 }] } } });
    },
    run: (c) => c.client.call('vm.start', { vm: 'busy forward' }),
    refused: { code: 'start-refused', message: /^host port tcp\/127\.0\.0\.1:\d+ \(forwarded to guest port 22\) is already in use$/ },
  },

  // --- the wire ----------------------------------------------------------------------------------------------
  { id: 'wire-garbage-line', title: 'a line that is not JSON on the control socket', run: (c) => rawLine(c, 'rm -rf / \u0000\n'), refused: { code: 'invalid-message', message: /malformed request/ } },
  // --- shared folders ------------------------------------------------------------------------------
  { id: 'share-root', title: 'sharing the whole file system (/)', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { shares: [{ name: 'all', path: '/', readOnly: true }] } }), refused: { code: 'invalid-args', message: /^shared folder "all": the whole file system \(\/\) cannot be shared/ } },
  { id: 'share-etc', title: 'sharing /etc read-write', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { shares: [{ name: 'etc', path: '/etc', readOnly: false }] } }), refused: { code: 'invalid-args', message: /^shared folder "etc": \/etc is a system folder \(under \/etc\)/ } },
  {
    id: 'share-link-to-etc',
    title: 'sharing a symlink that leads to /etc',
    prepare: async (c) => { rmSync(join(c.libraryDir, '..', 'etc-link'), { force: true }); symlinkSync('/etc', join(c.libraryDir, '..', 'etc-link')); },
    run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { shares: [{ name: 'cfg', path: join(c.libraryDir, '..', 'etc-link'), readOnly: true }] } }),
    refused: { code: 'invalid-args', message: /etc-link \(which leads to \/etc\) is a system folder/ },
  },
  { id: 'share-library', title: 'sharing the folder that holds the library (a guest would rewrite vm.json)', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { shares: [{ name: 'up', path: join(c.libraryDir, '..'), readOnly: false }] } }), refused: { code: 'invalid-args', message: /holds the Hangar library/ } },
  { id: 'share-name-commas', title: 'a share name with commas (would add QEMU options: mount_tag=a,fsdev=x)', run: (c) => c.client.call('vm.update', { vm: c.target.id, patch: { shares: [{ name: 'a,fsdev=x', path: c.libraryDir, readOnly: false }] } }), refused: { code: 'invalid-document', message: /shares\[0\]\.name: must be letters, digits/ } },
  { id: 'file-drop-10gib', title: 'a 10 GiB file dropped on the display (refused before any byte moves)', run: (c) => c.client.call('file.drop.begin', { vm: c.target.id, name: 'huge.img', size: 10 * 1024 ** 3 }), refused: { code: 'invalid-args', message: /^huge\.img is 10 GiB; files dropped into a guest may be at most 1 GiB/ } },
  { id: 'file-drop-chunk-not-base64', title: 'a file drop chunk that is not base64', run: (c) => c.client.call('file.drop.chunk', { dropId: 'drop-x', offset: 0, data: '$(reboot)' }), refused: { code: 'invalid-args', message: /data: must be base64/ } },
  { id: 'wire-oversized-line', title: 'a 64 MiB request line with no end', run: (c) => oversizedLine(c, 64 * 1024 * 1024), refused: { code: 'io', message: /^connection dropped; engine \S+ still serves$/ } },
  { id: 'wire-proto-command', title: 'the command "__proto__"', run: (c) => rawLine(c, '{"type":"request","id":1,"command":"__proto__","args":{}}\n'), refused: { code: 'unknown-command', message: /unknown command "__proto__"/ } },
  { id: 'wire-args-not-object', title: 'arguments that are a string', run: (c) => rawLine(c, '{"type":"request","id":1,"command":"vm.create","args":"x"}\n'), refused: { code: 'invalid-args', message: /^vm\.create: \(arguments\): Invalid input: expected object, received string$/ } },
  { id: 'wire-extra-arg', title: 'an argument the command does not take', run: (c) => c.client.callRaw({ type: 'request', command: 'vm.delete', args: { vm: c.target.id, files: true, recursive: '/' } }), refused: { code: 'invalid-args', message: /^vm\.delete: recursive: Unrecognized key: "recursive"$/ } },
];
