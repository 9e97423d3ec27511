// The Content-Security-Policy and other response headers of everything app:// serves. Pure (no electron).
// index.html carries its own <meta> CSP too (the browser host needs ws://127.0.0.1 there); when both
// exist the browser enforces both, so this header is the stricter, Electron-only policy.
export const APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // MUI/emotion inject <style> elements at runtime.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  // The engine is reached through a MessagePort, never over the network.
  "connect-src 'self'",
  "media-src 'none'",
  "object-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "manifest-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const APP_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': APP_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
