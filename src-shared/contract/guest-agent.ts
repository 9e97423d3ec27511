/**
 * What the engine knows from a running machine's QEMU guest agent (qemu-ga). `status`: `off` (no agent channel in
 * the settings, or the machine is not running), `waiting` (the channel is there, no agent has answered yet, or it
 * stopped answering), `running` (the agent answered its last sync). The guest's own words are shown as given.
 */
export interface GuestAgentInfo {
  status: 'off' | 'waiting' | 'running';
  /** qemu-ga's version. */
  version?: string;
  hostname?: string;
  /** The OS as the guest names it (os-release PRETTY_NAME, else NAME VERSION) and its kernel. */
  os?: { name: string; kernel?: string };
  /** Every address of every interface but loopback. */
  addresses: Array<{ interface: string; family: 'ipv4' | 'ipv6'; address: string; prefix: number }>;
  /** ms since the epoch of the last answer. */
  updatedAt?: number;
}
