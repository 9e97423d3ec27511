import { CURRENT_SCHEMA_VERSION } from './schema.js';
import { VmDocumentError } from './errors.js';

type Json = Record<string, unknown>;

/**
 * Each step turns a raw document of version N into version N+1. Steps work on plain JSON, before
 * validation, and never fill in a value they cannot derive: the result is validated afterwards.
 */
const steps: Record<number, (doc: Json) => Json> = {
  /** v1 (Hangar 0.0.x): flat memory/cpus, firmware as a string, one optional `cdrom`, top-level forwards. */
  1: (v1) => {
    const { memory, cpus, firmware, cdrom, network, forwards, bootOrder, disks, display, ...rest } = v1;
    const diskList = Array.isArray(disks) ? (disks as Json[]) : disks;
    const migratedDisks = Array.isArray(diskList)
      ? diskList.map((d, i) => ({ id: `disk${i}`, readOnly: false, discard: true, ...d }))
      : diskList;
    const cdroms = cdrom === undefined ? [] : [{ id: 'cd0', path: cdrom, bus: 'sata' }];
    const order = Array.isArray(bootOrder)
      ? (bootOrder as unknown[]).flatMap((b) => {
          if (b === 'cdrom') return cdroms.length ? ['cd0'] : [];
          if (b === 'disk') return Array.isArray(migratedDisks) && migratedDisks.length ? ['disk0'] : [];
          return [b];
        })
      : bootOrder;
    const net =
      network === 'none'
        ? { mode: 'none' }
        : network === 'user'
          ? { mode: 'user', model: v1['nicModel'], mac: v1['mac'], forwards: forwards ?? [] }
          : network;
    delete rest['nicModel'];
    delete rest['mac'];
    return {
      ...rest,
      schemaVersion: 2,
      memoryMiB: memory,
      cpu: { count: cpus, model: 'max' },
      firmware: typeof firmware === 'string' ? { type: firmware, secureBoot: false, tpm: false } : firmware,
      disks: migratedDisks,
      cdroms,
      network: net,
      display: typeof display === 'string' ? { device: display } : display,
      input: rest['input'] ?? { pointer: 'usb-tablet', keyboard: 'ps2' },
      audio: rest['audio'] ?? { device: 'none' },
      clipboard: rest['clipboard'] ?? 'off',
      bootOrder: order,
    };
  },
  /** v2: no guest agent channel existed, so an old machine keeps running without one. */
  2: (v2) => ({ ...v2, schemaVersion: 3, guestAgent: v2['guestAgent'] ?? false }),
  /** v3: no USB sticks, host USB rules or shared folders existed. */
  3: (v3) => sharesStep(addUsbV4({ ...v3, schemaVersion: 4 })),
};

/** The v4 USB part, on its own so the other v4 fields' steps merge beside it. */
function addUsbV4(doc: Json): Json {
  return { ...doc, usb: doc['usb'] ?? { images: [], rules: [] } };
}

/** v3 → v4 (shared folders): an old machine shared nothing. Kept separate: other v4 fields add their own lines. */
function sharesStep(v3: Json): Json {
  return { ...v3, schemaVersion: 4, shares: v3['shares'] ?? [] };
}

/** Brings a raw parsed `vm.json` up to the current schema version (still unvalidated). */
export function migrateDocument(raw: unknown): Json {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new VmDocumentError('vm.json is not a JSON object', [{ path: '(document)', message: 'must be an object' }]);
  }
  let doc = raw as Json;
  const version = doc['schemaVersion'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new VmDocumentError('vm.json has no valid schemaVersion', [
      { path: 'schemaVersion', message: 'is required and must be a positive whole number' },
    ]);
  }
  if (version > CURRENT_SCHEMA_VERSION) {
    throw new VmDocumentError(
      `vm.json was written by a newer Hangar (schema ${version}; this one reads up to ${CURRENT_SCHEMA_VERSION})`,
      [{ path: 'schemaVersion', message: `is ${version}, newer than ${CURRENT_SCHEMA_VERSION}` }],
    );
  }
  for (let v = version; v < CURRENT_SCHEMA_VERSION; v++) {
    const step = steps[v];
    if (!step) throw new VmDocumentError(`no migration from schema ${v}`);
    doc = step(doc);
  }
  return doc;
}
