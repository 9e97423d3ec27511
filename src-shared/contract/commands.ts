import { z } from 'zod';
import { FIRMWARE_TYPES, ARCHITECTURES, type VmDocument } from '../vm-document/schema.js';
import type { VmRunState } from '../vm-state.js';

/** A VM reference: its id, an id prefix (≥ 4 characters) or its exact name. */
const vmRef = z.string().min(1).max(1000);

/** One entry per command: the argument schema (checked at the engine's edge) and the result type. */
export const commandArgs = {
  'engine.hello': z.strictObject({ client: z.string().max(100) }),
  'host.info': z.strictObject({}),
  'library.list': z.strictObject({}),
  'vm.create': z.strictObject({
    name: z.string().trim().min(1).max(1000),
    iso: z.string().min(1).optional(),
    diskSizeGiB: z.number().positive().max(64 * 1024).optional(),
    existingDisk: z.string().min(1).optional(),
    memoryMiB: z.number().int().min(16).optional(),
    cpus: z.number().int().min(1).max(1024).optional(),
    osId: z.string().min(1).max(100).optional(),
    firmware: z.enum(FIRMWARE_TYPES).optional(),
    arch: z.enum(ARCHITECTURES).optional(),
  }),
  'vm.get': z.strictObject({ vm: vmRef }),
  'vm.update': z.strictObject({ vm: vmRef, patch: z.record(z.string(), z.unknown()) }),
  'vm.rename': z.strictObject({ vm: vmRef, name: z.string().trim().min(1).max(1000) }),
  'vm.delete': z.strictObject({ vm: vmRef, files: z.boolean() }),
  'vm.addExisting': z.strictObject({ path: z.string().min(1) }),
  'vm.argv': z.strictObject({ vm: vmRef }),
  'vm.start': z.strictObject({ vm: vmRef }),
  'vm.pause': z.strictObject({ vm: vmRef }),
  'vm.resume': z.strictObject({ vm: vmRef }),
  'vm.reset': z.strictObject({ vm: vmRef }),
  /** ACPI power button; resolves once the guest has stopped or the timeout passed (then `timedOut`). */
  'vm.shutdown': z.strictObject({ vm: vmRef, timeoutMs: z.number().int().positive().max(3_600_000).optional() }),
  'vm.forceOff': z.strictObject({ vm: vmRef }),
  'vm.screenshot': z.strictObject({ vm: vmRef }),
  'vm.sendKey': z.strictObject({ vm: vmRef, combo: z.string().min(1).max(200) }),
  'vm.typeText': z.strictObject({ vm: vmRef, text: z.string().max(100_000) }),
  /** Subscribe this client to the VM's serial output (`vm.serial` events); returns the log so far. */
  'vm.console.attach': z.strictObject({ vm: vmRef, tailBytes: z.number().int().min(0).max(16 * 1024 * 1024).optional() }),
  'vm.console.detach': z.strictObject({ vm: vmRef }),
  'vm.console.write': z.strictObject({ vm: vmRef, data: z.string().max(1_000_000) }),
} as const;

export type CommandName = keyof typeof commandArgs;
export type CommandArgs<K extends CommandName> = z.infer<(typeof commandArgs)[K]>;

export interface VmSummary {
  id: string;
  name: string;
  osId: string;
  bundleDir: string;
  state: VmRunState;
  /** Set when the bundle could not be loaded; the VM is then listed but cannot run. */
  error?: string;
}

export interface HostSummary {
  qemuVersion: string | null;
  qemuBinary: string | null;
  accelerators: string[];
  kvm: { usable: boolean; reason: string };
  uefiAvailable: boolean;
  /** Set when QEMU is missing: what to run to install it. */
  installHint?: string;
  hostMemoryMiB: number;
  hostCpus: number;
  libraryDir: string;
}

export interface CommandResults {
  'engine.hello': { engineVersion: string; pid: number; libraryDir: string };
  'host.info': HostSummary;
  'library.list': VmSummary[];
  'vm.create': { id: string; doc: VmDocument; bundleDir: string };
  'vm.get': { doc: VmDocument; state: VmRunState; bundleDir: string };
  'vm.update': { doc: VmDocument };
  'vm.rename': { doc: VmDocument; bundleDir: string };
  'vm.delete': { id: string };
  'vm.addExisting': { id: string; doc: VmDocument };
  'vm.argv': { argv: string[] };
  'vm.start': { state: VmRunState };
  'vm.pause': { state: VmRunState };
  'vm.resume': { state: VmRunState };
  'vm.reset': { state: VmRunState };
  'vm.shutdown': { state: VmRunState; timedOut: boolean };
  'vm.forceOff': { state: VmRunState };
  'vm.screenshot': { pngBase64: string };
  'vm.sendKey': { keys: string[] };
  'vm.typeText': { sent: number };
  'vm.console.attach': { log: string };
  'vm.console.detach': { ok: true };
  'vm.console.write': { ok: true };
}

export type CommandResult<K extends CommandName> = CommandResults[K];
