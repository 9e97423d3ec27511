// The end of a libvirt e2e suite's set-up: its library's connections, then serve on that library and the browser.
import { launchBrowser, spawnServe, type E2eContext, type ServeOptions } from './e2e-harness.js';
import { writeConnections } from './libvirt-suite.js';

/** Writes `connections` into the suite's library, starts serve on it (with `serve`'s extra options) and opens the page's browser. */
export async function serveWithConnections(ctx: E2eContext, connections: ReadonlyArray<{ name: string; uri: string }>, serve: Omit<ServeOptions, 'library' | 'env'> = {}): Promise<void> {
  writeConnections(ctx.library, connections);
  const started = spawnServe({ library: ctx.library, env: ctx.env, ...serve });
  ctx.serve = started.serve;
  ctx.url = await started.url;
  ({ browser: ctx.browser, page: ctx.page } = await launchBrowser({ width: 1280, height: 900 }));
}
