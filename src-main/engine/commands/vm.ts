import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseVmPatch } from '../../../src-shared/vm-document/index.js';
import { cloneVm } from '../clone/clone-service.js';
import { followBundleMove, refuseDeleteWithDependents } from '../clone/backing-refs.js';
import { createWithExistingDisk } from '../clone/import-disk.js';
import { planCreate } from '../create-plan.js';
import { writeCloudFiles } from '../cloud-init/cloud-plan.js';
import { refuseArchTheHostLacks } from '../qemu/arch-support.js';
import { createArch } from '../../../src-shared/os-catalog/index.js';
import type { EngineContext } from '../engine-context.js';
import type { GuestAgentService } from '../guest-agent/guest-agent-service.js';
import type { InstallService } from '../install/install-service.js';
import type { JobRegistry } from '../jobs/job-registry.js';
import type { MediaService } from '../media/media-service.js';
import { refusePatchWhileSaved, refuseWhileSaved } from '../saved-state/save-state.js';
import { createImage } from '../storage/qemu-img.js';
import { bundleFolderName } from '../storage/slug.js';
import { previewChains } from '../vm-lifecycle.js';
import { forget } from '../session/idle-states.js';
import { resolveShares } from '../shares/share-paths.js';
import { refuseWhileActive, type CommandSet } from './command-kit.js';
import { applyClipboardLive } from '../display/clipboard-live.js';
import type { UnattendedInstall } from '../install/install-state.js';
import { applyUnattended, planCreateUnattended } from '../unattended/create-unattended.js';
import type { DisplayService } from '../display/display-service.js';

export interface VmCommandDeps {
  readonly jobs: JobRegistry;
  /** The recent-ISO list a new VM's ISO joins. */
  readonly media: Pick<MediaService, 'recent'>;
  /** A new VM with an ISO and a blank disk is an OS install. */
  readonly install: Pick<InstallService, 'markInstalling'>;
  /** A running machine's clipboard policy changes live: its open displays follow. */
  readonly displays: Pick<DisplayService, 'setClipboardPolicy'>;
  /** What the guest agent said (vm.get). */
  readonly agent: Pick<GuestAgentService, 'info'>;
}

