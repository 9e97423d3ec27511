/** Makes a switch exhaustive: the compiler fails when a union member is not handled. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
