// The new-machine wizard as a pure reducer over a draft (style principle 12; UTM VMWizardState,
// virt-manager createvm.py). No DOM, no React: the component dispatches actions, reads
// `validatePage`, `accelerationNote` and `summaryRows`, and sends `toCreateArgs(draft)` as `vm.create`.
// Defaults come from the OS catalog, never from components, and never overwrite a field the user edited.
import { commandArgs, type ArchSupport, type CommandArgs, type HostSummary, type IsoInspection } from '../../../src-shared/contract/index.js';
import {
  OS_CATALOG,
  adjustForBootability,
  findCatalogEntry,
  recommendationFor,
  type DisplayDevice,
  type NicModel,
  type OsRecommendation,
} from '../../../src-shared/os-catalog/index.js';
import { ARCHITECTURES, vmNameSchema, type Architecture, type DiskBus } from '../../../src-shared/vm-document/schema.js';
import { cloudHostnameProblem, cloudPasswordProblem, cloudUserProblem, sshKeyLines, sshKeyProblem } from '../../../src-shared/cloud-init/cloud-init-rules.js';
import { unattendedArgs, validateUnattended, type UnattendedDraft, type UnattendedLabel } from './unattended-draft.js';

export const WIZARD_PAGES = ['name', 'media', 'system', 'resources', 'disk', 'summary'] as const;
export type WizardPage = (typeof WIZARD_PAGES)[number];

/** The accessible name of a page's section: "Step 2 of 6: Installation media" (never the same as a field's). */
export function pageRegionName(page: WizardPage): string {
  return `Step ${WIZARD_PAGES.indexOf(page) + 1} of ${WIZARD_PAGES.length}: ${PAGE_TITLES[page]}`;
}

export const PAGE_TITLES: Readonly<Record<WizardPage, string>> = {
  name: 'Name',
  media: 'Installation media',
  system: 'System',
  resources: 'Memory and CPUs',
  disk: 'Disk',
  summary: 'Summary',
};

/** Accessible names of the wizard's fields; validation messages are keyed by these. */
export const FIELD_LABELS = {
  name: 'Name',
  folder: 'Folder',
  media: 'Installation media',
  isoPath: 'ISO image',
  osId: 'Operating system',
  arch: 'Architecture',
  firmware: 'Firmware',
  secureBoot: 'Secure Boot',
  tpm: 'TPM',
  memoryMiB: 'Memory (MiB)',
  cpus: 'CPUs',
  disk: 'Disk',
  diskSizeGiB: 'Disk size (GiB)',
  existingDiskPath: 'Disk image',
  existingDiskMode: 'Use the image',
  cloudImagePath: 'Cloud image',
  cloudUser: 'User name',
  cloudPassword: 'Password',
  cloudSshKey: 'SSH public key',
  cloudHostname: 'Host name',
} as const;
export type DraftField = keyof typeof FIELD_LABELS;
export type FieldLabel = (typeof FIELD_LABELS)[DraftField];

/** Which page edits each field (the component renders them; `pageOfField` finds an error's page). */
export const PAGE_FIELDS: Readonly<Record<WizardPage, ReadonlyArray<DraftField>>> = {
  name: ['name', 'folder'],
  media: ['media', 'isoPath', 'cloudImagePath', 'cloudUser', 'cloudPassword', 'cloudSshKey', 'cloudHostname', 'osId'],
  system: ['arch', 'firmware', 'secureBoot', 'tpm'],
  resources: ['memoryMiB', 'cpus'],
  disk: ['disk', 'diskSizeGiB', 'existingDiskPath', 'existingDiskMode'],
  summary: [],
};

export function pageOfField(field: DraftField): WizardPage {
  return WIZARD_PAGES.find((p) => PAGE_FIELDS[p].includes(field)) ?? 'summary';
}

/** Detections below this confidence are shown but don't choose the OS (or its defaults) by themselves. */
export const AUTO_APPLY_CONFIDENCE = 0.5;
/** Memory above this share of the host's is a warning; above all of it, an error. */
export const MEMORY_WARN_SHARE = 0.75;

