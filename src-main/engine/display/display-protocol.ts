/**
 * What travels on a display port (Electron MessagePort between the engine and one viewer).
 * RFB bytes go as bare Uint8Arrays both ways; everything else is a small tagged object.
 *
 * engine → viewer: Uint8Array (bytes from QEMU), `{type:'open'}` once QEMU's socket is connected,
 *                  `{type:'closed', code, reason}` just before the engine closes the port.
 * viewer → engine: Uint8Array (bytes for QEMU), `{type:'ack', bytes}` (bytes consumed since the last ack:
 *                  the engine stops reading QEMU's socket while too many are unacknowledged),
 *                  `{type:'close'}` (the viewer is done).
 */
export type DisplayControl = { type: 'open' } | { type: 'closed'; code: number; reason: string };
export type ViewerControl = { type: 'ack'; bytes: number } | { type: 'close' };

/** Close codes a viewer can tell apart (WebSocket-like; 4000–4999 are application codes). */
export const DISPLAY_CLOSE_CODES = {
  /** The viewer or the engine closed the display. */
  normal: 1000,
  /** The VM stopped (QEMU closed its VNC socket or the session ended). */
  vmStopped: 4001,
  /** The VM is not running or does not exist. */
  notRunning: 4404,
  /** QEMU's VNC socket could not be reached. */
  unreachable: 4502,
  /** The viewer sent what the engine cannot follow or QEMU would refuse (rfb-clipboard-guard.ts). */
  refused: 4400,
  /** The clipboard policy changed in a way this connection cannot honour: connect again. */
  policyChanged: 4409,
} as const;

/** A viewer acknowledges after consuming this many bytes (the engine's low-water mark must be above it). */
export const DISPLAY_ACK_EVERY = 64 * 1024;
