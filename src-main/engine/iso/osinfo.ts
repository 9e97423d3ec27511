// The host's osinfo-db (libosinfo's data: /usr/share/osinfo/os/<vendor>/<os>.xml), used to recognise ISOs
// Hangar's own catalog doesn't know. A small regex extraction of the few elements we need, not an XML
// parser: <os id> → <short-id>, <name>, <family>, <resources>, <firmware>, <media><iso>{volume,system,
// publisher,application}-id</iso></media>. Missing folders mean "not installed": an empty database.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  familyRecommendation,
  findCatalogEntry,
  type IsoIdentity,
  type OsDetection,
  type OsFamily,
  type OsRecommendation,
} from '../../../src-shared/os-catalog/index.js';

export interface OsinfoMedia {
  arch: string;
  volumeId?: RegExp;
  systemId?: RegExp;
  publisherId?: RegExp;
  applicationId?: RegExp;
  /** Bytes (`<volume-size>`): when given, the image's volume must be exactly this big. */
  volumeSize?: number;
}

/** What matching looks at: the PVD's identifiers and, for `<volume-size>`, the volume's size in bytes. */
export type OsinfoIsoInput = IsoIdentity & { volumeBytes?: number };

export interface OsinfoOs {
  /** The URI, e.g. http://debian.org/debian/11. */
  id: string;
  /** The first <short-id>, e.g. debian11. */
  shortId: string;
  name: string;
  /** osinfo's family: linux, winnt, win9x, freebsd, openbsd... */
  osinfoFamily: string;
  family: OsFamily;
  media: OsinfoMedia[];
  /** Recommended (else minimum) memory and storage, recommended CPUs; for x86_64, else "all". */
  resources: { memoryMiB?: number; diskGiB?: number; cpus?: number };
  /** `<firmware arch="x86_64" type="bios" supported="false"/>`: boots with UEFI only. */
  uefiOnly: boolean;
}

/** Where libosinfo looks (OSINFO_SYSTEM_DIR, /etc/osinfo), each with an `os/` subfolder. */
export function defaultOsinfoDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const system = env.OSINFO_SYSTEM_DIR || '/usr/share/osinfo';
  const local = env.OSINFO_LOCAL_DIR || '/etc/osinfo';
  return [join(system, 'os'), join(local, 'os')];
}

function decodeEntities(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(parseInt(d, 10)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Text of the first `<tag>` without attributes (so `<name xml:lang="de">` is skipped). */
function text(block: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(block);
  return m ? decodeEntities(m[1]!.trim()) : undefined;
}

function attr(attrs: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}="([^"]*)"`).exec(attrs);
  return m ? decodeEntities(m[1]!) : undefined;
}

function regex(pattern: string | undefined): RegExp | undefined | null {
  if (pattern === undefined) return undefined;
  try {
    return new RegExp(pattern);
  } catch {
    return null; // a pattern JavaScript can't compile: the media entry is skipped
  }
}

export function osinfoFamily(family: string): OsFamily {
  if (family === 'linux') return 'linux';
  if (/^win|^msdos$/.test(family)) return 'windows';
  if (/bsd$|^dragonfly/.test(family)) return 'bsd';
  return 'other';
}

function resources(block: string): OsinfoOs['resources'] {
  const byArch = new Map<string, string>();
  for (const m of block.matchAll(/<resources\b([^>]*)>([\s\S]*?)<\/resources>/g)) byArch.set(attr(m[1]!, 'arch') ?? 'all', m[2]!);
  const res = byArch.get('x86_64') ?? byArch.get('all');
  if (!res) return {};
  const level = (name: string) => new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(res)?.[1];
  const pick = (tag: string, levels = ['recommended', 'minimum']) => {
    for (const l of levels) {
      const v = text(level(l) ?? '', tag);
      if (v !== undefined && /^\d+$/.test(v)) return Number(v);
    }
    return undefined;
  };
  const ram = pick('ram');
  const storage = pick('storage');
  // A minimum CPU count (usually 1) is no default; only a recommended one is.
  const cpus = pick('n-cpus', ['recommended']);
  const out: OsinfoOs['resources'] = {};
  if (ram !== undefined && ram > 0) out.memoryMiB = Math.max(16, Math.ceil(ram / 1024 ** 2 / 16) * 16);
  if (storage !== undefined && storage > 0) out.diskGiB = Math.max(1, Math.ceil(storage / 1024 ** 3));
  if (cpus !== undefined && cpus > 0) out.cpus = cpus;
  return out;
}

/** Every `<os>` in one osinfo-db XML file. Pure: tests feed it strings. */
export function parseOsinfoXml(xml: string): OsinfoOs[] {
  const out: OsinfoOs[] = [];
  for (const m of xml.matchAll(/<os\b([^>]*)>([\s\S]*?)<\/os>/g)) {
    const body = m[2]!;
    const id = attr(m[1]!, 'id') ?? '';
    const shortId = text(body, 'short-id');
    if (!shortId) continue;
    const fam = text(body, 'family') ?? '';
    const media: OsinfoMedia[] = [];
    for (const mm of body.matchAll(/<media\b([^>]*)>([\s\S]*?)<\/media>/g)) {
      const iso = /<iso>([\s\S]*?)<\/iso>/.exec(mm[2]!)?.[1];
      if (!iso) continue;
      const fields = {
        volumeId: regex(text(iso, 'volume-id')),
        systemId: regex(text(iso, 'system-id')),
        publisherId: regex(text(iso, 'publisher-id')),
        applicationId: regex(text(iso, 'application-id')),
      };
      if (Object.values(fields).some((f) => f === null)) continue;
      if (Object.values(fields).every((f) => f === undefined)) continue;
      const entry: OsinfoMedia = { arch: attr(mm[1]!, 'arch') ?? 'all' };
      for (const k of ['volumeId', 'systemId', 'publisherId', 'applicationId'] as const) if (fields[k]) entry[k] = fields[k];
      const size = text(iso, 'volume-size');
      if (size !== undefined && /^\d+$/.test(size)) entry.volumeSize = Number(size);
      media.push(entry);
    }
    const uefiOnly = [...body.matchAll(/<firmware\b([^>]*)\/?>/g)].some(
      (f) => attr(f[1]!, 'arch') === 'x86_64' && attr(f[1]!, 'type') === 'bios' && attr(f[1]!, 'supported') === 'false',
    );
    out.push({
      id,
      shortId,
      name: text(body, 'name') ?? shortId,
      osinfoFamily: fam,
      family: osinfoFamily(fam),
      media,
      resources: resources(body),
      uefiOnly,
    });
  }
  return out;
}

