import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { commandArgs, EngineError, type FsRoot } from '../../../src-shared/contract/index.js';
import { PATH_FIELDS, checkBrowserPath, checkCommandPaths, type PathCheckContext } from '../../../src-main/engine/browser-paths.js';
import { newVmDocument } from '../../../src-shared/vm-document/index.js';

/** Argument fields that are not host paths, by name (a new field with another name must be classified). */
const NOT_PATHS = new Set(['client', 'vm', 'name', 'snapshot', 'disk', 'drive', 'combo', 'text', 'data', 'jobId', 'osId', 'description', 'kind', 'protocol', 'hostAddress', 'tags', 'patch', 'uri', 'newName', 'device', 'id', 'dropId', 'source', 'sha256', 'pool']);

/** The type under optional/nullable/default wrappers. */
function baseType(s: z.ZodType): string {
  let def = (s as unknown as { def: { type: string; innerType?: z.ZodType } }).def;
  while ((def.type === 'optional' || def.type === 'nullable' || def.type === 'default') && def.innerType) def = (def.innerType as unknown as { def: typeof def }).def;
  return def.type;
}

describe('the path-bearing command list', () => {
  it('classifies every command of the engine contract, and nothing else', () => {
    expect(Object.keys(PATH_FIELDS).sort()).toEqual(Object.keys(commandArgs).sort());
  });

  it('names every string argument that is not known to be something else, and only fields that exist', () => {
    for (const [command, schema] of Object.entries(commandArgs)) {
      const shape = (schema as unknown as z.ZodObject).shape as Record<string, z.ZodType>;
      const spec = PATH_FIELDS[command as keyof typeof PATH_FIELDS];
      const declared = spec === 'patch' ? [] : spec.map((f) => f.field);
      for (const f of declared) expect(Object.keys(shape), `${command}.${f}`).toContain(f);
      for (const [field, type] of Object.entries(shape)) {
        const kind = baseType(type);
        if (kind === 'record' || kind === 'unknown' || kind === 'any') expect(spec, `${command}.${field} takes free-form data: classify it as 'patch'`).toBe('patch');
        if (kind !== 'string' || declared.includes(field)) continue;
        expect(NOT_PATHS.has(field), `${command}.${field} is a string: list it in PATH_FIELDS (a host path) or in NOT_PATHS here`).toBe(true);
      }
    }
  });
});

