// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- ambient declarations (?raw, js-yaml) must reach every tsconfig project that imports the engine (e2e includes only test/)
/// <reference path="./raw-text.d.ts" />
import { jsYaml, xmldom } from '../lazy-packages.js';

type XmlNode = Node;
import type { UnattendedMethod } from '../../../src-shared/os-downloads/types.js';
import type { UnattendedAnswers } from '../../../src-shared/unattended/answers.js';
import { sha512Crypt } from '../crypt/sha512-crypt.js';
import debianPreseed from './templates/debian.preseed?raw';
import fedoraKs from './templates/fedora.ks?raw';
import ubuntuAutoinstall from './templates/ubuntu.autoinstall.yaml?raw';
import windowsXml from './templates/windows.autounattend.xml?raw';

export class AnswerFileError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'AnswerFileError';
  }
}

/** The rendered answer file and the name the installer looks for. */
export interface AnswerFile {
  method: UnattendedMethod;
  fileName: 'preseed.cfg' | 'ks.cfg' | 'user-data' | 'autounattend.xml';
  text: string;
}

export interface RenderOptions {
  /** Fixed salt for the crypt hashes (golden tests); random otherwise. */
  salt?: string;
}

/** The placeholders every template may use, computed from the (already validated) answers. */
function values(a: UnattendedAnswers, opts: RenderOptions): Record<string, string> {
  const [lang, region] = a.language.split('_') as [string, string];
  return {
    user: a.user,
    fullName: a.fullName ?? a.user,
    hostname: a.hostname,
    locale: `${a.language}.UTF-8`,
    keyboard: a.keyboard,
    timezone: a.timezone,
    passwordHash: sha512Crypt(a.password, opts.salt === undefined ? {} : { salt: opts.salt }),
    windowsLocale: `${lang}-${region}`,
    windowsKeyboard: WINDOWS_KEYBOARDS[a.keyboard] ?? `${lang}-${region}`,
    windowsTimeZone: WINDOWS_TIME_ZONES[a.timezone] ?? 'UTC',
    // Windows' own "hidden" form (base64 of UTF-16LE password + "Password"): not a hash, but no plain text in the file.
    windowsPassword: Buffer.from(`${a.password}Password`, 'utf16le').toString('base64'),
  };
}

/** Windows input locales for common XKB layouts; others use the language's own. */
const WINDOWS_KEYBOARDS: Record<string, string> = { us: 'en-US', gb: 'en-GB', de: 'de-DE', fr: 'fr-FR', es: 'es-ES', it: 'it-IT', ch: 'de-CH', nl: 'nl-NL', se: 'sv-SE', pl: 'pl-PL', jp: 'ja-JP' };
/** Windows time zone ids for common IANA zones; unknown zones install as UTC (the user can change it after). */
const WINDOWS_TIME_ZONES: Record<string, string> = {
  UTC: 'UTC',
  'Europe/London': 'GMT Standard Time',
  'Europe/Berlin': 'W. Europe Standard Time',
  'Europe/Paris': 'Romance Standard Time',
  'Europe/Madrid': 'Romance Standard Time',
  'Europe/Rome': 'W. Europe Standard Time',
  'Europe/Warsaw': 'Central European Standard Time',
  'America/New_York': 'Eastern Standard Time',
  'America/Chicago': 'Central Standard Time',
  'America/Denver': 'Mountain Standard Time',
  'America/Los_Angeles': 'Pacific Standard Time',
  'Asia/Tokyo': 'Tokyo Standard Time',
  'Australia/Sydney': 'AUS Eastern Standard Time',
};

const PLACEHOLDER = /\{\{([A-Za-z]+)\}\}/g;

function fill(template: string, v: Record<string, string>, quote: (value: string, key: string) => string): string {
  return template.replace(PLACEHOLDER, (_, key: string) => {
    const value = v[key];
    if (value === undefined) throw new Error(`template placeholder {{${key}}} has no value`);
    return quote(value, key);
  });
}

/** Preseed has no quoting: a value runs to the end of its line, so a line break would start a new answer. */
function preseedValue(value: string, key: string): string {
  if (/[\p{Cc}\p{Cf}]/u.test(value)) throw new AnswerFileError(key, `${key}: line breaks and control characters cannot be written to a preseed file`);
  return value;
}

/**
 * One kickstart word (pykickstart splits lines like a POSIX shell, without expansion): bare when it holds only
 * safe characters, else single-quoted, or double-quoted with `\` and `"` escaped when it holds a single quote.
 */
export function kickstartWord(value: string, key = 'value'): string {
  if (/[\p{Cc}\p{Cf}]/u.test(value)) throw new AnswerFileError(key, `${key}: line breaks and control characters cannot be written to a kickstart file`);
  if (/^[A-Za-z0-9_.,:/@%+=$-]+$/.test(value) && !value.startsWith('#')) return value;
  if (!value.includes("'")) return `'${value}'`;
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Replaces whole-string placeholders in a parsed YAML document (keys are never templated). */
function fillYaml(node: unknown, v: Record<string, string>): unknown {
  if (typeof node === 'string') return node.replace(PLACEHOLDER, (_, key: string) => v[key] ?? `{{${key}}}`);
  if (Array.isArray(node)) return node.map((x) => fillYaml(x, v));
  if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, x]) => [k, fillYaml(x, v)]));
  return node;
}

/** Replaces placeholders in the text nodes of the parsed XML; the serializer escapes what needs escaping. */
function fillXml(node: XmlNode, v: Record<string, string>): void {
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 3) {
      const t = c as unknown as { data: string; nodeValue: string };
      t.data = t.nodeValue = t.data.replace(PLACEHOLDER, (_, key: string) => v[key] ?? `{{${key}}}`);
    } else fillXml(c, v);
  }
}

/** The windows template uses locale/keyboard placeholders in Windows' own forms. */
const WINDOWS_KEYS: Record<string, string> = { locale: 'windowsLocale', keyboard: 'windowsKeyboard' };

/**
 * The answer file for `method` from validated answers. Pure apart from the random crypt salt (fixed by
 * `opts.salt`). Each format gets its own escaping: preseed refuses line breaks, kickstart quotes words,
 * YAML and XML are filled in the parsed document and written by their library's serializer.
 */
export function renderAnswerFile(method: UnattendedMethod, answers: UnattendedAnswers, opts: RenderOptions = {}): AnswerFile {
  const v = values(answers, opts);
  switch (method) {
    case 'preseed':
      return { method, fileName: 'preseed.cfg', text: fill(debianPreseed, v, preseedValue) };
    case 'kickstart':
      return { method, fileName: 'ks.cfg', text: fill(fedoraKs, v, kickstartWord) };
    case 'autoinstall': {
      const doc = fillYaml(jsYaml().load(ubuntuAutoinstall), v);
      return { method, fileName: 'user-data', text: `#cloud-config\n${jsYaml().dump(doc, { lineWidth: -1, noRefs: true })}` };
    }
    case 'autounattend': {
      if (answers.hostname.length > 15) throw new AnswerFileError('hostname', 'host name: Windows computer names are at most 15 characters');
      const xmlDoc = new (xmldom().DOMParser)().parseFromString(windowsXml, 'text/xml');
      const wv = Object.fromEntries(Object.entries(v).map(([k]) => [k, v[WINDOWS_KEYS[k] ?? k]!]));
      fillXml(xmlDoc as unknown as XmlNode, wv);
      return { method, fileName: 'autounattend.xml', text: `${new (xmldom().XMLSerializer)().serializeToString(xmlDoc)}\n` };
    }
  }
}
