// app:// serves the built renderer. Registered as privileged before `ready`, handled after.
// Every response (including 404s) carries the CSP and the other security headers.
import { net, protocol } from 'electron';
import { pathToFileURL } from 'node:url';
import { APP_HOST, APP_SCHEME } from './app-url.js';
import { APP_SECURITY_HEADERS } from './csp.js';
import { safeJoin } from './safe-path.js';

/** Must run before app `ready`. */
export function registerAppSchemePrivileged(): void {
  protocol.registerSchemesAsPrivileged([
    // codeCache: V8 keeps compiled renderer code between launches (needs standard: true), so the
    // library's first paint skips recompiling React and MUI on every start.
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

function withSecurityHeaders(response: Response): Response {
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(APP_SECURITY_HEADERS)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

function notFound(): Response {
  return withSecurityHeaders(new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain' } }));
}

/** Serves files under `rendererRoot` for app://hangar/…; anything else is a 404. */
export function handleAppProtocol(rendererRoot: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return notFound();
    }
    if (url.host !== APP_HOST || (request.method !== 'GET' && request.method !== 'HEAD')) return notFound();
    const file = safeJoin(rendererRoot, url.pathname);
    if (!file) return notFound();
    try {
      const response = await net.fetch(pathToFileURL(file).toString());
      return response.ok ? withSecurityHeaders(response) : notFound();
    } catch {
      return notFound();
    }
  });
}