export interface WizardDraft {
  name: string;
  /** Where the machine's folder is created, as typed or picked; empty: the library folder. */
  folder: string;
  /** `cloud`: the disk is an overlay on a cloud image, configured by a cloud-init seed (user, password, key, host name). */
  media: 'iso' | 'none' | 'cloud';
  /** As typed or picked; checked by `iso.inspect`. */
  isoPath: string;
  /** A cloud image file (hook: a catalog cloud entry, once downloads land, fills this with the downloaded file). */
  cloudImagePath: string;
  cloudUser: string;
  /** Sent once with vm.create, hashed by the engine; never stored in plain text. */
  cloudPassword: string;
  /** One or more OpenSSH public key lines, as pasted. */
  cloudSshKey: string;
  /** Empty: the engine derives one from the machine name. */
  cloudHostname: string;
  osId: string;
  arch: Architecture;
  firmware: 'bios' | 'uefi';
  secureBoot: boolean;
  tpm: boolean;
  /** Numbers as typed (text fields); parsed by validation and `toCreateArgs`. */
  memoryMiB: string;
  cpus: string;
  disk: 'new' | 'existing' | 'none';
  diskSizeGiB: string;
  existingDiskPath: string;
  /** An existing image: used where it is, copied into the machine's folder, or converted to qcow2 there. */
  existingDiskMode: ExistingDiskMode;
  /** Device choices from the catalog; not on a page of their own (shown in the summary). */
  diskBus: DiskBus;
  nicModel: NicModel;
  display: DisplayDevice;
  /** "Install automatically" (an ISO and a new disk only); absent: off. */
  unattended?: UnattendedDraft;
}

export const EXISTING_DISK_MODES = ['use', 'copy', 'convert'] as const;
export type ExistingDiskMode = (typeof EXISTING_DISK_MODES)[number];

/** What each choice does, for the radio labels and the summary. */
export const EXISTING_DISK_MODE_TEXT: Readonly<Record<ExistingDiskMode, string>> = {
  use: 'Use it where it is',
  copy: 'Copy it into the machine’s folder',
  convert: 'Convert it to qcow2 in the machine’s folder',
};

export type Inspection =
  | { status: 'idle' }
  | { status: 'inspecting'; path: string }
  | { status: 'done'; path: string; result: IsoInspection }
  | { status: 'failed'; path: string; message: string };

/** What the wizard needs to know about the host (from `host.info`). */
export interface WizardHost {
  hostMemoryMiB: number;
  hostCpus: number;
  /** The architecture KVM accelerates; `host.info` doesn't say, so callers pass it (x86_64 by default). */
  hostArch: Architecture;
  kvm: { usable: boolean; reason: string };
  uefiAvailable: boolean;
  swtpmAvailable: boolean;
  /** Where machines go when no folder is chosen (`host.info`); absent until the engine answered. */
  libraryDir?: string;
  /** Which guest arches the host runs (`host.info`); absent from older engines. */
  architectures?: ArchSupport[];
}

export function wizardHost(summary: HostSummary, hostArch: Architecture = 'x86_64'): WizardHost {
  return {
    hostMemoryMiB: summary.hostMemoryMiB,
    hostCpus: summary.hostCpus,
    hostArch,
    kvm: { ...summary.kvm },
    uefiAvailable: summary.uefiAvailable,
    swtpmAvailable: summary.swtpmAvailable,
    libraryDir: summary.libraryDir,
    ...(summary.architectures ? { architectures: summary.architectures } : {}),
  };
}

export interface WizardState {
  page: WizardPage;
  draft: WizardDraft;
  /** Fields the user changed; catalog defaults never overwrite them. */
  touched: ReadonlyArray<DraftField>;
  inspection: Inspection;
  host: WizardHost | null;
  /** Pages the user tried to leave with errors: their messages are shown from then on. */
  attempted: ReadonlyArray<WizardPage>;
  /** The names of the machines in the library (the store's `library.list`): a new name must differ, ignoring case. */
  takenNames: ReadonlyArray<string>;
}

type SetAction = { [K in DraftField]: { type: 'set'; field: K; value: WizardDraft[K] } }[DraftField];

export type WizardAction =
  | SetAction
  | { type: 'inspectStarted'; path: string }
  | { type: 'inspected'; path: string; result: IsoInspection }
  | { type: 'inspectFailed'; path: string; message: string }
  | { type: 'host'; host: WizardHost }
  | { type: 'library'; names: ReadonlyArray<string> }
  | { type: 'next' }
  | { type: 'back' }
  | { type: 'goto'; page: WizardPage }
  | { type: 'unattended'; value: UnattendedDraft };

// ---------------------------------------------------------------------------------------------
// Defaults

