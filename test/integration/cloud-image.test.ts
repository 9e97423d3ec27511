import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePaths } from '../helpers/fixtures.js';
import { spawnHangar as hangar } from '../helpers/cli-runner.js';
import { qemuPidsUnder, useTestEnv, type TestEnv } from '../helpers/engine-harness.js';
import { useMirroredTestEnv, type DownloadServer } from '../helpers/download-server.js';
import { findDownloadEntry } from '../../src-shared/os-downloads/index.js';
import { readIsoFileBytes } from '../../src-main/engine/iso/iso-files.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEggYlb0WrW1+dRkKoOSAJBizcjB8u0uFJz63w4PnP/V alice@host';
const PASSWORD = 'Pa"ss w0rd\'$(id)';

/** The "cloud image": linux.iso's hybrid image as a qcow2 disk (SeaBIOS boots its isolinux MBR from a disk). */
function cloudImage(t: TestEnv): string {
  const dir = join(t.root, 'images');
  mkdirSync(dir, { recursive: true });
  const img = join(dir, 'fixture-cloud.qcow2');
  execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', fixturePaths.linuxIso, img]);
  return img;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('hangar create --cloud-image (built CLI, real QEMU): overlay + cidata seed read by the fixture guest', () => {
  let t: TestEnv;
  useTestEnv((env) => (t = env));
  let cloudyId = '';

  it('creates the overlay and seed, keeps only the password hash, and the guest prints the user, key and host name', async () => {
    const img = cloudImage(t);
    writeFileSync(join(t.root, 'key.pub'), `${KEY}\n`);
    writeFileSync(join(t.root, 'pw'), `${PASSWORD}\n`);
    const created = await hangar(t, 'create', 'cloudy', '--cloud-image', img, '--user', 'alice', '--password-file', join(t.root, 'pw'), '--ssh-key', join(t.root, 'key.pub'), '--hostname', 'box-1', '--disk-size', '1', '--memory', '256', '--cpus', '1');
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const id = created.stdout.trim();
    cloudyId = id;
    const info = JSON.parse((await hangar(t, 'info', id, '--json')).stdout) as { bundleDir: string; disks: Array<{ path: string; format: string; baseImage?: string }>; cdroms: Array<{ path: string | null }>; bootOrder: string[] };
    expect(info.disks).toEqual([expect.objectContaining({ path: 'disks/disk0.qcow2', format: 'qcow2', baseImage: realpathSync(img) })]);
    expect(info.cdroms[0]!.path).toBe('disks/cidata.iso');
    expect(info.bootOrder[0]).toBe('disk0');

    // The overlay names its backing file by absolute path with its format; its size is the one asked for.
    const overlay = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', '-U', join(info.bundleDir, 'disks', 'disk0.qcow2')]).toString()) as Record<string, unknown>;
    expect(overlay).toMatchObject({ format: 'qcow2', 'backing-filename': realpathSync(img), 'backing-filename-format': 'qcow2', 'virtual-size': 1024 ** 3 });
    // The image itself is untouched (read through the overlay only).
    const imgMtime = statSync(img).mtimeMs;

    // No file of the bundle holds the password in plain text.
    for (const f of filesUnder(info.bundleDir)) expect(readFileSync(f).includes(Buffer.from(PASSWORD)), f).toBe(false);

    const started = await hangar(t, 'start', id, '--wait-for-serial', 'CIDATA-DONE', '--timeout', '240');
    expect(started).toMatchObject({ code: 0, stderr: '' });
    const serialLog = join(info.bundleDir, 'logs', 'serial.log');
    await until('the seed lines', () => readFileSync(serialLog, 'utf8').includes('CIDATA-DONE'), 10_000);
    const lines = readFileSync(serialLog, 'utf8').split(/\r?\n/);
    expect(lines).toContain('CIDATA-USER:alice');
    expect(lines).toContain(`CIDATA-KEY:${KEY}`);
    expect(lines).toContain('CIDATA-HOST:box-1');
    expect(lines).toContain('CIDATA-HASH:$6$');
    // Linux read the Joliet names: case and hyphens kept.
    expect(lines.find((l) => l.startsWith('CIDATA-FILES:'))?.trim()).toBe('CIDATA-FILES:meta-data user-data');
    expect((await hangar(t, 'stop', id, '--force')).code).toBe(0);
    await until('QEMU to exit', () => qemuPidsUnder(t.runtimeBase).length === 0, 30_000);
    expect(statSync(img).mtimeMs).toBe(imgMtime);
  });

  it('a clone gets its own copy of the seed, with a new instance-id, and boots reading it', async () => {
    expect(cloudyId).not.toBe('');
    const src = JSON.parse((await hangar(t, 'info', cloudyId, '--json')).stdout) as { bundleDir: string };
    const cloned = await hangar(t, 'clone', cloudyId, 'cloudy-copy', '--json');
    expect(cloned.code, cloned.stderr).toBe(0);
    const { id, bundleDir } = JSON.parse(cloned.stdout) as { id: string; bundleDir: string };
    const info = JSON.parse((await hangar(t, 'info', id, '--json')).stdout) as { cdroms: Array<{ path: string | null }> };
    expect(info.cdroms[0]!.path).toBe('disks/cidata.iso');
    const seed = join(bundleDir, 'disks', 'cidata.iso');
    expect(existsSync(seed)).toBe(true);
    const metaOf = async (dir: string) => (await readIsoFileBytes(join(dir, 'disks', 'cidata.iso'), 'META_DAT')).toString('utf8');
    expect(await metaOf(src.bundleDir)).toContain(`instance-id: "${cloudyId}"`);
    expect(await metaOf(bundleDir)).toContain(`instance-id: "${id}"`);
    expect(await readIsoFileBytes(seed, 'USER_DAT')).toEqual(await readIsoFileBytes(join(src.bundleDir, 'disks', 'cidata.iso'), 'USER_DAT'));

    const started = await hangar(t, 'start', id, '--wait-for-serial', 'CIDATA-DONE', '--timeout', '240');
    expect(started).toMatchObject({ code: 0, stderr: '' });
    const serialLog = join(bundleDir, 'logs', 'serial.log');
    await until('the seed lines', () => readFileSync(serialLog, 'utf8').includes('CIDATA-DONE'), 10_000);
    const lines = readFileSync(serialLog, 'utf8').split(/\r?\n/);
    expect(lines).toContain('CIDATA-USER:alice');
    expect(lines).toContain('CIDATA-HOST:box-1');
    expect((await hangar(t, 'stop', id, '--force')).code).toBe(0);
    await until('QEMU to exit', () => qemuPidsUnder(t.runtimeBase).length === 0, 30_000);
  });

  it('refuses bad input with a clear message and leaves no machine behind', async () => {
    const img = cloudImage(t);
    const priv = join(t.root, 'id_ed25519');
    writeFileSync(priv, '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n');
    const cases: Array<{ args: string[]; err: RegExp }> = [
      { args: ['--cloud-image', img, '--ssh-key', priv], err: /is a private key; give the public key/ },
      { args: ['--cloud-image', img, '--user', 'Robert"); DROP'], err: /cloud-init user .*must be 1–32 characters/ },
      { args: ['--cloud-image', img, '--user', 'root'], err: /system account/ },
      { args: ['--cloud-image', img, '--hostname', 'a\nruncmd: [reboot]'], err: /cloud-init hostname/ },
      { args: ['--cloud-image', img, '--disk-size', '0.01'], err: /cannot be smaller than the cloud image/ },
      { args: ['--cloud-image', img, '--iso', fixturePaths.linuxIso], err: /either a cloud image or an ISO/ },
      { args: ['--cloud-image', fixturePaths.linuxIso], err: /CD\/DVD image \(ISO 9660\)/ },
      { args: ['--cloud-image', '/etc/passwd'], err: /system file|system folder/ },
      // The test env's download mirror is a closed loopback port: the catalog image cannot be fetched.
      { args: ['--cloud-image', 'debian-12-cloud-amd64'], err: /download failed: connect ECONNREFUSED 127\.0\.0\.1:9/ },
      { args: ['--cloud-image', 'no-such-image'], err: /cloud image not found/ },
      { args: ['--user', 'alice'], err: /--user goes with --cloud-image/ },
    ];
    for (const c of cases) {
      const r = await hangar(t, 'create', 'nope', ...c.args);
      expect(r.code, c.args.join(' ')).not.toBe(0);
      expect(r.stderr, c.args.join(' ')).toMatch(c.err);
    }
    expect((JSON.parse((await hangar(t, 'list', '--json')).stdout) as Array<{ name: string }>).map((v) => v.name)).not.toContain('nope');
    expect(readdirSync(t.libraryDir).filter((n) => n.startsWith('nope'))).toEqual([]);
  });
});

describe('hangar create --cloud-image CATALOG-ID (built CLI, local mirror)', () => {
  let t: TestEnv;
  let server: DownloadServer;
  const entry = findDownloadEntry('debian-12-cloud-amd64')!;
  useMirroredTestEnv((env, mirror) => {
    t = env;
    server = mirror;
  });

  it('downloads the catalog image through the mirror, verifies it and makes the disk an overlay on it', async () => {
    const body = readFileSync(cloudImage(t));
    server.files.set(new URL(entry.url).pathname, { body });
    server.files.set(new URL(entry.verify.checksumUrl).pathname, { body: Buffer.from(`${createHash('sha512').update(body).digest('hex')}  ${entry.fileName}\n`) });
    const created = await hangar(t, 'create', 'from-catalog', '--cloud-image', entry.id, '--user', 'alice', '--disk-size', '1');
    expect(created.code, created.stderr).toBe(0);
    const inMedia = join(t.env['HANGAR_MEDIA_DIR']!, entry.fileName);
    const info = JSON.parse((await hangar(t, 'info', created.stdout.trim(), '--json')).stdout) as { osId: string; disks: Array<{ baseImage?: string }> };
    expect(info.disks[0]!.baseImage).toBe(realpathSync(inMedia));
    expect(info.osId).toBe(entry.osId);
    expect(createHash('sha512').update(readFileSync(inMedia)).digest('hex')).toBe(createHash('sha512').update(body).digest('hex'));
    // A second machine from the same id uses the verified file as it is (nothing fetched again).
    server.files.delete(new URL(entry.url).pathname);
    const again = await hangar(t, 'create', 'from-catalog-2', '--cloud-image', entry.id, '--disk-size', '1');
    expect(again.code, again.stderr).toBe(0);
    // Cleaning the Installation media folder keeps the image the machines' disks are overlays on.
    const clean = await hangar(t, 'os', 'clean');
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(new RegExp(`^removed 0 files, .* freed\\nkept ${entry.fileName.replace(/\./g, '\\.')}: a machine uses it\\n$`));
    expect(existsSync(inMedia)).toBe(true);
  });
});
