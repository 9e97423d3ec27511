import { EngineError } from '../../../src-shared/contract/index.js';
import type { InstallService } from '../install/install-service.js';
import type { MediaService } from '../media/media-service.js';
import type { CommandSet } from './command-kit.js';

/** Removable media and the end of an OS install (which takes the installer out). */
export function mediaCommands({ media, install }: { media: MediaService; install: Pick<InstallService, 'finishByHand'> }): CommandSet<'media.insert' | 'media.eject' | 'media.recent' | 'media.poolIsos' | 'pool.upload' | 'install.finish'> {
  return {
    'media.insert': async (a) => media.insert(a.vm, { path: a.path, ...(a.drive !== undefined ? { drive: a.drive } : {}), ...(a.force !== undefined ? { force: a.force } : {}) }),
    'media.eject': async (a) => media.eject(a.vm, { ...(a.drive !== undefined ? { drive: a.drive } : {}), ...(a.force !== undefined ? { force: a.force } : {}) }),
    'media.recent': async () => ({ isos: await media.list() }),
    'media.poolIsos': async () => {
      throw new EngineError('unsupported', 'storage pools belong to libvirt connections: on this computer, choose an ISO with Browse…');
    },
    'pool.upload': async () => {
      throw new EngineError('unsupported', 'storage pools belong to libvirt connections: upload to one with --connection NAME (hangar connection list)');
    },
    'install.finish': async (a) => install.finishByHand(a.vm),
  };
}