/** Memory and CPUs trimmed to what the host can give without a warning. */
export function fitToHost(rec: OsRecommendation, host: WizardHost | null): OsRecommendation {
  if (!host) return rec;
  const out = { ...rec };
  if (out.memoryMiB > host.hostMemoryMiB * MEMORY_WARN_SHARE) {
    out.memoryMiB = Math.max(256, Math.floor((host.hostMemoryMiB * 0.5) / 256) * 256);
  }
  out.cpus = Math.max(1, Math.min(out.cpus, host.hostCpus));
  return out;
}

/** Applies a recommendation to every field the user hasn't touched. */
function applyDefaults(state: WizardState, rec: OsRecommendation): WizardState {
  const fit = fitToHost(rec, state.host);
  const untouched = (f: DraftField) => !state.touched.includes(f);
  const d: WizardDraft = { ...state.draft, diskBus: fit.diskBus, nicModel: fit.nicModel, display: fit.display };
  if (untouched('memoryMiB')) d.memoryMiB = String(fit.memoryMiB);
  if (untouched('cpus')) d.cpus = String(fit.cpus);
  if (untouched('diskSizeGiB')) d.diskSizeGiB = String(fit.diskGiB);
  if (untouched('firmware') && d.arch === 'x86_64') d.firmware = fit.firmware;
  if (untouched('secureBoot')) d.secureBoot = fit.secureBoot;
  if (untouched('tpm')) d.tpm = fit.tpm;
  if (d.firmware !== 'uefi') d.secureBoot = false;
  return { ...state, draft: d };
}

/** The recommendation for the draft's OS, fitted to the inspected image's boot modes. */
function currentRecommendation(state: WizardState): OsRecommendation {
  const insp = state.inspection;
  const rec = recommendationFor(state.draft.osId);
  return insp.status === 'done' && state.draft.media === 'iso' ? adjustForBootability(rec, insp.result.bootable) : rec;
}

export function initialWizardState(host: WizardHost | null = null): WizardState {
  const rec = recommendationFor('generic');
  const state: WizardState = {
    page: 'name',
    draft: {
      name: '',
      folder: '',
      media: 'iso',
      isoPath: '',
      cloudImagePath: '',
      cloudUser: '',
      cloudPassword: '',
      cloudSshKey: '',
      cloudHostname: '',
      osId: 'generic',
      arch: 'x86_64',
      firmware: rec.firmware,
      secureBoot: rec.secureBoot,
      tpm: rec.tpm,
      memoryMiB: '',
      cpus: '',
      disk: 'new',
      diskSizeGiB: '',
      existingDiskPath: '',
      existingDiskMode: 'use',
      diskBus: rec.diskBus,
      nicModel: rec.nicModel,
      display: rec.display,
    },
    touched: [],
    inspection: { status: 'idle' },
    host,
    attempted: [],
    takenNames: [],
  };
  return applyDefaults(state, rec);
}

// ---------------------------------------------------------------------------------------------
// Validation

export type FieldMessages = Partial<Record<FieldLabel | UnattendedLabel, string>>;
export interface PageValidation {
  errors: FieldMessages;
  warnings: FieldMessages;
}

const L = FIELD_LABELS;

/** An integer as typed, or null ("2048" yes; "2k", "2.5", "" no). */
function parseWhole(text: string): number | null {
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) : null;
}

function parseSize(text: string): number | null {
  const t = text.trim();
  return /^(\d+(\.\d*)?|\.\d+)$/.test(t) ? Number(t) : null;
}

/** POSIX (/...) or Windows (C:\..., \\server\...) absolute paths. */
function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

function osName(osId: string, inspection: Inspection): string {
  const entry = findCatalogEntry(osId);
  if (entry) return entry.name;
  if (inspection.status === 'done' && inspection.result.detected?.osId === osId) return inspection.result.detected.name;
  return osId;
}

/** How the guest will run, for the System page: hardware acceleration or emulation, and what that means. */
export function accelerationNote(state: WizardState): { accelerator: 'kvm' | 'tcg' | 'unknown'; text: string } {
  const { host, draft } = state;
  if (!host) return { accelerator: 'unknown', text: 'checking this host…' };
  if (draft.arch !== host.hostArch) {
    return {
      accelerator: 'tcg',
      text: `no hardware acceleration for ${draft.arch} guests on this ${host.hostArch} host: QEMU emulates every instruction, so the guest will run very slowly`,
    };
  }
  if (!host.kvm.usable) return { accelerator: 'tcg', text: `no KVM on this host: the guest will run slowly (${host.kvm.reason})` };
  return { accelerator: 'kvm', text: 'KVM: the guest runs at near-native speed' };
}

