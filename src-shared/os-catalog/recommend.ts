import type { Architecture, DiskBus, VmDocument } from '../vm-document/schema.js';
import type { NewVmInput } from '../vm-document/defaults.js';
import { GENERIC_OS_ID, familyRecommendation, findCatalogEntry } from './catalog.js';
import type { DisplayDevice, NicModel, OsRecommendation, PointerDevice } from './types.js';

/** The catalog's recommendation for an OS id; the "Other" defaults for ids the catalog doesn't know. */
export function recommendationFor(osId: string | undefined): OsRecommendation {
  const entry = findCatalogEntry(osId ?? GENERIC_OS_ID);
  return entry ? { ...entry.recommended } : familyRecommendation('other');
}

/**
 * Fits a recommendation to what the medium can boot: a UEFI-only image gets UEFI, a BIOS-only image
 * gets BIOS (and so no Secure Boot). An image that boots both ways, or neither, keeps the recommendation.
 */
export function adjustForBootability(rec: OsRecommendation, bootable: { bios: boolean; uefi: boolean }): OsRecommendation {
  if (bootable.uefi && !bootable.bios) return { ...rec, firmware: 'uefi' };
  if (bootable.bios && !bootable.uefi) return { ...rec, firmware: 'bios', secureBoot: false };
  return { ...rec };
}

/** Hardware choices a new machine can take from its OS; each is optional (absent = keep the document's). */
export interface DeviceChoices {
  memoryMiB?: number;
  cpus?: number;
  firmware?: 'bios' | 'uefi';
  secureBoot?: boolean;
  tpm?: boolean;
  diskBus?: DiskBus;
  nicModel?: NicModel;
  display?: DisplayDevice;
  pointer?: PointerDevice;
  guestAgent?: boolean;
}

/** The `vm.create` arguments that take part in OS defaults. */
export interface CreateChoiceArgs extends DeviceChoices {
  osId?: string;
  arch?: Architecture;
}

/** The arch a new machine gets: the one asked for, else the chosen OS preset's (an ARM or RISC-V installer), else none (the document's default). */
export function createArch(args: Pick<CreateChoiceArgs, 'arch' | 'osId'>): Architecture | undefined {
  return args.arch ?? (args.osId !== undefined ? findCatalogEntry(args.osId)?.arch : undefined);
}

/**
 * Explicit arguments, with the catalog's recommendation for `osId` filling the gaps. Device defaults
 * (firmware, buses, NIC, display) are x86 PC choices, so for aarch64 only memory and CPUs come from the
 * catalog and the rest stays `newVmDocument`'s (virt machine, UEFI, virtio, ramfb). Ids the catalog
 * does not know (e.g. from osinfo-db) contribute nothing: the caller sends explicit fields instead.
 */
export function createChoices(args: CreateChoiceArgs): DeviceChoices {
  const entry = args.osId !== undefined ? findCatalogEntry(args.osId) : undefined;
  const rec = entry?.recommended;
  const x86 = (createArch(args) ?? 'x86_64') === 'x86_64';
  const pc = x86 ? rec : undefined;
  const firmware = args.firmware ?? pc?.firmware;
  const effectiveFirmware = firmware ?? (x86 ? 'bios' : 'uefi');
  const out: DeviceChoices = {
    memoryMiB: args.memoryMiB ?? rec?.memoryMiB,
    cpus: args.cpus ?? rec?.cpus,
    firmware,
    secureBoot: args.secureBoot ?? (effectiveFirmware === 'uefi' ? pc?.secureBoot : undefined),
    tpm: args.tpm ?? pc?.tpm,
    diskBus: args.diskBus ?? pc?.diskBus,
    nicModel: args.nicModel ?? pc?.nicModel,
    display: args.display ?? pc?.display,
    pointer: args.pointer ?? pc?.pointer,
    // Only an "on" is a choice: off is the document's default.
    guestAgent: args.guestAgent ?? (pc?.guestAgent ? true : undefined),
  };
  for (const k of Object.keys(out) as Array<keyof DeviceChoices>) if (out[k] === undefined) delete out[k];
  return out;
}

/**
 * A copy of the document with the given choices applied (pure; `updatedAt` is left alone). Every disk
 * gets `diskBus`; the NIC model applies unless networking is off; leaving UEFI turns Secure Boot off
 * (unless `secureBoot` is given too).
 */
export function applyDeviceChoices(doc: VmDocument, c: DeviceChoices): VmDocument {
  const next: VmDocument = {
    ...doc,
    firmware: { ...doc.firmware },
    cpu: { ...doc.cpu },
    disks: doc.disks.map((d) => ({ ...d })),
    network: { ...doc.network },
    display: { ...doc.display },
    input: { ...doc.input },
  };
  if (c.memoryMiB !== undefined) next.memoryMiB = c.memoryMiB;
  if (c.cpus !== undefined) next.cpu.count = c.cpus;
  if (c.firmware !== undefined) next.firmware.type = c.firmware;
  if (c.secureBoot !== undefined) next.firmware.secureBoot = c.secureBoot;
  // Leaving UEFI drops Secure Boot, unless it was asked for explicitly: then the document says both and
  // its validation reports the conflict ("firmware.secureBoot: needs UEFI firmware") instead of hiding it.
  if (next.firmware.type !== 'uefi' && c.secureBoot === undefined) next.firmware.secureBoot = false;
  if (c.tpm !== undefined) next.firmware.tpm = c.tpm;
  if (c.diskBus !== undefined) for (const d of next.disks) d.bus = c.diskBus;
  if (c.nicModel !== undefined && next.network.mode !== 'none') next.network.model = c.nicModel;
  if (c.display !== undefined) next.display.device = c.display;
  if (c.pointer !== undefined) next.input.pointer = c.pointer;
  if (c.guestAgent !== undefined) next.guestAgent = c.guestAgent;
  return next;
}

/** Applies a whole recommendation (memory, CPUs, firmware and devices) to a document. */
export function applyRecommendation(doc: VmDocument, rec: OsRecommendation): VmDocument {
  const { diskGiB: _diskGiB, ...choices } = rec;
  return applyDeviceChoices(doc, choices);
}

/** The part of a recommendation `newVmDocument` takes directly. */
export function recommendationToNewVmInput(rec: OsRecommendation): Pick<NewVmInput, 'memoryMiB' | 'cpus' | 'firmware'> {
  return { memoryMiB: rec.memoryMiB, cpus: rec.cpus, firmware: rec.firmware };
}
