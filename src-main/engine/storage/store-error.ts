export type StoreErrorCode = 'not-found' | 'ambiguous' | 'exists' | 'name-taken' | 'invalid' | 'io';

/** Every failure of the bundle store: a code the engine maps to its contract, and a message naming the VM and cause. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options: { cause?: unknown; matches?: ReadonlyArray<{ id: string; name: string }> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StoreError';
    this.matches = options.matches ?? [];
  }

  /** For 'ambiguous': the VMs the query could mean; for 'name-taken': the machine that has the name. */
  readonly matches: ReadonlyArray<{ id: string; name: string }>;
}

/** Wraps an unexpected file-system failure, keeping the original as `cause`. */
export function ioError(what: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new StoreError('io', `${what}: ${reason}`, { cause: err });
}
