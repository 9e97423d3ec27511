// A browser-host token holder (someone with the `hangar serve` URL) trying to reach beyond the host's folder roots
// or to run programs: one row per case, run against serve with its own engine and serve joined to `hangar engine`.
import { dirname, join } from 'node:path';
import { planFiles } from '../../../src-main/engine/session/start-plan-file.js';
import { expect } from 'vitest';
import type { CommandResult, EngineClient } from '../../../src-shared/contract/index.js';
import type { RunningServe } from '../../helpers/serve-harness.js';
import type { Refusal } from '../support/case-types.js';

export type ServeMode = 'standalone' | 'joined';

export interface ServeCaseContext {
  mode: ServeMode;
  serve: RunningServe;
  client: EngineClient;
  /** A stopped VM in this serve's library (1 GiB qcow2 disk0, one empty CD drive). */
  vm: string;
  /** Its machine folder. */
  bundleDir: string;
  /** The serve user's home folder (a root): holds .bashrc, .ssh/, bin/backup.sh (0755), isos/ and a link leading out. */
  home: string;
  /** A folder outside every root: a 1 MiB raw image and a 775-byte file named like an ISO. */
  outside: string;
  /** A machine folder in the home whose vm.json has extra QEMU arguments (not in any library). */
  armedBundle: string;
  /** A file no exec payload may create. */
  marker: string;
}

/**
 * `refused`: the call fails with that error, leaving the library, the home folder and the outside folder unchanged and
 * no QEMU behind. `accepted`: the answer is checked (the redirect, a listing).
 */
export type ServeCase = {
  id: string;
  title: string;
  /** Both by default. */
  modes?: ServeMode[];
  run(ctx: ServeCaseContext): Promise<unknown>;
} & ({ refused: Refusal } | { accepted(ctx: ServeCaseContext, result: unknown): void });

const OUTSIDE = /is outside the folders the browser host may use \(.*\); to allow it, restart `hangar serve` with --allow-dir/;
const HIDDEN = (name: string) => new RegExp(`is in a hidden file or folder \\(${name.replace('.', '\\.')}\\), where programs keep their settings`);
const READ_ONLY = /Extra QEMU arguments are read-only in the browser host: they can make QEMU run any program .* --allow-extra-args/;