describe('checking a browser host path', () => {
  let base: string;
  let home: string;
  let library: string;
  let bundle: string;
  let ctx: PathCheckContext;
  const refused = async (p: Promise<unknown>): Promise<EngineError> => {
    const err = await p.then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    return err as EngineError;
  };

  beforeAll(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), 'hangar-bp-')));
    home = join(base, 'home');
    library = join(home, '.local', 'share', 'hangar', 'library');
    bundle = join(library, 'deb-12345678.hangar');
    for (const d of [join(home, 'isos'), join(home, '.ssh'), join(bundle, 'disks'), join(base, 'outside'), join(home, 'vms', 'x.hangar', 'disks')]) mkdirSync(d, { recursive: true });
    writeFileSync(join(home, '.bashrc'), 'echo hi\n');
    writeFileSync(join(home, 'isos', 'tool.sh'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(home, 'isos', 'a.iso'), 'iso');
    writeFileSync(join(base, 'outside', 'secret.iso'), 'x'.repeat(775));
    writeFileSync(join(bundle, 'vm.json'), '{}');
    writeFileSync(join(bundle, 'disks', 'disk0.qcow2'), '');
    writeFileSync(join(library, 'library.json'), '{}');
    writeFileSync(join(home, 'vms', 'x.hangar', 'vm.json'), '{}');
    symlinkSync(join(home, '.bashrc'), join(home, 'isos', 'bashrc.img'));
    symlinkSync(join(base, 'outside', 'secret.iso'), join(home, 'isos', 'out.iso'));
    const roots: FsRoot[] = [
      { path: home, label: 'Home' },
      { path: library, label: 'Library' },
    ];
    const doc = { ...newVmDocument({ name: 'deb', id: '00000000-0000-4000-8000-000000000001', now: '2026-01-01T00:00:00.000Z', mac: '52:54:00:12:34:56' }), disks: [{ id: 'disk0', path: 'disks/disk0.qcow2', format: 'qcow2' as const, bus: 'virtio' as const, readOnly: false, discard: true }], cdroms: [{ id: 'cd0', path: join(base, 'outside', 'secret.iso'), bus: 'sata' as const }] };
    ctx = { roots, libraryDir: library, vmOf: async () => ({ bundleDir: bundle, doc }) };
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('refuses hidden files and folders below a root (a raw disk of ~/.bashrc), also through a link', async () => {
    expect((await refused(checkBrowserPath(join(home, '.bashrc'), 'medium', ctx))).message).toMatch(/hidden file or folder \(\.bashrc\)/);
    expect((await refused(checkBrowserPath(join(home, 'isos', 'bashrc.img'), 'medium', ctx))).message).toMatch(/\.bashrc/);
    await refused(checkBrowserPath(join(home, '.ssh', 'id_ed25519'), 'read', ctx));
    await refused(checkBrowserPath(join(home, '.config', 'new.tar.gz'), 'target', ctx));
    // The library is a root of its own: its machines' disks are not hidden, though ~/.local is.
    expect(await checkBrowserPath(join(bundle, 'disks', 'disk0.qcow2'), 'medium', ctx)).toBe(join(bundle, 'disks', 'disk0.qcow2'));
    // Browsing may look into hidden folders; nothing there can be used.
    expect(await checkBrowserPath(join(home, '.ssh'), 'browse', ctx)).toBe(join(home, '.ssh'));
  });

  it('refuses an executable as a writable disk (a guest would rewrite a program), not as a CD', async () => {
    const tool = join(home, 'isos', 'tool.sh');
    expect((await refused(checkBrowserPath(tool, 'disk', ctx))).message).toMatch(/is an executable file \(a program or script\)/);
    await refused(checkCommandPaths('disk.add', { vm: 'x', path: tool }, ctx));
    await refused(checkCommandPaths('vm.create', { name: 'x', existingDisk: tool }, ctx));
    await refused(checkCommandPaths('vm.update', { vm: 'deb', patch: { disks: [{ id: 'd1', path: tool }] } }, ctx));
    expect(await checkBrowserPath(tool, 'medium', ctx)).toBe(tool);
    await checkCommandPaths('vm.update', { vm: 'deb', patch: { cdroms: [{ id: 'cd1', path: tool }] } }, ctx);
  });

  it('refuses a file outside the roots without a word about it', async () => {
    const err = await refused(checkBrowserPath(join(home, 'isos', 'out.iso'), 'medium', ctx));
    expect(err.message).toMatch(/is outside the folders the browser host may use/);
    expect(err.message).not.toMatch(/775|small|secret/);
  });

  it("refuses Hangar's own files as a disk, CD or target: a machine's vm.json, the library index", async () => {
    for (const p of [join(bundle, 'vm.json'), join(home, 'vms', 'x.hangar', 'vm.json'), join(library, 'library.json'), join(bundle, 'logs', 'qemu.log')]) {
      expect((await refused(checkBrowserPath(p, 'medium', ctx))).message, p).toMatch(/Hangar's files|machine folder/);
    }
    await refused(checkBrowserPath(join(bundle, 'new.tar.gz'), 'target', ctx));
    // Reading a bundle (to add it) is what vm.addExisting is for.
    expect(await checkBrowserPath(join(home, 'vms', 'x.hangar'), 'bundle', ctx)).toBe(join(home, 'vms', 'x.hangar'));
  });

  it('checks each path-bearing command through the one list', async () => {
    await refused(checkCommandPaths('disk.add', { vm: 'x', path: join(home, '.bashrc') }, ctx));
    await refused(checkCommandPaths('media.insert', { vm: 'x', path: join(base, 'outside', 'secret.iso') }, ctx));
    await refused(checkCommandPaths('iso.inspect', { path: join(base, 'outside', 'secret.iso') }, ctx));
    await refused(checkCommandPaths('vm.create', { name: 'x', existingDisk: join(bundle, 'vm.json') }, ctx));
    await refused(checkCommandPaths('vm.export', { vm: 'x', path: join(base, 'outside', 'x.tar') }, ctx));
    await checkCommandPaths('media.insert', { vm: 'x', path: join(home, 'isos', 'a.iso') }, ctx);
    await checkCommandPaths('vm.start', { vm: join(home, '.bashrc') }, ctx);
    await checkCommandPaths('no.such.command', { path: '/etc/shadow' }, ctx);
  });

  it("vm.update: judges the paths a patch adds (relative ones in the bundle), not the ones the VM has", async () => {
    const keep = { disks: [{ id: 'disk0', path: 'disks/disk0.qcow2' }], cdroms: [{ id: 'cd0', path: join(base, 'outside', 'secret.iso') }] };
    await checkCommandPaths('vm.update', { vm: 'deb', patch: keep }, ctx);
    await refused(checkCommandPaths('vm.update', { vm: 'deb', patch: { disks: [{ id: 'd1', path: 'vm.json' }] } }, ctx));
    await refused(checkCommandPaths('vm.update', { vm: 'deb', patch: { disks: [{ id: 'd1', path: join(home, '.bashrc') }] } }, ctx));
    await refused(checkCommandPaths('vm.update', { vm: 'deb', patch: { cdroms: [{ id: 'cd1', path: '../../../../../../outside/other.iso' }] } }, ctx));
    // Without the VM at hand (no vmOf), a relative path must stay in disks/ by its words alone.
    const blind = { roots: ctx.roots, libraryDir: library };
    await checkCommandPaths('vm.update', { vm: 'deb', patch: keep.disks && { disks: keep.disks } }, blind);
    await refused(checkCommandPaths('vm.update', { vm: 'deb', patch: { disks: [{ id: 'd1', path: 'vm.json' }] } }, blind));
    await refused(checkCommandPaths('vm.update', { vm: 'deb', patch: { disks: [{ id: 'd1', path: 'disks/../vm.json' }] } }, blind));
  });
});
