import type { VmDocument } from './schema.js';

/**
 * A value for every field of the VM document. Tables that say what each field means somewhere (its settings page,
 * whether a RAM snapshot depends on it) are typed with it, so a field added to the schema fails to compile until
 * each of them decides.
 */
export type PerVmField<T> = { readonly [K in keyof VmDocument]: T };

