// Stand-in for `electron-store` (which imports the real electron): the same Conf underneath, with the
// folder electron-store would take from app.getPath('userData') given by the test.
// Use with: vi.mock('electron-store', async () => (await import('./fake-store.js')).fakeElectronStoreModule())
import Conf, { type Options } from 'conf';

// On globalThis, not module state: vi.resetModules() gives the mocked module a fresh copy of this file.
const key = Symbol.for('hangar.test.fakeStoreDir');
const holder = globalThis as unknown as Record<symbol, { cwd: string } | undefined>;
export const storeDir: { cwd: string } = (holder[key] ??= { cwd: '' });

export function fakeElectronStoreModule() {
  class FakeElectronStore<T extends Record<string, unknown>> extends Conf<T> {
    constructor(options: Partial<Options<T>> & { name?: string } = {}) {
      const { name, ...rest } = options;
      if (!storeDir.cwd) throw new Error('fake-store: set storeDir.cwd first');
      super({ projectVersion: '9.9.9', ...rest, cwd: rest.cwd ?? storeDir.cwd, configName: name ?? 'config' } as Options<T>);
    }
  }
  return { default: FakeElectronStore };
}
