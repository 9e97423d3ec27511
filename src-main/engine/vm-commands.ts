import { noPowerButtonReason } from './qemu/argv-arch.js';
import { refuseArchTheHostLacks } from './qemu/arch-support.js';
import { createArch } from '../../src-shared/os-catalog/index.js';
import { cpus, totalmem } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { access, rm } from 'node:fs/promises';
import { EngineError, type VmSummary } from '../../src-shared/contract/index.js';
import type { VmPatch } from '../../src-shared/vm-document/index.js';
import { isActive, isDisposable } from '../../src-shared/vm-state.js';
import { discardState, refusePatchWhileSaved, refuseWhileSaved, saveState } from './saved-state/save-state.js';
import { inspectIso } from './iso/index.js';
import type { Engine } from './engine.js';
import { ENGINE_VERSION } from './engine-version.js';
import type { Handlers } from './rpc/engine-server.js';
import { previewChains, restartVm, startVm } from './vm-lifecycle.js';
import { createImage, createQemuImg, type ImageFormat } from './storage/qemu-img.js';
import { addExistingRisks, needsConfirmation } from './archive/add-existing-risks.js';
import { tightenIfOpen } from './storage/private-modes.js';
import { readLogTail } from './session/log-tail.js';
import { endedEventLog, eventsTail, readTextTail } from './session/event-log.js';
import type { VmSession } from './session/vm-session.js';
import { withFileBrowser } from './file-browser.js';
import { engineThumbnails } from './display/engine-thumbnails.js';
import { snapshotServiceFor } from './snapshots/snapshot-service.js';
import { installServiceFor } from './install/install-service.js';
import { mediaServiceFor } from './media/media-service.js';
import { diskServiceFor } from './disks/disk-service.js';
import { forwardServiceFor } from './network/forward-service.js';
import { archiveServiceFor } from './archive/archive-service.js';
import { engineStats } from './stats/stats-service.js';
import { planCreate } from './create-plan.js';
import { bundleFolderName } from './storage/slug.js';
import { createWithExistingDisk } from './clone/import-disk.js';
import { cloneVm } from './clone/clone-service.js';
import { followBundleMove, refuseDeleteWithDependents } from './clone/backing-refs.js';

