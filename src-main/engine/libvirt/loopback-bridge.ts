import { rm } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';

/**
 * A unix socket (in the connection's private 0700 folder) whose every connection is piped to 127.0.0.1:PORT: a
 * local foreign domain's TCP VNC reached the way a display socket is, so the relays stay unix-only. It listens on
 * no TCP port; it only connects to one on loopback.
 */
export class LoopbackBridge {
  private constructor(
    private readonly server: Server,
    readonly path: string,
    readonly port: number,
  ) {}

  static async open(path: string, port: number): Promise<LoopbackBridge> {
    await rm(path, { force: true });
    const server = createServer((viewer) => {
      const vnc = connect(port, '127.0.0.1');
      const end = (): void => {
        viewer.destroy();
        vnc.destroy();
      };
      viewer.pipe(vnc).pipe(viewer);
      for (const s of [viewer, vnc]) s.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    return new LoopbackBridge(server, path, port);
  }

  /** Stops accepting (open displays end with the domain's VNC). */
  close(): void {
    this.server.close();
    void rm(this.path, { force: true });
  }
}
