// The new-machine wizard's draft validation (src-renderer/features/wizard/wizard-state.ts) under
// hostile typing: one row per case. Each must block its page with a message on the right field.
import type { FieldLabel, WizardAction, WizardPage } from '../../../src-renderer/features/wizard/wizard-state.js';

export interface WizardCase {
  id: string;
  title: string;
  /** Applied in order to a fresh draft on a 16 GiB, 8-CPU KVM host. */
  actions: WizardAction[];
  page: WizardPage;
  field: FieldLabel;
  message: RegExp;
}

const set = <F extends WizardAction & { type: 'set' }>(field: F['field'], value: F['value']): WizardAction => ({ type: 'set', field, value }) as WizardAction;
const TOO_BIG = '18446744073709551616';
const CONTROL = /^The name must not contain line breaks, tabs or other invisible control characters$/;

export const wizardCases: WizardCase[] = [
  { id: 'wiz-name-10000', title: 'a 10,000-character name', actions: [set('name', 'n'.repeat(10_000))], page: 'name', field: 'Name', message: /^The name is too long \(at most 1000 characters\)$/ },
  { id: 'wiz-name-blank', title: 'a name of spaces and tabs', actions: [set('name', ' \t ')], page: 'name', field: 'Name', message: /^Give the machine a name$/ },
  { id: 'wiz-name-newline', title: 'a pasted name with a newline', actions: [set('name', 'web\nserver')], page: 'name', field: 'Name', message: CONTROL },
  { id: 'wiz-name-nul', title: 'a name with a NUL byte', actions: [set('name', 'web\0')], page: 'name', field: 'Name', message: CONTROL },
  { id: 'wiz-name-rtl', title: 'a name with a right-to-left override', actions: [set('name', 'invoice\u202Etxt.exe')], page: 'name', field: 'Name', message: CONTROL },
  { id: 'wiz-iso-relative', title: 'a relative ISO path climbing out', actions: [set('isoPath', '../../etc/shadow')], page: 'media', field: 'ISO image', message: /^Give the full path of the ISO image \(starting with \/\)$/ },
  { id: 'wiz-iso-empty', title: 'no ISO while "installation media" is chosen', actions: [set('isoPath', '   ')], page: 'media', field: 'ISO image', message: /^Choose an ISO image, or "No installation media"$/ },
  {
    id: 'wiz-iso-text-file',
    title: 'a text file as the ISO: the engine\'s words are shown',
    actions: [set('isoPath', '/tmp/readme.iso'), { type: 'inspectStarted', path: '/tmp/readme.iso' }, { type: 'inspectFailed', path: '/tmp/readme.iso', message: '/tmp/readme.iso is not an ISO 9660 image (the file is too small)' }],
    page: 'media',
    field: 'ISO image',
    message: /^\/tmp\/readme\.iso is not an ISO 9660 image/,
  },
  { id: 'wiz-memory-zero', title: '0 MiB of memory', actions: [set('memoryMiB', '0')], page: 'resources', field: 'Memory (MiB)', message: /^At least 16 MiB$/ },
  { id: 'wiz-memory-negative', title: '-1 MiB of memory', actions: [set('memoryMiB', '-1')], page: 'resources', field: 'Memory (MiB)', message: /^Enter the memory in MiB as a whole number, e\.g\. 2048$/ },
  { id: 'wiz-memory-2^64', title: '2^64 MiB of memory', actions: [set('memoryMiB', TOO_BIG)], page: 'resources', field: 'Memory (MiB)', message: /^More than this host has \(16384 MiB\)$/ },
  { id: 'wiz-memory-exponent', title: 'memory as "1e3"', actions: [set('memoryMiB', '1e3')], page: 'resources', field: 'Memory (MiB)', message: /^Enter the memory in MiB as a whole number/ },
  { id: 'wiz-memory-fullwidth', title: 'memory in full-width digits', actions: [set('memoryMiB', '２０４８')], page: 'resources', field: 'Memory (MiB)', message: /^Enter the memory in MiB as a whole number/ },
  { id: 'wiz-cpus-zero', title: '0 CPUs', actions: [set('cpus', '0')], page: 'resources', field: 'CPUs', message: /^Enter a whole number of CPUs, at least 1$/ },
  { id: 'wiz-cpus-fraction', title: '1.5 CPUs', actions: [set('cpus', '1.5')], page: 'resources', field: 'CPUs', message: /^Enter a whole number of CPUs, at least 1$/ },
  { id: 'wiz-cpus-huge', title: '2^64 CPUs', actions: [set('cpus', TOO_BIG)], page: 'resources', field: 'CPUs', message: /^At most 1024 CPUs$/ },
  { id: 'wiz-cpus-over-host', title: 'more CPUs than the host has', actions: [set('cpus', '9')], page: 'resources', field: 'CPUs', message: /^This host has only 8 CPUs$/ },
  { id: 'wiz-disk-zero', title: 'a 0 GiB disk', actions: [set('diskSizeGiB', '0')], page: 'disk', field: 'Disk size (GiB)', message: /^A disk needs a size above 0 GiB, e\.g\. 20 \(or choose "No disk"\)$/ },
  { id: 'wiz-disk-negative', title: 'a -20 GiB disk', actions: [set('diskSizeGiB', '-20')], page: 'disk', field: 'Disk size (GiB)', message: /^Enter the disk size in GiB, e\.g\. 20$/ },
  { id: 'wiz-disk-2^64', title: 'a 2^64 GiB disk', actions: [set('diskSizeGiB', TOO_BIG)], page: 'disk', field: 'Disk size (GiB)', message: /^At most 65536 GiB$/ },
  { id: 'wiz-disk-infinity', title: 'an "Infinity" GiB disk', actions: [set('diskSizeGiB', 'Infinity')], page: 'disk', field: 'Disk size (GiB)', message: /^Enter the disk size in GiB/ },
  { id: 'wiz-disk-nan', title: 'a "NaN" GiB disk', actions: [set('diskSizeGiB', 'NaN')], page: 'disk', field: 'Disk size (GiB)', message: /^Enter the disk size in GiB/ },
  { id: 'wiz-existing-relative', title: 'an existing disk given by a relative path', actions: [set('disk', 'existing'), set('existingDiskPath', 'disk, "1".qcow2')], page: 'disk', field: 'Disk image', message: /^Give the full path of the disk image \(starting with \/\)$/ },
  { id: 'wiz-nothing-to-boot', title: 'no disk and no installation media', actions: [set('media', 'none'), set('disk', 'none')], page: 'disk', field: 'Disk', message: /^With no disk and no installation media there is nothing to start$/ },
  { id: 'wiz-aarch64-bios', title: 'an aarch64 machine with BIOS', actions: [set('arch', 'aarch64'), set('firmware', 'bios')], page: 'system', field: 'Firmware', message: /^aarch64 machines start with UEFI only$/ },
];
