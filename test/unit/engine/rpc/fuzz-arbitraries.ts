import fc from 'fast-check';
import { commandArgs, requestSchema, type CommandName } from '../../../../src-shared/contract/index.js';
import { COMMANDS } from './stub-handlers.js';
import { sampleArgs } from './valid-args.js';

type Msg = Record<string, unknown>;

const specialStrings = ['', ' ', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '..', '/', '\u0000', '\n', 'vm', 'id', 'é🚀\u202e', 'vm.start ', 'VM.START'];

/** Strings from empty to a few MiB, with the names that trip naive code. */
export const weirdString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 3, arbitrary: fc.constantFrom(...specialStrings) },
  { weight: 1, arbitrary: fc.constantFrom(1_001, 100_001, 1_000_001, 3_000_000).map((n) => 'x'.repeat(n)) },
);

/** Any value a transport could carry, including cloneable non-JSON ones. */
export const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 3, arbitrary: weirdString },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 1.5, 2 ** 53, Number.MAX_VALUE, -0)) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, true, false, [], {}) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
);

type Mutation = (m: Msg) => Msg;

const argsOf = (m: Msg): Msg | null => (m['args'] && typeof m['args'] === 'object' && !Array.isArray(m['args']) ? (m['args'] as Msg) : null);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // drop one argument field
  fc.nat().map((i) => (m: Msg) => {
    const a = argsOf(m);
    if (!a) return m;
    const keys = Object.keys(a);
    if (keys.length === 0) return m;
    const copy = { ...a };
    delete copy[keys[i % keys.length]!];
    return { ...m, args: copy };
  }),
  // give one argument field a value of any type
  fc.tuple(fc.nat(), weirdValue).map(([i, v]) => (m: Msg) => {
    const a = argsOf(m);
    if (!a) return m;
    const keys = Object.keys(a);
    if (keys.length === 0) return m;
    return { ...m, args: { ...a, [keys[i % keys.length]!]: v } };
  }),
  // an extra argument field
  fc.tuple(weirdString.filter((k) => k.length < 100), weirdValue).map(([k, v]) => (m: Msg) => {
    const a = argsOf(m) ?? {};
    const copy = { ...a };
    Object.defineProperty(copy, k, { value: v, enumerable: true, configurable: true, writable: true });
    return { ...m, args: copy };
  }),
  // args that are not an object at all
  weirdValue.map((v) => (m: Msg) => ({ ...m, args: v })),
  // drop a top-level field
  fc.constantFrom('type', 'id', 'command', 'args').map((k) => (m: Msg) => {
    const copy = { ...m };
    delete copy[k];
    return copy;
  }),
  // a top-level field of any value
  fc.tuple(fc.constantFrom('type', 'id', 'command'), weirdValue).map(([k, v]) => (m: Msg) => ({ ...m, [k]: v })),
  // an extra top-level field
  fc.tuple(fc.string({ maxLength: 10 }).filter((k) => !['type', 'id', 'command', 'args'].includes(k)), weirdValue).map(([k, v]) => (m: Msg) => {
    const copy = { ...m };
    Object.defineProperty(copy, k, { value: v, enumerable: true, configurable: true, writable: true });
    return copy;
  }),
  // a near-miss or unknown command
  fc.oneof(fc.constantFrom('x', ' ', '.', 's', '.start'), weirdString).map((suffix) => (m: Msg) => ({ ...m, command: `${String(m['command'])}${suffix}` })),
  fc.constantFrom(...COMMANDS).map((c) => (m: Msg) => ({ ...m, command: c })),
  // ids that are valid but unusual
  fc.oneof(fc.nat(), fc.constantFrom(0, 2 ** 31, Number.MAX_SAFE_INTEGER)).map((id) => (m: Msg) => ({ ...m, id })),
);

/** A valid request for `command`, then 0–3 mutations. `vmRefs` seeds the `vm` field. */
export function mutatedRequest(vmRefs: string[]): fc.Arbitrary<Msg> {
  return fc
    .tuple(fc.constantFrom(...COMMANDS), fc.constantFrom(...vmRefs), fc.array(mutation, { maxLength: 3 }), fc.nat())
    .map(([command, ref, mutations, id]) => {
      const args = { ...sampleArgs(command) };
      if ('vm' in args) args['vm'] = ref;
      let m: Msg = { type: 'request', id, command, args };
      for (const mutate of mutations) m = mutate(m);
      return m;
    });
}

/** Random and malformed messages: arbitrary values, JSON, and mutations of valid requests. */
export function fuzzMessage(vmRefs: string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('request'), id: fc.nat(), command: weirdString, args: weirdValue }) },
    { weight: 7, arbitrary: mutatedRequest(vmRefs) },
  );
}

export type Outcome = 'ok' | 'invalid-message' | 'unknown-command' | 'invalid-args';

/** What the edge must answer, computed from the contract alone (the oracle for the stub-handler run). */
export function expectedOutcome(message: unknown): Outcome {
  const parsed = requestSchema.safeParse(message);
  if (!parsed.success) return 'invalid-message';
  if (!Object.hasOwn(commandArgs, parsed.data.command)) return 'unknown-command';
  const args = commandArgs[parsed.data.command as CommandName].safeParse(parsed.data.args ?? {});
  return args.success ? 'ok' : 'invalid-args';
}

/** The id the response must carry. */
export function expectedId(message: unknown): number {
  const id = (message as { id?: unknown } | null)?.id;
  return typeof id === 'number' ? id : -1;
}