async function xmlFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return []; // not installed
  }
  const files: string[] = [];
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) files.push(...(await xmlFiles(p)));
    else if (e.isFile() && e.name.endsWith('.xml')) files.push(p);
  }
  return files.sort();
}

/** Loads every OS of the given osinfo-db folders; none installed is an empty list, not an error. */
export async function loadOsinfoDb(dirs: ReadonlyArray<string> = defaultOsinfoDirs()): Promise<OsinfoOs[]> {
  const all: OsinfoOs[] = [];
  for (const dir of dirs) {
    for (const file of await xmlFiles(dir)) {
      const xml = await readFile(file, 'utf8').catch(() => '');
      // Later folders override earlier ones by OS id, as in libosinfo.
      for (const os of parseOsinfoXml(xml)) {
        const i = all.findIndex((o) => o.id === os.id);
        if (i >= 0) all[i] = os;
        else all.push(os);
      }
    }
  }
  return all;
}

let cached: Promise<OsinfoOs[]> | null = null;

/** The host's osinfo-db, loaded once per process (about 800 files; a fraction of a second). */
export function hostOsinfoDb(): Promise<OsinfoOs[]> {
  cached ??= loadOsinfoDb().catch(() => []);
  return cached;
}

export interface OsinfoMatch {
  detection: OsDetection;
  recommended: OsRecommendation;
}

/**
 * 0 = no match. Otherwise more specific media score higher: a longer volume-id pattern first (so
 * "CentOS-Stream-9-BaseOS-x86_64" beats a bare "CentOS"), then more identifiers matched, then x86_64.
 */
function mediaScore(m: OsinfoMedia, iso: OsinfoIsoInput): number {
  if (m.volumeSize !== undefined && m.volumeSize !== iso.volumeBytes) return 0;
  let fields = 0;
  for (const [re, value] of [
    [m.volumeId, iso.volumeId],
    [m.systemId, iso.systemId],
    [m.publisherId, iso.publisherId],
    [m.applicationId, iso.applicationId],
  ] as const) {
    if (!re) continue;
    if (!re.test(value ?? '')) return 0;
    fields += 1;
  }
  if (fields === 0) return 0;
  return Math.min(m.volumeId?.source.length ?? 0, 99) * 10 + fields + (m.arch === 'x86_64' ? 0.5 : 0);
}

/** What Hangar would set up for an osinfo OS: its catalog entry if Hangar has one, else family defaults + osinfo's resources. */
export function osinfoRecommendation(os: OsinfoOs): OsRecommendation {
  const entry = findCatalogEntry(os.shortId);
  if (entry) return { ...entry.recommended };
  const rec = familyRecommendation(os.family);
  if (os.resources.memoryMiB !== undefined) rec.memoryMiB = os.resources.memoryMiB;
  if (os.resources.diskGiB !== undefined) rec.diskGiB = os.resources.diskGiB;
  rec.cpus = os.resources.cpus ?? rec.cpus;
  if (os.uefiOnly) rec.firmware = 'uefi';
  return rec;
}

/**
 * The osinfo-db OS whose media best matches the ISO (every identifier a media entry names must match;
 * among matches, the most specific wins: see `mediaScore`).
 * Confidence 0.8, or 0.5 when other OSes match equally well (e.g. Windows 10 and 11 share one regex).
 */
export function matchOsinfo(db: ReadonlyArray<OsinfoOs>, iso: OsinfoIsoInput): OsinfoMatch | null {
  let bestScore = 0;
  let best: OsinfoOs[] = [];
  for (const os of db) {
    const score = Math.max(0, ...os.media.map((m) => mediaScore(m, iso)));
    if (score === 0) continue;
    if (score > bestScore) {
      bestScore = score;
      best = [os];
    } else if (score === bestScore && !best.some((b) => b.id === os.id)) {
      best.push(os);
    }
  }
  const top = best[0];
  if (!top) return null;
  const detection: OsDetection = {
    osId: top.shortId,
    name: top.name,
    family: top.family,
    confidence: best.length > 1 ? 0.5 : 0.8,
    source: 'osinfo',
  };
  if (best.length > 1) detection.alternatives = best.slice(1).map((o) => o.shortId);
  // The matching media's arch, when it is a non-PC one Hangar runs (absent means x86_64, as in the catalog).
  const media = top.media.find((m) => mediaScore(m, iso) === bestScore);
  if (media && (media.arch === 'aarch64' || media.arch === 'riscv64')) detection.arch = media.arch;
  return { detection, recommended: osinfoRecommendation(top) };
}