export interface ArchChoice {
  arch: Architecture;
  /** Offered: the host has its emulator and firmware. */
  usable: boolean;
  /** Its consequence ("emulated on this x86_64 host: slow"), or what is missing and the command that installs it. */
  detail: string;
}

/**
 * The Architecture choices: the ones host.info found usable, each with its consequence, then the missing ones
 * (not selectable) with their install command. Before host.info answers (or from an older engine), every arch.
 */
export function archChoices(host: WizardHost | null): ArchChoice[] {
  const found = host?.architectures;
  if (!found) return ARCHITECTURES.map((arch) => ({ arch, usable: true, detail: '' }));
  const known = found.filter((a): a is ArchSupport & { arch: Architecture } => (ARCHITECTURES as readonly string[]).includes(a.arch));
  return [
    ...known.filter((a) => a.usable).map((a) => ({ arch: a.arch, usable: true, detail: a.note })),
    ...known.filter((a) => !a.usable).map((a) => ({ arch: a.arch, usable: false, detail: `${a.note}; install it with: ${a.installHint ?? 'your package manager'}` })),
  ];
}

/** Errors (blocking) and warnings of one page, keyed by field label. */
export function validatePage(state: WizardState, page: WizardPage): PageValidation {
  const { draft: d, host, inspection } = state;
  const errors: FieldMessages = {};
  const warnings: FieldMessages = {};
  switch (page) {
    case 'name': {
      if (d.name.trim() === '') errors[L.name] = 'Give the machine a name';
      else if (d.name.trim().length > 1000) errors[L.name] = 'The name is too long (at most 1000 characters)';
      else if (!vmNameSchema.safeParse(d.name).success) errors[L.name] = 'The name must not contain line breaks, tabs or other invisible control characters';
      else {
        const taken = takenName(d.name, state.takenNames);
        if (taken !== null) errors[L.name] = `There is already a machine named "${taken}"; choose another name`;
      }
      // The engine checks that it exists and is writable; here only what can be told from the text.
      if (d.folder.trim() !== '' && !isAbsolutePath(d.folder.trim())) errors[L.folder] = 'Give the full path of the folder (starting with /), or leave it empty for the library';
      break;
    }
    case 'media': {
      if (d.media === 'cloud') {
        Object.assign(errors, cloudErrors(d));
        if (d.cloudPassword === '' && d.cloudSshKey.trim() === '') warnings[L.cloudSshKey] = 'without a password or an SSH key nobody can log in';
        break;
      }
      if (d.media !== 'iso') break;
      const path = d.isoPath.trim();
      if (path === '') errors[L.isoPath] = 'Choose an ISO image, or "No installation media"';
      else if (!isAbsolutePath(path)) errors[L.isoPath] = 'Give the full path of the ISO image (starting with /)';
      else if (inspection.status === 'inspecting' && inspection.path === path) errors[L.isoPath] = 'Reading the image…';
      else if (inspection.status === 'failed' && inspection.path === path) errors[L.isoPath] = inspection.message;
      else if (inspection.status === 'done' && inspection.path === path) {
        const w = inspection.result.warnings;
        if (w.length > 0) warnings[L.isoPath] = w.join('; ');
        const det = inspection.result.detected;
        if (det && det.confidence < 0.8 && det.osId === d.osId) {
          warnings[L.osId] = `the image's label fits ${det.name}; check the operating system`;
        }
      }
      break;
    }
    case 'system': {
      if (d.arch !== 'x86_64' && d.firmware === 'bios') errors[L.firmware] = `${d.arch} machines start with UEFI only`;
      // host.info says which arches this host runs (emulator and firmware found); a missing one names its install command.
      const support = host?.architectures?.find((a) => a.arch === d.arch);
      if (support && !support.usable) errors[L.arch] = `${support.note}; install it with: ${support.installHint ?? 'your package manager'}`;
      if (d.secureBoot && d.firmware !== 'uefi') errors[L.secureBoot] = 'Secure Boot needs UEFI firmware';
      if (d.firmware === 'uefi' && host && !host.uefiAvailable) {
        warnings[L.firmware] = 'no UEFI firmware was found on this host (install ovmf); the machine will not start until it is';
      }
      // Like UEFI: only warn once host.info has said swtpm is missing (startVm would refuse the machine).
      if (d.tpm && host && !host.swtpmAvailable) {
        warnings[L.tpm] = 'swtpm is not installed on this host (install the swtpm package); the machine will not start until it is';
      }
      // No KVM is said once, by the System page's own notice (not again on the field and the summary).
      break;
    }
    case 'resources': {
      const mem = parseWhole(d.memoryMiB);
      if (mem === null) errors[L.memoryMiB] = 'Enter the memory in MiB as a whole number, e.g. 2048';
      else if (mem < 16) errors[L.memoryMiB] = 'At least 16 MiB';
      else if (host && mem > host.hostMemoryMiB) errors[L.memoryMiB] = `More than this host has (${host.hostMemoryMiB} MiB)`;
      else if (host && mem > host.hostMemoryMiB * MEMORY_WARN_SHARE) {
        warnings[L.memoryMiB] = `More than 75% of this host's memory (${host.hostMemoryMiB} MiB): the host may start swapping`;
      }
      const cpus = parseWhole(d.cpus);
      if (cpus === null || cpus < 1) errors[L.cpus] = 'Enter a whole number of CPUs, at least 1';
      else if (cpus > 1024) errors[L.cpus] = 'At most 1024 CPUs';
      else if (host && cpus > host.hostCpus) errors[L.cpus] = `This host has only ${host.hostCpus} CPU${host.hostCpus === 1 ? '' : 's'}`;
      break;
    }
    case 'disk': {
      if (d.disk === 'new') {
        const size = parseSize(d.diskSizeGiB);
        if (size === null) errors[L.diskSizeGiB] = 'Enter the disk size in GiB, e.g. 20';
        else if (size <= 0) errors[L.diskSizeGiB] = 'A disk needs a size above 0 GiB, e.g. 20 (or choose "No disk")';
        else if (size > 64 * 1024) errors[L.diskSizeGiB] = 'At most 65536 GiB';
        else {
          const rec = findCatalogEntry(d.osId)?.recommended.diskGiB;
          if (rec !== undefined && size < rec) warnings[L.diskSizeGiB] = `${osName(d.osId, inspection)} needs about ${rec} GiB`;
        }
      } else if (d.disk === 'existing' && d.media === 'cloud') {
        errors[L.disk] = 'A machine from a cloud image gets its disk from the image: choose "New disk" (its size) or "No disk" (the image’s own size)';
      } else if (d.disk === 'existing') {
        const path = d.existingDiskPath.trim();
        if (path === '') errors[L.existingDiskPath] = 'Choose a disk image';
        else if (!isAbsolutePath(path)) errors[L.existingDiskPath] = 'Give the full path of the disk image (starting with /)';
      } else if (d.media === 'none') {
        errors[L.disk] = 'With no disk and no installation media there is nothing to start';
      }
      if (installsAutomatically(d)) Object.assign(errors, validateUnattended(d.unattended));
      break;
    }
    case 'summary': {
      for (const p of WIZARD_PAGES) {
        if (p === 'summary') continue;
        const v = validatePage(state, p);
        Object.assign(errors, v.errors);
        Object.assign(warnings, v.warnings);
      }
      break;
    }
  }
  return { errors, warnings };
}

