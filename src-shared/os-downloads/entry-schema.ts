import { z } from 'zod';
import { ARCHITECTURES } from '../vm-document/schema.js';
import { findCatalogEntry } from '../os-catalog/catalog.js';
import { CHECKSUM_ALGORITHMS, DOWNLOAD_KINDS, UNATTENDED_METHODS, type DownloadCatalogEntry } from './types.js';
import { DOWNLOAD_ID_RE } from './types.js';

/**
 * The rules every catalog entry obeys, built-in or fetched: a fetched catalog is only data from the network, so
 * nothing in it may point at a non-https URL, name a file outside the Installation media folder, or pick an OS the
 * OS catalog does not know.
 */
/** https, a host name (or address) and port, a path; no credentials, query or fragment. (src-shared has no URL class.) */
const HTTPS_URL = /^https:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?\/[^\s?#]*$/;

const httpsUrl = z.string().max(2000).regex(HTTPS_URL, 'must be an https:// URL without credentials, query or fragment');

/** A plain file name: no folder, no hidden file, no `..`, nothing a shell or QEMU option would read specially. */
export const SAFE_FILE_NAME = /^[A-Za-z0-9_+-][A-Za-z0-9._+-]{0,199}$/;

/** The last part of a URL's path, percent-decoded ('' when it cannot be decoded). */
export function urlFileName(url: string): string {
  const path = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/.exec(url)?.[1] ?? '';
  try {
    return decodeURIComponent(path.split('/').pop() ?? '');
  } catch {
    return '';
  }
}

const verificationSchema = z.strictObject({
  algorithm: z.enum(CHECKSUM_ALGORITHMS),
  checksumUrl: httpsUrl,
  signatureUrl: httpsUrl.optional(),
  signingKey: z
    .string()
    .regex(/^[0-9A-F]{40}$/, 'must be a 40-digit upper-case OpenPGP fingerprint')
    .optional(),
});

export const downloadEntrySchema = z
  .strictObject({
    id: z.string().regex(DOWNLOAD_ID_RE, 'must be kebab-case (lower-case letters, digits, "-", "." and "_")').max(80),
    name: z.string().min(1).max(120),
    osId: z.string().refine((id) => findCatalogEntry(id) !== undefined, 'must be an id of the OS catalog'),
    version: z.string().min(1).max(40),
    arch: z.enum(ARCHITECTURES),
    kind: z.enum(DOWNLOAD_KINDS),
    url: httpsUrl,
    fileName: z.string().regex(SAFE_FILE_NAME, 'must be a plain file name (no folder, not hidden)'),
    format: z.enum(['iso', 'qcow2', 'raw']),
    sizeBytes: z.number().int().positive().max(64 * 1024 ** 3),
    verify: verificationSchema,
    unattended: z.enum(UNATTENDED_METHODS).optional(),
  })
  .superRefine((e, ctx) => {
    if (HTTPS_URL.test(e.url) && urlFileName(e.url) !== e.fileName) ctx.addIssue({ code: 'custom', path: ['fileName'], message: `must be the URL's last part (${urlFileName(e.url)})` });
    if (e.unattended !== undefined && e.kind !== 'installer') ctx.addIssue({ code: 'custom', path: ['unattended'], message: 'only installers are answered unattended' });
    if (e.kind === 'installer' && e.format !== 'iso') ctx.addIssue({ code: 'custom', path: ['format'], message: 'an installer is an ISO' });
    if (e.verify.signingKey !== undefined && e.verify.signatureUrl === undefined) ctx.addIssue({ code: 'custom', path: ['verify', 'signingKey'], message: 'a signing key needs a signatureUrl' });
  });

/** A fetched catalog update: a newer version than the built-in copy, unique ids. */
export const downloadCatalogSchema = z
  .strictObject({
    version: z.number().int().positive(),
    entries: z.array(downloadEntrySchema).max(2000),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.entries.forEach((e, i) => {
      if (seen.has(e.id)) ctx.addIssue({ code: 'custom', path: ['entries', i, 'id'], message: `duplicate id ${e.id}` });
      seen.add(e.id);
    });
  });

export type DownloadCatalog = { version: number; entries: DownloadCatalogEntry[] };

/** The first problem of a catalog, as `entries[3].url: must be an https:// URL …`; null when it is valid. */
export function catalogProblem(catalog: unknown): string | null {
  const r = downloadCatalogSchema.safeParse(catalog);
  if (r.success) return null;
  const issue = r.error.issues[0]!;
  return `${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '')}: ${issue.message}`;
}