/** Every contract command, implemented over the engine's store, host service and sessions. */
export function makeHandlers(engine: Engine): Handlers {
  const addImg = createQemuImg();
  const load = (ref: string) => engine.store.load(ref);
  const session = async (ref: string): Promise<VmSession> => {
    const vm = await load(ref);
    const s = engine.sessions.get(vm.id);
    if (!s) throw new EngineError('invalid-state', `"${vm.name}" is not running (${engine.stateOf(vm.id).kind})`);
    return s;
  };
  /** A thumbnail just before the VM stops, kept in the bundle for the library (at most 2 s; best effort). */
  const lastLook = async (s: VmSession): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([engineThumbnails(engine).capture(s.vmId), new Promise((r) => (timer = setTimeout(r, 2_000)))]);
    clearTimeout(timer);
  };
  const refuseWhileActive = async (ref: string, action: string) => {
    const vm = await load(ref);
    const state = engine.stateOf(vm.id);
    if (isActive(state)) throw new EngineError('invalid-state', `cannot ${action} "${vm.name}" while it is ${state.kind}; shut it down first`);
    return vm;
  };

  /** Disk work, exports and clones would change or copy what a saved state needs: refused until it is resumed or discarded. */
  const unsaved = async <T extends { vm: string }>(a: T, action: string): Promise<T> => {
    refuseWhileSaved(engine, await load(a.vm), action);
    return a;
  };
  /** A disposable run's disks are overlays that snapshots cannot address; a saved state would be overtaken by a restore. */
  const refuseSnapshots = async (ref: string, action: string, o: { whileSaved?: boolean } = {}): Promise<void> => {
    const vm = await load(ref);
    const state = engine.stateOf(vm.id);
    if (isDisposable(state)) {
      throw new EngineError('invalid-state', `cannot ${action} "${vm.name}" while it runs without saving changes: its disk writes go to throwaway overlays. Power it off and start it normally to use snapshots`);
    }
    if (!o.whileSaved) refuseWhileSaved(engine, vm, action);
  };

  return withFileBrowser(engine, {
    'engine.hello': async () => ({ engineVersion: ENGINE_VERSION, pid: process.pid, libraryDir: engine.libraryDir }),

    'host.info': async (a) => ({
      ...(await engine.host.summary({ refresh: a.refresh === true })),
      hostMemoryMiB: Math.floor(totalmem() / 1024 / 1024),
      hostCpus: cpus().length,
      libraryDir: engine.libraryDir,
    }),

    'library.list': async () => {
      const { entries, tags } = await engine.store.listWithTags();
      const tagsOf = (id: string | null): string[] => (id !== null ? (tags.get(id) ?? []) : []);
      return installServiceFor(engine).withPhases(entries.map((e): VmSummary => {
        if (e.status === 'ok') return { id: e.id, name: e.name, osId: e.doc.osId, bundleDir: e.bundleDir, state: engine.stateOf(e.id), tags: tagsOf(e.id) };
        return { id: e.id ?? e.bundleDir, name: e.name ?? e.bundleDir, osId: 'unknown', bundleDir: e.bundleDir, state: { kind: 'stopped' }, error: e.error.message, tags: tagsOf(e.id) };
      }));
    },

    'vm.create': async (a) => {
      engine.assertOpen();
      const plan = await planCreate(a);
      await refuseArchTheHostLacks(() => engine.host.info(), createArch(a));
      // Before a disk is copied or made: store.create checks again, under its lock.
      await engine.store.assertNameFree(a.name);
      const { id, iso, source, build } = plan;
      const into = plan.folder !== null ? { parentDir: plan.folder } : {};
      const created = source
        ? await createWithExistingDisk(engine, diskServiceFor(engine).jobs, { vmId: id, name: a.name, src: source, mode: a.existingDiskMode ?? 'use', jobId: a.jobId }, (disk) => engine.store.create(build(disk), into))
        : await engine.store.create(build(plan.disk()), into);
      if (a.diskSizeGiB !== undefined) {
        try {
          await createImage(join(created.bundleDir, 'disks', 'disk0.qcow2'), 'qcow2', Math.round(a.diskSizeGiB * 1024 ** 3));
        } catch (err) {
          await engine.store.delete(created.id, { files: true }).catch(() => undefined);
          throw err;
        }
      }
      engine.emit(created.id, { type: 'vm.added', name: created.name });
      if (iso !== null) await mediaServiceFor(engine).recent.add(iso);
      // An ISO and a new blank disk: an OS install (the engine finishes it when the installer is done).
      if (iso !== null && a.diskSizeGiB !== undefined) await installServiceFor(engine).markInstalling(created);
      return { id: created.id, doc: created.doc, bundleDir: created.bundleDir };
    },

    'vm.get': async (a) => {
      const vm = await load(a.vm);
      const accelerator = await engine.sessions.get(vm.id)?.accelerator().catch(() => undefined);
      const tags = (await engine.store.tags()).get(vm.id) ?? [];
      return { doc: vm.doc, state: engine.stateOf(vm.id), bundleDir: vm.bundleDir, tags, ...(accelerator ? { accelerator } : {}) };
    },

    'vm.update': async (a) => {
      const vm = await refuseWhileActive(a.vm, 'change the settings of');
      await refusePatchWhileSaved(engine, vm, a.patch as VmPatch);
      const doc = await engine.store.update(vm.id, a.patch as VmPatch);
      engine.emit(vm.id, { type: 'vm.changed' });
      return { doc };
    },

    'vm.rename': async (a) => {
      const vm = await refuseWhileActive(a.vm, 'rename');
      const relink = await followBundleMove(vm, await engine.store.list(), (id) => engine.stateOf(id));
      const r = await engine.store.rename(vm.id, a.name);
      await relink(r.bundleDir);
      engine.emit(vm.id, { type: 'vm.changed' });
      return { doc: r.doc, bundleDir: r.bundleDir };
    },

    'vm.delete': async (a) => {
      const vm = await refuseWhileActive(a.vm, 'delete');
      if (a.files) await refuseDeleteWithDependents(vm, await engine.store.list());
      await engine.store.delete(vm.id, { files: a.files });
      engine.lastStates.delete(vm.id);
      await rm(engine.vmRuntimeDir(vm.id), { recursive: true, force: true });
      engine.emit(vm.id, { type: 'vm.removed' });
      return { id: vm.id };
    },

    'vm.clone': async (a) => {
      engine.assertOpen();
      refuseWhileSaved(engine, await load(a.vm), 'clone');
      return cloneVm(engine, diskServiceFor(engine).jobs, a);
    },

    'vm.tags.set': async (a) => {
      const vm = await engine.store.load(a.vm);
      const tags = await engine.store.setTags(vm.id, a.tags);
      engine.emit(vm.id, { type: 'vm.changed' });
      return { tags };
    },

    'vm.addExisting': async (a) => {
      const path = isAbsolute(a.path) ? a.path : resolve(a.path);
      await access(path).catch(() => {
        throw new EngineError('not-found', `no bundle at ${path}`);
      });
      // As careful as vm.import (archive/add-existing-risks.ts): what reaches outside the bundle is named and needs consent.
      const vm = await engine.store.addExisting(path, async (dir, doc) => {
        if (a.acceptRisks === true) return;
        const risks = await addExistingRisks(dir, doc, (p, format) => addImg.info(p, { format: format as ImageFormat }));
        if (risks.length > 0) throw needsConfirmation(doc.name, risks);
      });
      // A folder from elsewhere keeps its own modes (often 0755/0644) until made private like the library.
      await tightenIfOpen(vm.bundleDir);
      engine.emit(vm.id, { type: 'vm.added', name: vm.name });
      return { id: vm.id, doc: vm.doc };
    },

    'vm.argv': async (a) => {
      const vm = await load(a.vm);
      const chains = await previewChains(engine, vm);
      const { binary, argv } = await engine.host.launchArgv(vm, { runtimeDir: engine.vmRuntimeDir(vm.id), logsDir: join(vm.bundleDir, 'logs') }, { dryRun: true, ...(chains ? { chains } : {}) });
      return { argv: [binary, ...argv] };
    },

    'vm.previewArgv': async (a) => {
      const plan = await planCreate(a);
      // Nothing exists yet: the paths are those the bundle would get, `<folder or library>/<slug>-<id>.hangar`
      // with this preview's id (vm.create picks a new id, and with it the folder name, MAC and uuid).
      const bundleDir = join(plan.folder ?? engine.libraryDir, bundleFolderName(a.name, plan.id));
      const doc = engine.store.check(plan.build(plan.disk()));
      const vm = { id: plan.id, name: doc.name, bundleDir, doc };
      // dryRun: no UEFI vars file is made; launchArgv runs the pure buildArgv over the cached host probe.
      const chains = await previewChains(engine, vm);
      const { binary, argv } = await engine.host.launchArgv(vm, { runtimeDir: engine.vmRuntimeDir(plan.id), logsDir: join(bundleDir, 'logs') }, { dryRun: true, ...(chains ? { chains } : {}) });
      return { argv: [binary, ...argv] };
    },

    // Runs in the machine's turn (machine-ops/): never beside a clone, export, disk job or another start.
    'vm.start': async (a) => {
      engine.assertOpen();
      const vm = await load(a.vm);
      const s = await startVm(engine, vm, a.disposable === true ? { disposable: true } : {});
      return { state: s.state };
    },

    'vm.saveState': async (a) => {
      const vm = await load(a.vm);
      const s = await session(a.vm);
      await lastLook(s);
      return { state: await saveState(engine, vm, s) };
    },

    'vm.discardState': async (a) => {
      const vm = await load(a.vm);
      return { state: await discardState(engine, vm) };
    },

    'vm.pause': async (a) => {
      const s = await session(a.vm);
      await s.pause();
      return { state: s.state };
    },

    'vm.resume': async (a) => {
      const s = await session(a.vm);
      await s.resume();
      return { state: s.state };
    },

    'vm.reset': async (a) => {
      const s = await session(a.vm);
      // While an OS installs, the reset button restarts QEMU (see InstallService.hostReset).
      const now = await installServiceFor(engine).hostReset(s, () => s.reset().then(() => s), (vm) => restartVm(engine, vm));
      return { state: now.state };
    },

    'vm.shutdown': async (a) => {
      const s = await session(a.vm);
      const noButton = noPowerButtonReason((await load(a.vm)).doc);
      if (noButton) throw new EngineError('invalid-state', noButton);
      await lastLook(s);
      const { timedOut } = await s.shutdown(a.timeoutMs ?? 60_000);
      return { state: s.state, timedOut };
    },

    'vm.forceOff': async (a) => {
      const s = await session(a.vm);
      await lastLook(s);
      await s.forceOff();
      return { state: s.state };
    },

    'vm.screenshot': async (a) => {
      const s = await session(a.vm);
      return { pngBase64: (await s.screenshot()).toString('base64') };
    },

    'vm.thumbnails.subscribe': async (_a, client) => engineThumbnails(engine).subscribe(client.clientId),

    'vm.thumbnails.unsubscribe': async (_a, client) => {
      engineThumbnails(engine).unsubscribe(client.clientId);
      return { ok: true as const };
    },

    'vm.stats.subscribe': async (_a, client) => engineStats(engine).subscribe(client.clientId),

    'vm.stats.unsubscribe': async (_a, client) => {
      engineStats(engine).unsubscribe(client.clientId);
      return { ok: true as const };
    },

    'vm.thumbnail': async (a) => {
      const vm = await load(a.vm);
      const t = await engineThumbnails(engine).last(vm.id);
      return { pngBase64: t?.pngBase64 ?? null, takenAt: t?.takenAt ?? null };
    },

    'vm.sendKey': async (a) => {
      const s = await session(a.vm);
      return { keys: await s.sendKey(a.combo) };
    },

    'vm.typeText': async (a) => {
      const s = await session(a.vm);
      return { sent: await s.typeText(a.text) };
    },

    'vm.console.attach': async (a, client) => {
      const vm = await load(a.vm);
      client.followSerial(vm.id, true);
      const tail = a.tailBytes ?? 64 * 1024;
      const log = tail === 0 ? '' : await readLogTail(join(vm.bundleDir, 'logs', 'serial.log'), tail);
      return { log };
    },

    'vm.console.detach': async (a, client) => {
      const vm = await load(a.vm);
      client.followSerial(vm.id, false);
      return { ok: true as const };
    },

    'vm.console.write': async (a) => {
      const s = await session(a.vm);
      s.writeSerial(a.data);
      return { ok: true as const };
    },

    'vm.logs': async (a) => {
      const vm = await load(a.vm);
      const maxBytes = a.maxBytes ?? 256 * 1024;
      if (a.kind === 'events') {
        const log = engine.sessions.get(vm.id)?.events ?? endedEventLog(engine, vm.id);
        return { kind: a.kind, ...eventsTail(log?.list() ?? [], maxBytes) };
      }
      const file = a.kind === 'qemu' ? 'qemu.log' : 'serial.log';
      return { kind: a.kind, ...(await readTextTail(join(vm.bundleDir, 'logs', file), maxBytes)) };
    },

    'iso.inspect': async (a) => inspectIso(a.path),

    'media.insert': async (a) => mediaServiceFor(engine).insert(a.vm, { path: a.path, ...(a.drive !== undefined ? { drive: a.drive } : {}), ...(a.force !== undefined ? { force: a.force } : {}) }),
    'media.eject': async (a) => mediaServiceFor(engine).eject(a.vm, { ...(a.drive !== undefined ? { drive: a.drive } : {}), ...(a.force !== undefined ? { force: a.force } : {}) }),
    'media.recent': async () => ({ isos: await mediaServiceFor(engine).list() }),
    'install.finish': async (a) => installServiceFor(engine).finishByHand(a.vm),

    'snapshot.list': async (a) => snapshotServiceFor(engine).list(a.vm),
    'snapshot.take': async (a) => {
      engine.assertOpen();
      await refuseSnapshots(a.vm, 'take a snapshot of');
      return snapshotServiceFor(engine).take(a.vm, { name: a.name, ...(a.description !== undefined ? { description: a.description } : {}), ...(a.withRam !== undefined ? { withRam: a.withRam } : {}) });
    },
    'snapshot.restore': async (a) => {
      await refuseSnapshots(a.vm, 'restore a snapshot of');
      return snapshotServiceFor(engine).restore(a.vm, a.snapshot);
    },
    'snapshot.delete': async (a) => {
      await refuseSnapshots(a.vm, 'delete a snapshot of', { whileSaved: true });
      return snapshotServiceFor(engine).delete(a.vm, a.snapshot);
    },
    'snapshot.rename': async (a) =>
      snapshotServiceFor(engine).rename(a.vm, a.snapshot, { ...(a.name !== undefined ? { name: a.name } : {}), ...(a.description !== undefined ? { description: a.description } : {}) }),
    'snapshot.thumbnail': async (a) => ({ pngBase64: (await snapshotServiceFor(engine).thumbnail(a.vm, a.snapshot)).toString('base64') }),

    'disk.add': async (a) => diskServiceFor(engine).add(await unsaved(a, 'add a disk to')),
    'disk.remove': async (a) => diskServiceFor(engine).remove(await unsaved(a, 'remove a disk of')),
    'disk.resize': async (a) => diskServiceFor(engine).resize(await unsaved(a, 'resize a disk of')),
    'disk.convert': async (a) => diskServiceFor(engine).convert(await unsaved(a, 'convert a disk of')),
    'disk.compact': async (a) => diskServiceFor(engine).compact(await unsaved(a, 'compact a disk of')),
    'disk.info': async (a) => diskServiceFor(engine).info(a),
    'job.cancel': async (a) => {
      diskServiceFor(engine).jobs.cancel(a.jobId);
      return { ok: true as const };
    },
    'vm.export': async (a) => archiveServiceFor(engine).export(await unsaved(a, 'export')),
    'vm.import': async (a) => archiveServiceFor(engine).import(a),
    'forward.list': async (a) => forwardServiceFor(engine).list(a),
    'forward.add': async (a) => forwardServiceFor(engine).add(a),
    'forward.remove': async (a) => forwardServiceFor(engine).remove(a),
  });
}
