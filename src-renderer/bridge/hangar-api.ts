import type {
  AppChannel,
  AppChannels,
  CommandArgs,
  CommandName,
  CommandResult,
  EngineEvent,
  MenuCommand,
  OpenRequest,
  VmEvent,
} from '../../src-shared/contract/index.js';
import type { DisplayChannel } from './display-channel.js';

export interface CallOptions {
  /** A libvirt connection's name: the command runs on its machines (docs/libvirt.md). */
  connection?: string;
}

/**
 * Everything the renderer may ask of the outside world. Components depend on this interface only;
 * `bridge/` provides it over Electron (window.hangar + a MessagePort) or over the browser host's
 * WebSocket, and tests provide one fake.
 */
export interface HangarApi {
  /** Engine commands (start, create, ...), typed by the engine contract; `connection`: on that libvirt connection (absent: This computer). */
  call<K extends CommandName>(command: K, args: CommandArgs<K>, options?: CallOptions): Promise<CommandResult<K>>;
  /** Engine events (run states, serial output, ...). Returns the unsubscribe function. */
  onEvent(listener: (event: VmEvent | EngineEvent) => void): () => void;
  /** Shell calls (dialogs, prefs). */
  app<C extends AppChannel>(channel: C, args: AppChannels[C]['args']): Promise<AppChannels[C]['result']>;
  /** Connection to the engine: the UI shows a banner while it is not 'open'. */
  connection(): 'connecting' | 'open' | 'closed';
  onConnectionChange(listener: (state: 'connecting' | 'open' | 'closed') => void): () => void;
  /** Application-menu commands (Electron only; the browser host has no native menu). */
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
  /**
   * Files and folders opened with Hangar (Electron only: file associations, a second launch, macOS open-file).
   * Requests that arrived before the first listener are handed to it. Returns the unsubscribe function.
   */
  onOpenRequest(listener: (request: OpenRequest) => void): () => void;
  /**
   * A raw RFB channel to a running VM's display, in noVNC's channel shape (pass it to `new RFB(el, channel)`).
   * It starts 'connecting'; a VM that is not running ends in onclose with code 4404 and the reason.
   */
  openDisplay(vmId: string): DisplayChannel;
}
