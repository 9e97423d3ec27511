export type { HangarApi } from './hangar-api.js';
export { createBridge, fileDialogs, engineUrl, displayUrl, ENGINE_PORT_MESSAGE, DISPLAY_PORT_MESSAGE, type BridgeWindow, type PreloadApiLike } from './create-bridge.js';
export { EngineConnection, defaultBackoff, type ConnectionState, type Connector } from './engine-connection.js';
export { webSocketTransport, messagePortTransport, type WebSocketLike, type MessagePortLike } from './transports.js';
export { FileDialogHost, matchesFilters, type FileDialogRequest } from './file-dialog.js';
export { browserAppCalls, DEFAULT_PREFS, sanitizePrefs } from './browser-app.js';
export { DisplayChannel, bindDisplayPort, bindDisplaySocket, DISPLAY_CLOSE, DISPLAY_ACK_EVERY, type DisplayCloseEvent, type DisplayReadyState } from './display-channel.js';