/** The cloud image page's errors, by the rules the engine applies (src-shared/cloud-init/cloud-init-rules.ts). */
function cloudErrors(d: WizardDraft): FieldMessages {
  const errors: FieldMessages = {};
  const path = d.cloudImagePath.trim();
  if (path === '') errors[L.cloudImagePath] = 'Choose a cloud image (a qcow2 or raw disk image)';
  else if (!isAbsolutePath(path)) errors[L.cloudImagePath] = 'Give the full path of the cloud image (starting with /)';
  const user = d.cloudUser.trim();
  const userProblem = user === '' ? null : cloudUserProblem(user);
  if (userProblem) errors[L.cloudUser] = `The user name ${userProblem}`;
  if (d.cloudPassword !== '') {
    const p = cloudPasswordProblem(d.cloudPassword);
    if (p) errors[L.cloudPassword] = `The password ${p}`;
    else if (user === '') errors[L.cloudUser] = 'A password needs a user name';
  }
  const keys = sshKeyLines(d.cloudSshKey);
  const bad = keys.map((k) => sshKeyProblem(k)).findIndex((p) => p !== null);
  if (bad >= 0) errors[L.cloudSshKey] = `${keys.length > 1 ? `Key ${bad + 1} ` : 'The key '}${sshKeyProblem(keys[bad]!)}`;
  const host = d.cloudHostname.trim();
  const hostProblem = host === '' ? null : cloudHostnameProblem(host);
  if (hostProblem) errors[L.cloudHostname] = `The host name ${hostProblem}`;
  return errors;
}