export const serveCases: ServeCase[] = [
  // --- host paths in answers ----------------------------------------------------------------------------
  {
    id: 'serve-recent-isos-outside',
    title: "media.recent lists only ISOs the browser could insert (not ones outside the roots, through a link out, or in ~/.ssh)",
    run: (c) => c.client.call('media.recent', {}),
    accepted: (c, result) => {
      expect((result as CommandResult<'media.recent'>).isos.map((i) => i.path)).toEqual([join(c.home, 'isos', 'ok.iso')]);
    },
  },
  {
    id: 'serve-download-url-loopback',
    title: 'download.start of a URL on this host\'s loopback (a token holder making the host fetch from its own services)',
    run: (c) => c.client.call('download.start', { source: 'http://127.0.0.1:9/admin/reset', sha256: '0'.repeat(64) }),
    refused: { code: 'invalid-args', message: /^the browser host downloads catalog entries only \(hangar os list\)/ },
  },
  {
    id: 'serve-download-url-https',
    title: 'download.start of an https URL of the token holder\'s choosing',
    run: (c) => c.client.call('download.start', { source: 'https://example.org/evil.iso' }),
    refused: { code: 'invalid-args', message: /^the browser host downloads catalog entries only/ },
  },
  // --- host files through disks and CDs ----------------------------------------------------------------
  {
    id: 'serve-disk-add-bashrc',
    title: "disk.add of ~/.bashrc as a writable raw disk (a guest would rewrite the user's shell start-up)",
    run: (c) => c.client.call('disk.add', { vm: c.vm, path: join(c.home, '.bashrc'), format: 'raw' }),
    refused: { code: 'invalid-args', message: HIDDEN('.bashrc') },
  },
  {
    id: 'serve-disk-add-start-plan',
    title: "disk.add of the VM's start plan in the library as a writable raw disk (a guest would write the argv the next `hangar start` spawns)",
    run: (c) => c.client.call('disk.add', { vm: c.vm, path: planFiles(dirname(c.bundleDir), { id: c.vm })[0]!, format: 'raw' }),
    refused: { code: 'invalid-args', message: HIDDEN('.hangar-start-plans') },
  },
  {
    id: 'serve-pool-upload-outside',
    title: 'pool.upload (to a libvirt connection) of a file outside the roots: the file is this host\'s, checked before the connection is',
    run: (c) => c.client.call('pool.upload', { path: join(c.outside, 'tiny.iso') }, 'lab'),
    refused: { code: 'invalid-args', message: OUTSIDE },
  },
  {
    id: 'serve-pool-upload-hidden',
    title: 'pool.upload of a file in a hidden folder of the home (~/.ssh)',
    run: (c) => c.client.call('pool.upload', { path: join(c.home, '.ssh', 'id_ed25519'), name: 'key.iso' }, 'lab'),
    refused: { code: 'invalid-args', message: HIDDEN('.ssh') },
  },
  {
    id: 'serve-disk-add-outside',
    title: 'disk.add of a raw image outside the roots',
    run: (c) => c.client.call('disk.add', { vm: c.vm, path: join(c.outside, 'disk.img') }),
    refused: { code: 'invalid-args', message: OUTSIDE },
  },
  {
    id: 'serve-disk-add-link-out',
    title: 'disk.add of a link in the home that leads outside the roots',
    run: (c) => c.client.call('disk.add', { vm: c.vm, path: join(c.home, 'isos', 'out.img') }),
    refused: { code: 'invalid-args', message: OUTSIDE },
  },
  {
    id: 'serve-usb-image-outside',
    title: 'a USB stick image outside the roots',
    run: (c) => c.client.call('usb.attach', { vm: c.vm, image: join(c.outside, 'disk.img') }),
    refused: { code: 'invalid-args', message: OUTSIDE },
  },
  {
    id: 'serve-usb-image-link-out',
    title: 'a USB stick image through a link in the home that leads outside the roots',
    run: (c) => c.client.call('usb.attach', { vm: c.vm, image: join(c.home, 'isos', 'out.img') }),
    refused: { code: 'invalid-args', message: OUTSIDE },
  },
  {
    id: 'serve-update-usb-vm-json',
    title: "vm.update adding the machine's own vm.json as a USB stick",
    run: (c) => c.client.call('vm.update', { vm: c.vm, patch: { usb: { images: [{ id: 'usb9', path: 'vm.json', format: 'raw', readOnly: false }], rules: [] } } }),
    refused: { code: 'invalid-args', message: /lies in the machine folder .* outside its disks\/ folder/ },
  },
  {
    id: 'serve-disk-add-executable',
    title: 'disk.add of an executable script in the home as a writable raw disk (a guest would rewrite the program)',
    run: (c) => c.client.call('disk.add', { vm: c.vm, path: join(c.home, 'bin', 'backup.sh'), format: 'raw' }),
    refused: { code: 'invalid-args', message: /backup\.sh is an executable file \(a program or script\); the browser host does not hand one to a VM as a writable disk/ },
  },
  {
    id: 'serve-create-existing-disk-ssh',
    title: 'vm.create using ~/.ssh/id_ed25519 as its disk (a guest would read the key)',
    run: (c) => c.client.call('vm.create', { name: 'thief', existingDisk: join(c.home, '.ssh', 'id_ed25519') }),
    refused: { code: 'invalid-args', message: HIDDEN('.ssh') },
  },
  {
    id: 'serve-create-cloud-image-ssh',
    title: 'vm.create with ~/.ssh/id_ed25519 as its cloud image (the overlay would let a guest read the key)',
    run: (c) => c.client.call('vm.create', { name: 'thief', cloudImage: join(c.home, '.ssh', 'id_ed25519') }),
    refused: { code: 'invalid-args', message: HIDDEN('.ssh') },
  },
  {
    id: 'serve-update-base-image-ssh',
    title: "vm.update pointing a disk's cloud image (baseImage) at ~/.ssh/id_ed25519",
    run: async (c) => {
      const { doc } = await c.client.call('vm.get', { vm: c.vm });
      return c.client.call('vm.update', { vm: c.vm, patch: { disks: doc.disks.map((d) => ({ ...d, baseImage: join(c.home, '.ssh', 'id_ed25519') })) } });
    },
    refused: { code: 'invalid-args', message: HIDDEN('.ssh') },
  },
  {
    id: 'serve-update-disk-vm-json',
    title: "vm.update adding the machine's own vm.json as a raw disk (a guest would give itself extra QEMU arguments)",
    run: async (c) => {
      const { doc } = await c.client.call('vm.get', { vm: c.vm });
      return c.client.call('vm.update', { vm: c.vm, patch: { disks: [...doc.disks, { id: 'disk9', path: 'vm.json', format: 'raw', bus: 'virtio', readOnly: false, discard: false }] } });
    },
    refused: { code: 'invalid-args', message: /lies in the machine folder .* outside its disks\/ folder/ },
  },
  {
    id: 'serve-share-link-out-of-roots',
    title: 'a shared folder that is a symlink in the home leading out of the roots (~/escape)',
    run: (c) => c.client.call('vm.update', { vm: c.vm, patch: { shares: [{ name: 'escape', path: join(c.home, 'escape'), readOnly: false }] } }),
    refused: { code: 'invalid-args', message: OUTSIDE },
  },
  {
    id: 'serve-share-ssh',
    title: 'sharing ~/.ssh with a guest',
    run: (c) => c.client.call('vm.update', { vm: c.vm, patch: { shares: [{ name: 'keys', path: join(c.home, '.ssh'), readOnly: true }] } }),
    refused: { code: 'invalid-args', message: HIDDEN('.ssh') },
  },
  {
    id: 'serve-media-insert-outside',
    title: 'media.insert of a file outside the roots says nothing about it (not "too small (775 bytes)")',
    run: (c) => c.client.call('media.insert', { vm: c.vm, path: join(c.outside, 'tiny.iso') }),
    refused: { code: 'invalid-args', message: new RegExp(`^(?![^]*(too small|bytes))[^]*${OUTSIDE.source}`) },
  },
  {
    id: 'serve-iso-inspect-outside',
    title: 'iso.inspect of a file outside the roots',
    run: (c) => c.client.call('iso.inspect', { path: join(c.outside, 'tiny.iso') }),
    refused: { code: 'invalid-args', message: OUTSIDE },
  },
  {
    id: 'serve-export-outside',
    title: 'vm.export writing an archive outside the roots',
    run: (c) => c.client.call('vm.export', { vm: c.vm, path: join(c.outside, 'x.tar') }),
    refused: { code: 'invalid-args', message: OUTSIDE },
  },

  {
    id: 'serve-download-to-outside',
    title: 'download.start with --to a folder outside the roots',
    run: (c) => c.client.call('download.start', { source: 'debian-12-cloud-amd64', to: c.outside }),
    refused: { code: 'invalid-args', message: OUTSIDE },
  },
  {
    id: 'serve-download-to-ssh',
    title: 'download.start with --to ~/.ssh (a file named like a key could land there)',
    run: (c) => c.client.call('download.start', { source: 'debian-12-cloud-amd64', to: join(c.home, '.ssh') }),
    refused: { code: 'invalid-args', message: HIDDEN('.ssh') },
  },
  {
    id: 'serve-download-to-traversal',
    title: 'download.start with --to climbing out of the home with ..',
    run: (c) => c.client.call('download.start', { source: 'debian-12-cloud-amd64', to: join(c.home, '..', '..', 'etc') }),
    refused: { code: 'invalid-args', message: OUTSIDE },
  },

  // --- running programs through extra QEMU arguments --------------------------------------------------
  {
    id: 'serve-update-extra-args-exec',
    title: 'vm.update setting extraArgs ["-incoming", "exec:…"] (QEMU would run the command at the next start)',
    run: (c) => c.client.call('vm.update', { vm: c.vm, patch: { extraArgs: ['-incoming', `exec:touch ${c.marker}`] } }),
    refused: { code: 'not-allowed', message: READ_ONLY },
  },
  {
    id: 'serve-update-extra-args-clear',
    title: 'vm.update clearing extraArgs (read-only means read-only)',
    run: (c) => c.client.call('vm.update', { vm: c.vm, patch: { extraArgs: [] } }),
    refused: { code: 'not-allowed', message: READ_ONLY },
  },
  {
    id: 'serve-update-extra-args-proto',
    title: 'vm.update smuggling extraArgs inside a "__proto__" key (not an own key, so an own-key check would miss it)',
    run: (c) => c.client.call('vm.update', { vm: c.vm, patch: JSON.parse(`{"__proto__":{"extraArgs":["-incoming","exec:touch ${c.marker}"]}}`) as Record<string, unknown> }),
    refused: { code: 'invalid-document', message: /^invalid VM document: __proto__: unknown field$/ },
  },
  {
    id: 'serve-add-existing-armed',
    title: 'vm.addExisting of a machine folder whose vm.json carries an exec payload',
    run: (c) => c.client.call('vm.addExisting', { path: c.armedBundle }),
    refused: { code: 'not-allowed', message: /has extra QEMU arguments, so it cannot be added here/ },
  },

  // --- the file browser and the http side ----------------------------------------------------------------
  {
    id: 'serve-fs-list-outward-link',
    title: 'fs.list of the home shows a link leading out as nothing in particular, and will not list into it',
    run: async (c) => {
      const listing = await c.client.call('fs.list', { dir: c.home });
      const into = await c.client.call('fs.list', { dir: join(c.home, 'escape') }).then(
        () => 'listed',
        (err: { code?: string }) => err.code,
      );
      return { listing, into };
    },
    accepted: (_c, r) => {
      const { listing, into } = r as { listing: CommandResult<'fs.list'>; into: unknown };
      expect(listing.entries).toContainEqual({ name: 'escape', kind: 'other', size: 0 });
      expect(listing.entries).toContainEqual({ name: 'secret-link', kind: 'other', size: 0 });
      expect(JSON.stringify(listing)).not.toContain('outside');
      expect(into).toBe('invalid-args');
    },
  },
  {
    id: 'serve-redirect-off-host',
    title: 'the token URL /.//evil.example/?token=… redirects to /, not to another host',
    modes: ['standalone'],
    run: (c) => c.serve.get(`/.//evil.example/?token=${c.serve.token}`),
    accepted: (_c, r) => expect(r).toEqual({ status: 303, location: '/' }),
  },
];
