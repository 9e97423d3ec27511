import { access } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { EngineError, type VmSummary } from '../../../src-shared/contract/index.js';
import { addExistingRisks, needsConfirmation } from '../archive/add-existing-risks.js';
import type { EngineContext } from '../engine-context.js';
import type { InstallService } from '../install/install-service.js';
import { tightenIfOpen } from '../storage/private-modes.js';
import { createQemuImg, type ImageFormat } from '../storage/qemu-img.js';
import type { CommandSet } from './command-kit.js';

/** The library: its list, tags, and bundles added from elsewhere. */
export function libraryCommands(
  ctx: Pick<EngineContext, 'store' | 'stateOf' | 'emit'>,
  install: Pick<InstallService, 'withPhases'>,
): CommandSet<'library.list' | 'vm.tags.set' | 'vm.addExisting'> {
  const addImg = createQemuImg();
  return {
    'library.list': async () => {
      const { entries, tags } = await ctx.store.listWithTags();
      const tagsOf = (id: string | null): string[] => (id !== null ? (tags.get(id) ?? []) : []);
      return install.withPhases(entries.map((e): VmSummary => {
        if (e.status === 'ok') return { id: e.id, name: e.name, osId: e.doc.osId, bundleDir: e.bundleDir, state: ctx.stateOf(e.id), tags: tagsOf(e.id) };
        return { id: e.id ?? e.bundleDir, name: e.name ?? e.bundleDir, osId: 'unknown', bundleDir: e.bundleDir, state: { kind: 'stopped' }, error: e.error.message, tags: tagsOf(e.id) };
      }));
    },

    'vm.tags.set': async (a) => {
      const vm = await ctx.store.load(a.vm);
      const tags = await ctx.store.setTags(vm.id, a.tags);
      ctx.emit(vm.id, { type: 'vm.changed' });
      return { tags };
    },

    'vm.addExisting': async (a) => {
      const path = isAbsolute(a.path) ? a.path : resolve(a.path);
      await access(path).catch(() => {
        throw new EngineError('not-found', `no bundle at ${path}`);
      });
      // As careful as vm.import (archive/add-existing-risks.ts): what reaches outside the bundle is named and needs consent.
      const vm = await ctx.store.addExisting(path, async (dir, doc) => {
        if (a.acceptRisks === true) return;
        const risks = await addExistingRisks(dir, doc, (p, format) => addImg.info(p, { format: format as ImageFormat }));
        if (risks.length > 0) throw needsConfirmation(doc.name, risks);
      });
      // A folder from elsewhere keeps its own modes (often 0755/0644) until made private like the library.
      await tightenIfOpen(vm.bundleDir);
      ctx.emit(vm.id, { type: 'vm.added', name: vm.name });
      return { id: vm.id, doc: vm.doc };
    },
  };
}
