export { buildArgv } from './argv.js';
export type { VmPaths } from './argv-types.js';
export { ArgvError, QemuNotFoundError } from './errors.js';
export { probeHost, checkKvm, smokeTestKvm, findQemuBinaries, loadFirmwareDescriptors, clearProbeCache, type ProbeOptions } from './host-probe.js';
export { requireEmulator } from './require-emulator.js';
export { selectUefiFirmware, canonicalMachine, parseFirmwareDescriptor } from './firmware.js';
export { optionString, escapeOptionValue, OptionValueError, type OptionEntry, type OptionValue } from './option-string.js';
export { installCommand, firmwareInstallCommand } from './install-hint.js';
export type * from './host-types.js';
