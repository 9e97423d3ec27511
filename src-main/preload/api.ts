// The object exposed to the page as window.hangar. Built from an injected ipc so it can be unit-tested.
import { isInvokeChannel, type InvokeChannel, type InvokeChannels } from './channels.js';

export interface HangarApi {
  readonly version: string;
  invoke<C extends InvokeChannel>(channel: C, args?: InvokeChannels[C]['args']): Promise<InvokeChannels[C]['result']>;
}

export interface InvokeIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
}

export function versionFromArgv(argv: readonly string[]): string {
  const flag = argv.find((a) => a.startsWith('--hangar-version='));
  return flag ? flag.slice('--hangar-version='.length) : '0.0.0';
}

export function createHangarApi(ipc: InvokeIpc, version: string): HangarApi {
  return Object.freeze({
    version,
    invoke<C extends InvokeChannel>(channel: C, args?: InvokeChannels[C]['args']): Promise<InvokeChannels[C]['result']> {
      if (!isInvokeChannel(channel)) {
        return Promise.reject(new Error(`window.hangar.invoke: channel "${String(channel)}" is not allowed`));
      }
      return ipc.invoke(channel, args) as Promise<InvokeChannels[C]['result']>;
    },
  });
}
