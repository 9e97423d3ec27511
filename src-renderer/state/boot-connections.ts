import type { HangarApi } from '../bridge/hangar-api.js';

/** A saved libvirt connection as the boot asks for it: what the sidebar lists before any host has answered. */
export interface SavedConnection {
  name: string;
  uri: string;
}

/**
 * The saved libvirt connections, asked for once the engine connection opens (null if it closes first or the list is
 * refused). The boot entry asks beside the library list: the early list needs their number (their rows sit above
 * the list), and the window's first render shows them at once (ConnectionsStore seeded with them). Kept apart from
 * ConnectionsStore so the boot entry stays small.
 */
export function askSavedConnections(api: HangarApi): Promise<ReadonlyArray<SavedConnection> | null> {
  return new Promise((resolve) => {
    const ask = (): void => {
      api.call('connection.list', {}).then(
        ({ connections }) => resolve(connections.map((c) => ({ name: c.name, uri: c.uri }))),
        () => resolve(null),
      );
    };
    if (api.connection() === 'open') return ask();
    const off = api.onConnectionChange((state) => {
      if (state === 'connecting') return;
      off();
      if (state === 'open') ask();
      else resolve(null);
    });
  });
}