export function isPageValid(state: WizardState, page: WizardPage): boolean {
  return Object.keys(validatePage(state, page).errors).length === 0;
}

/**
 * The messages to show on the fields now: as the user types, every field they changed shows its errors at once;
 * an untouched field (the empty name of a new draft) only once the user tried to leave the page. Next is off
 * meanwhile and says why (`blockingReasons`).
 */
export function visibleMessages(state: WizardState): PageValidation {
  const v = validatePage(state, state.page);
  if (state.attempted.includes(state.page)) return v;
  const shown = new Set<string>(state.touched.map((f) => FIELD_LABELS[f]));
  const errors: FieldMessages = {};
  for (const [label, text] of Object.entries(v.errors) as Array<[FieldLabel, string]>) if (shown.has(label)) errors[label] = text;
  return { errors, warnings: v.warnings };
}

/** Why Next (or Create) is off: each error of the page as "Label: message"; empty when the page is valid. */
export function blockingReasons(state: WizardState, page: WizardPage = state.page): string[] {
  return Object.entries(validatePage(state, page).errors).map(([label, text]) => `${label}: ${text}`);
}

/** The library name `name` collides with (trimmed, ignoring case), or null. */
export function takenName(name: string, taken: ReadonlyArray<string>): string | null {
  const key = name.trim().toLowerCase();
  if (key === '') return null;
  return taken.find((t) => t.trim().toLowerCase() === key) ?? null;
}

/** True when `vm.create` can be sent. */
export function canCreate(state: WizardState): boolean {
  return isPageValid(state, 'summary');
}

// ---------------------------------------------------------------------------------------------
// Reducer

function markTouched(state: WizardState, field: DraftField): ReadonlyArray<DraftField> {
  return state.touched.includes(field) ? state.touched : [...state.touched, field];
}

function setField(state: WizardState, action: SetAction): WizardState {
  let s: WizardState = { ...state, draft: { ...state.draft, [action.field]: action.value }, touched: markTouched(state, action.field) };
  const d = s.draft;
  switch (action.field) {
    case 'isoPath':
      // A new path needs a new inspection; the component runs `iso.inspect` and reports back.
      if (state.draft.isoPath.trim() !== d.isoPath.trim()) s = { ...s, inspection: { status: 'idle' } };
      break;
    case 'osId':
      s = applyDefaults(s, currentRecommendation(s));
      s = archOfMedia(s, osArch(d.osId));
      break;
    case 'firmware':
      if (d.firmware !== 'uefi') s = { ...s, draft: { ...s.draft, secureBoot: false } };
      break;
    case 'arch':
      s = fitFirmwareToArch(s);
      break;
    case 'media':
      if (d.media === 'none' && state.draft.media === 'iso' && !state.touched.includes('osId')) {
        s = applyDefaults({ ...s, draft: { ...s.draft, osId: 'generic' } }, recommendationFor('generic'));
      }
      break;
    default:
      break;
  }
  return s;
}

/** Non-x86 machines start with UEFI; back on x86 the OS's firmware applies again (unless the user chose one). */
function fitFirmwareToArch(s: WizardState): WizardState {
  if (s.touched.includes('firmware')) return s;
  if (s.draft.arch !== 'x86_64') return { ...s, draft: { ...s.draft, firmware: 'uefi', secureBoot: false } };
  return applyDefaults(s, currentRecommendation(s));
}

/** The arch a catalog OS is for; none for the arch-neutral "Other" entries and osinfo-db ids. */
function osArch(osId: string): Architecture | undefined {
  const entry = findCatalogEntry(osId);
  if (!entry || entry.vendor === 'Other') return undefined;
  return entry.arch ?? 'x86_64';
}

/** The arch the chosen OS or the inspected image is for, unless the user picked one. */
function archOfMedia(s: WizardState, arch: Architecture | undefined): WizardState {
  if (!arch || s.touched.includes('arch') || s.draft.arch === arch) return s;
  return fitFirmwareToArch({ ...s, draft: { ...s.draft, arch } });
}

