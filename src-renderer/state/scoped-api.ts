import type { HangarApi } from '../bridge/hangar-api.js';

/**
 * The HangarApi as the machines of one libvirt connection see it: every engine call runs on that connection
 * (the request names it), and only that connection's machine events arrive. Components below an
 * `<ApiProvider api={onConnection(api, name)}>` (details, snapshots, media, delete) work on it unchanged.
 */
export function onConnection(api: HangarApi, connection: string): HangarApi {
  return {
    ...api,
    call: (command, args, options) => api.call(command, args, { ...options, connection: options?.connection ?? connection }),
    onEvent: (listener) => api.onEvent((e) => {
      if ('vmId' in e && e.connection === connection) listener(e);
    }),
    connection: () => api.connection(),
    onConnectionChange: (listener) => api.onConnectionChange(listener),
    app: (channel, args) => api.app(channel, args),
    onMenuCommand: (listener) => api.onMenuCommand(listener),
    onOpenRequest: (listener) => api.onOpenRequest(listener),
    openDisplay: (vmId) => api.openDisplay(vmId),
  };
}
