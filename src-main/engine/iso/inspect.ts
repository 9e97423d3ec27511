import { EngineError, type IsoInspection } from '../../../src-shared/contract/index.js';
import { adjustForBootability, detectIsoArch, detectOs, recommendationFor, type OsDetection, type OsRecommendation } from '../../../src-shared/os-catalog/index.js';
import { IsoError } from './iso9660.js';
import { hostOsinfoDb, matchOsinfo, type OsinfoOs } from './osinfo.js';
import { readIsoFile } from './read-iso-file.js';

export interface InspectOptions {
  /** The osinfo-db to fall back on; defaults to the host's (empty when not installed). */
  osinfo?: () => Promise<ReadonlyArray<OsinfoOs>>;
}

function toEngineError(err: IsoError): EngineError {
  switch (err.kind) {
    case 'not-found':
      return new EngineError('not-found', err.message);
    case 'io':
      return new EngineError('io', err.message);
    case 'not-a-file':
    case 'not-iso':
    case 'truncated':
      return new EngineError('invalid-args', err.message, { reason: err.kind });
  }
}

/**
 * `iso.inspect`: the ISO's label and boot modes, the OS it holds (Hangar's catalog first, then the
 * host's osinfo-db when the catalog has no match or only a weaker one) and the settings to start from,
 * fitted to what the image can boot.
 */
export async function inspectIso(path: string, options: InspectOptions = {}): Promise<IsoInspection> {
  let info;
  try {
    info = await readIsoFile(path);
  } catch (err) {
    throw err instanceof IsoError ? toEngineError(err) : err;
  }
  const identity = { volumeId: info.volumeId, systemId: info.systemId, publisherId: info.publisherId, applicationId: info.applicationId };

  let detected: OsDetection | null = detectOs(identity);
  let recommended: OsRecommendation = recommendationFor(detected?.osId);
  if (!detected || detected.confidence < 0.8) {
    const db = await (options.osinfo ?? hostOsinfoDb)().catch(() => []);
    const fromOsinfo = matchOsinfo(db, { ...identity, volumeBytes: info.volumeBytes });
    if (fromOsinfo && fromOsinfo.detection.confidence > (detected?.confidence ?? 0)) {
      detected = fromOsinfo.detection;
      recommended = fromOsinfo.recommended;
    }
  }

  const warnings = [...info.warnings];
  if (info.bootEntries.length === 0) warnings.push('this image has no El Torito boot record: it can be attached as a CD, but it will not boot');
  else if (!info.bootable.bios && !info.bootable.uefi) warnings.push('this image has no bootable x86 BIOS or UEFI entry');

  const arch = detectIsoArch(identity, info.bootable, detected);
  return {
    path: info.path,
    volumeId: info.volumeId,
    systemId: info.systemId,
    publisherId: info.publisherId,
    applicationId: info.applicationId,
    bootable: { ...info.bootable },
    detected,
    recommended: adjustForBootability(recommended, info.bootable),
    ...(arch ? { arch } : {}),
    warnings,
  };
}