function onInspected(state: WizardState, path: string, result: IsoInspection): WizardState {
  if (path.trim() !== state.draft.isoPath.trim()) return state; // a stale answer for an earlier path
  let s: WizardState = { ...state, inspection: { status: 'done', path: path.trim(), result } };
  if (state.touched.includes('osId')) return applyDefaults(s, currentRecommendation(s));
  const det = result.detected;
  if (det && det.confidence >= AUTO_APPLY_CONFIDENCE) {
    s = { ...s, draft: { ...s.draft, osId: det.osId } };
    return archOfMedia(applyDefaults(s, result.recommended), result.arch);
  }
  s = { ...s, draft: { ...s.draft, osId: 'generic' } };
  return archOfMedia(applyDefaults(s, adjustForBootability(recommendationFor('generic'), result.bootable)), result.arch);
}

function pageIndex(page: WizardPage): number {
  return WIZARD_PAGES.indexOf(page);
}

export function wizardReducer(state: WizardState, action: WizardAction): WizardState {
  switch (action.type) {
    case 'set':
      return setField(state, action);
    case 'unattended':
      return { ...state, draft: { ...state.draft, unattended: action.value } };
    case 'inspectStarted':
      if (action.path.trim() !== state.draft.isoPath.trim()) return state;
      return { ...state, inspection: { status: 'inspecting', path: action.path.trim() } };
    case 'inspected':
      return onInspected(state, action.path, action.result);
    case 'inspectFailed':
      if (action.path.trim() !== state.draft.isoPath.trim()) return state;
      return { ...state, inspection: { status: 'failed', path: action.path.trim(), message: action.message } };
    case 'host': {
      const s = { ...state, host: action.host };
      return applyDefaults(s, currentRecommendation(s));
    }
    case 'library':
      return { ...state, takenNames: action.names };
    case 'next': {
      if (state.page === 'summary') return state;
      if (!isPageValid(state, state.page)) {
        return state.attempted.includes(state.page) ? state : { ...state, attempted: [...state.attempted, state.page] };
      }
      return { ...state, page: WIZARD_PAGES[pageIndex(state.page) + 1]! };
    }
    case 'back':
      // Going back never loses anything and never needs the current page to be valid: the draft keeps
      // what was typed, and `next` checks it again on the way forward.
      return state.page === 'name' ? state : { ...state, page: WIZARD_PAGES[pageIndex(state.page) - 1]! };
    case 'goto': {
      const target = pageIndex(action.page);
      if (target <= pageIndex(state.page)) return { ...state, page: action.page };
      // Forward jumps (a stepper) only over valid pages; otherwise stop at the first invalid one.
      for (let i = pageIndex(state.page); i < target; i++) {
        const p = WIZARD_PAGES[i]!;
        if (!isPageValid(state, p)) {
          return { ...state, page: p, attempted: state.attempted.includes(p) ? state.attempted : [...state.attempted, p] };
        }
      }
      return { ...state, page: action.page };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Output

/** "Install automatically" applies to an installer ISO onto a new disk, when switched on. */
export function installsAutomatically(d: WizardDraft): boolean {
  return d.media === 'iso' && d.disk === 'new' && d.unattended?.enabled === true;
}

/** The `vm.create` arguments for a finished draft. Throws when a page is invalid (check `canCreate`). */
export function toCreateArgs(state: WizardState): CommandArgs<'vm.create'> {
  const v = validatePage(state, 'summary');
  const problems = Object.entries(v.errors).map(([label, msg]) => `${label}: ${msg}`);
  if (problems.length > 0) throw new Error(`the draft is not complete: ${problems.join('; ')}`);
  const d = state.draft;
  const args: CommandArgs<'vm.create'> = {
    name: d.name.trim(),
    osId: d.osId,
    arch: d.arch,
    memoryMiB: Number(d.memoryMiB.trim()),
    cpus: Number(d.cpus.trim()),
    firmware: d.firmware,
    tpm: d.tpm,
  };
  if (d.firmware === 'uefi') args.secureBoot = d.secureBoot;
  if (d.folder.trim() !== '') args.folder = d.folder.trim();
  if (d.media === 'iso') args.iso = d.isoPath.trim();
  if (d.media === 'cloud') {
    args.cloudImage = d.cloudImagePath.trim();
    const keys = sshKeyLines(d.cloudSshKey);
    args.cloudInit = {
      ...(d.cloudUser.trim() !== '' ? { user: d.cloudUser.trim() } : {}),
      ...(d.cloudPassword !== '' ? { password: d.cloudPassword } : {}),
      ...(keys.length > 0 ? { sshKeys: keys } : {}),
      ...(d.cloudHostname.trim() !== '' ? { hostname: d.cloudHostname.trim() } : {}),
    };
  }
  if (d.disk === 'new') args.diskSizeGiB = Number(d.diskSizeGiB.trim());
  if (d.disk === 'existing') {
    args.existingDisk = d.existingDiskPath.trim();
    args.existingDiskMode = d.existingDiskMode;
  }
  if (installsAutomatically(d) && d.unattended) args.unattended = unattendedArgs(d.unattended);
  // The catalog's devices are PC choices; an aarch64 machine keeps the engine's (virtio, ramfb).
  if (d.arch === 'x86_64') {
    args.diskBus = d.diskBus;
    args.nicModel = d.nicModel;
    args.display = d.display;
  }
  return commandArgs['vm.create'].parse(args);
}

export interface OsOption {
  id: string;
  name: string;
  vendor: string;
}

/** The OS picker's choices: the catalog, plus an OS osinfo-db found that the catalog lacks. */
export function osOptions(state: WizardState): OsOption[] {
  const options = OS_CATALOG.map((e) => ({ id: e.id, name: e.name, vendor: e.vendor }));
  const insp = state.inspection;
  const det = insp.status === 'done' ? insp.result.detected : null;
  if (det && !findCatalogEntry(det.osId)) options.unshift({ id: det.osId, name: det.name, vendor: 'Detected' });
  return options;
}

/** Label/value rows for the Summary page. */
export function summaryRows(state: WizardState): Array<{ label: string; value: string }> {
  const d = state.draft;
  const fw = d.firmware === 'uefi' ? `UEFI${d.secureBoot ? ' with Secure Boot' : ''}` : 'BIOS';
  const rows: Array<{ label: string; value: string }> = [
    { label: L.name, value: d.name.trim() },
    { label: L.folder, value: d.folder.trim() !== '' ? d.folder.trim() : `the library${state.host?.libraryDir ? ` (${state.host.libraryDir})` : ''}` },
    { label: L.osId, value: osName(d.osId, state.inspection) },
    { label: L.isoPath, value: d.media === 'iso' ? d.isoPath.trim() : 'none' },
    ...(d.media === 'cloud'
      ? [
          { label: L.cloudImagePath, value: d.cloudImagePath.trim() },
          { label: 'Cloud-init', value: [`user ${d.cloudUser.trim() || '(the image’s default)'}`, d.cloudPassword !== '' ? 'password set (stored hashed)' : 'no password', `${sshKeyLines(d.cloudSshKey).length} SSH key(s)`, `host name ${d.cloudHostname.trim() || '(from the machine name)'}`].join(', ') },
        ]
      : []),
    { label: L.arch, value: `${d.arch} (${accelerationNote(state).accelerator === 'kvm' ? 'KVM' : 'emulated'})` },
    { label: L.firmware, value: `${fw}${d.tpm ? ', TPM 2.0' : ''}` },
    { label: L.memoryMiB, value: d.memoryMiB.trim() },
    { label: L.cpus, value: d.cpus.trim() },
    {
      label: L.disk,
      value: d.media === 'cloud' ? `overlay on the cloud image${d.disk === 'new' ? `, ${d.diskSizeGiB.trim()} GiB` : ''}` : d.disk === 'new' ? `new, ${d.diskSizeGiB.trim()} GiB` : d.disk === 'existing' ? `${d.existingDiskPath.trim()} (${EXISTING_DISK_MODE_TEXT[d.existingDiskMode].toLowerCase()})` : 'none',
    },
  ];
  if (d.arch === 'x86_64') rows.push({ label: 'Devices', value: `${d.diskBus} disk, ${d.nicModel} network, ${d.display} display` });
  if (installsAutomatically(d) && d.unattended) {
    const a = unattendedArgs(d.unattended);
    rows.push({ label: 'Install automatically', value: `user ${a.user} on ${a.hostname}, ${a.language ?? 'en_US'}, ${a.keyboard ?? 'us'} keyboard, ${a.timezone ?? 'UTC'}` });
  }
  return rows;
}