/** One machine's document and bundle: create, read, change, rename, delete, clone, and the argv QEMU would get. */
export function vmCommands(
  ctx: EngineContext,
  { jobs, media, install, displays, agent }: VmCommandDeps,
): CommandSet<'vm.create' | 'vm.get' | 'vm.update' | 'vm.rename' | 'vm.delete' | 'vm.clone' | 'vm.argv' | 'vm.previewArgv'> {
  const load = (ref: string) => ctx.store.load(ref);
  return {
    'vm.create': async (a) => {
      ctx.assertOpen();
      const plan = await planCreate(a);
      // An unattended install is checked (answers, installer kernel) before anything is written.
      const unattended = await planCreateUnattended(a, plan.iso);
      await refuseArchTheHostLacks(() => ctx.host.info(), createArch(a));
      // Before a disk is copied or made: store.create checks again, under its lock.
      await ctx.store.assertNameFree(a.name);
      const { id, iso, source, build } = plan;
      const into = plan.folder !== null ? { parentDir: plan.folder } : {};
      let unattendedRecord: UnattendedInstall | undefined;
      let created = source
        ? await createWithExistingDisk(ctx, jobs, { vmId: id, name: a.name, src: source, mode: a.existingDiskMode ?? 'use', jobId: a.jobId }, (disk) => ctx.store.create(build(disk), into))
        : await ctx.store.create(build(plan.disk()), into);
      if (plan.cloud) {
        // The overlay on the image and the cidata seed; nothing is left behind when either fails.
        await writeCloudFiles(created.bundleDir, plan.cloud).catch(async (err: unknown) => {
          await ctx.store.delete(created.id, { files: true }).catch(() => undefined);
          throw err;
        });
      } else if (a.diskSizeGiB !== undefined) {
        try {
          await createImage(join(created.bundleDir, 'disks', 'disk0.qcow2'), 'qcow2', Math.round(a.diskSizeGiB * 1024 ** 3));
          if (unattended) created = await applyUnattended(ctx.store, created, unattended).then((r) => ((unattendedRecord = r.record), r.vm));
        } catch (err) {
          await ctx.store.delete(created.id, { files: true }).catch(() => undefined);
          throw err;
        }
      }
      ctx.emit(created.id, { type: 'vm.added', name: created.name });
      if (iso !== null) await media.recent.add(iso);
      // An ISO and a new blank disk: an OS install (the engine finishes it when the installer is done).
      if (iso !== null && a.diskSizeGiB !== undefined) await install.markInstalling(created, unattendedRecord);
      return { id: created.id, doc: created.doc, bundleDir: created.bundleDir };
    },

    'vm.get': async (a) => {
      const vm = await load(a.vm);
      const accelerator = await ctx.sessions.get(vm.id)?.accelerator().catch(() => undefined);
      const tags = (await ctx.store.tags()).get(vm.id) ?? [];
      const guestAgent = agent.info(vm.id);
      return { doc: vm.doc, state: ctx.stateOf(vm.id), bundleDir: vm.bundleDir, tags, ...(accelerator ? { accelerator } : {}), ...(guestAgent ? { guestAgent } : {}) };
    },

    'vm.update': async (a) => {
      // The edge only knows an object arrived; the document schema's partial names a bad field before anything is read.
      const patch = parseVmPatch(a.patch);
      const live = await applyClipboardLive(ctx, displays, a.vm, patch);
      if (live) return live;
      const vm = await refuseWhileActive(ctx, a.vm, 'change the settings of');
      await refusePatchWhileSaved(ctx, vm, patch);
      // A new shared folder passes the folder rules and is stored by its real path (shares/share-paths.ts).
      if (patch.shares !== undefined) patch.shares = await resolveShares(patch.shares, vm.doc.shares, { libraryDir: ctx.libraryDir, bundleDir: vm.bundleDir });
      const doc = await ctx.store.update(vm.id, patch);
      ctx.emit(vm.id, { type: 'vm.changed' });
      return { doc };
    },

    'vm.rename': async (a) => {
      const vm = await refuseWhileActive(ctx, a.vm, 'rename');
      const relink = await followBundleMove(vm, await ctx.store.list(), (id) => ctx.stateOf(id));
      const r = await ctx.store.rename(vm.id, a.name);
      await relink(r.bundleDir);
      ctx.emit(vm.id, { type: 'vm.changed' });
      return { doc: r.doc, bundleDir: r.bundleDir };
    },

    'vm.delete': async (a) => {
      const vm = await refuseWhileActive(ctx, a.vm, 'delete');
      if (a.files) await refuseDeleteWithDependents(vm, await ctx.store.list());
      await ctx.store.delete(vm.id, { files: a.files });
      forget(ctx, vm.id);
      await rm(ctx.vmRuntimeDir(vm.id), { recursive: true, force: true });
      ctx.emit(vm.id, { type: 'vm.removed' });
      return { id: vm.id };
    },

    'vm.clone': async (a) => {
      ctx.assertOpen();
      refuseWhileSaved(ctx, await load(a.vm), 'clone');
      return cloneVm(ctx, jobs, a);
    },

    'vm.argv': async (a) => {
      const vm = await load(a.vm);
      const chains = await previewChains(ctx, vm);
      const { binary, argv } = await ctx.host.launchArgv(vm, { runtimeDir: ctx.vmRuntimeDir(vm.id), logsDir: join(vm.bundleDir, 'logs') }, { dryRun: true, ...(chains ? { chains } : {}) });
      return { argv: [binary, ...argv] };
    },

    'vm.previewArgv': async (a) => {
      const plan = await planCreate(a);
      // The same refusal vm.create would give: a preview of a command this host cannot run would mislead.
      await refuseArchTheHostLacks(() => ctx.host.info(), createArch(a));
      // Nothing exists yet: the paths are those the bundle would get, `<folder or library>/<slug>-<id>.hangar`
      // with this preview's id (vm.create picks a new id, and with it the folder name, MAC and uuid).
      const bundleDir = join(plan.folder ?? ctx.libraryDir, bundleFolderName(a.name, plan.id));
      const doc = ctx.store.check(plan.build(plan.disk()));
      const vm = { id: plan.id, name: doc.name, bundleDir, doc };
      // dryRun: no UEFI vars file is made; launchArgv runs the pure buildArgv over the cached host probe.
      const chains = await previewChains(ctx, vm);
      const { binary, argv } = await ctx.host.launchArgv(vm, { runtimeDir: ctx.vmRuntimeDir(plan.id), logsDir: join(bundleDir, 'logs') }, { dryRun: true, ...(chains ? { chains } : {}) });
      return { argv: [binary, ...argv] };
    },
  };
}
