import { xmldom } from '../lazy-packages.js';

type XmlElement = Element;

/**
 * Structural checks of the generated answer files (pykickstart and debconf are not available here): the
 * engine runs them on every file it writes, and the unit tests on the golden files and hostile values.
 * Each returns the parsed structure or throws an Error naming the line or element.
 */

export interface PreseedEntry {
  owner: string;
  question: string;
  type: string;
  value: string;
}

const PRESEED_TYPES = new Set(['string', 'boolean', 'select', 'multiselect', 'password', 'note', 'text', 'title']);

/** debconf-set-selections' format: `owner question type value`, one per line; `#` comments. */
export function parsePreseed(text: string): Map<string, PreseedEntry> {
  const out = new Map<string, PreseedEntry>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const m = /^(\S+)[ \t]+(\S+)[ \t]+(\S+)(?:[ \t](.*))?$/.exec(line);
    if (!m) throw new Error(`preseed line ${i + 1}: not "owner question type value": ${JSON.stringify(line)}`);
    const [, owner, question, type, value = ''] = m as unknown as [string, string, string, string, string | undefined];
    if (!PRESEED_TYPES.has(type)) throw new Error(`preseed line ${i + 1}: unknown type "${type}"`);
    if (/[\r\0]/.test(value)) throw new Error(`preseed line ${i + 1}: control character in the value`);
    if (out.has(question)) throw new Error(`preseed line ${i + 1}: ${question} answered twice`);
    out.set(question, { owner, question, type, value });
  });
  return out;
}

export interface KickstartCommand {
  line: number;
  name: string;
  args: string[];
}

export interface Kickstart {
  commands: KickstartCommand[];
  sections: { name: string; lines: string[] }[];
}

/** POSIX-shell word splitting without expansion, as pykickstart does (shlex): quotes, backslashes, `#` comments. */
export function splitKickstartLine(line: string, lineNo = 0): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`kickstart line ${lineNo}: unterminated single quote`);
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && (line[j + 1] === '"' || line[j + 1] === '\\')) j++;
        cur += line[j];
      }
      if (j >= line.length) throw new Error(`kickstart line ${lineNo}: unterminated double quote`);
      i = j;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new Error(`kickstart line ${lineNo}: trailing backslash`);
      cur += line[++i];
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else if (c === '#' && !inWord) {
      break;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

const KS_SECTIONS = new Set(['%packages', '%pre', '%post', '%pre-install', '%onerror', '%addon', '%anaconda']);

export function parseKickstart(text: string): Kickstart {
  const ks: Kickstart = { commands: [], sections: [] };
  let section: { name: string; lines: string[] } | null = null;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (/[\r\0]/.test(raw)) throw new Error(`kickstart line ${i + 1}: control character`);
    if (section) {
      if (line === '%end') {
        ks.sections.push(section);
        section = null;
      } else section.lines.push(raw);
      return;
    }
    if (line === '' || line.startsWith('#')) return;
    const words = splitKickstartLine(line, i + 1);
    const name = words[0]!;
    if (name.startsWith('%')) {
      if (!KS_SECTIONS.has(name)) throw new Error(`kickstart line ${i + 1}: unknown section ${name}`);
      section = { name, lines: [] };
      return;
    }
    if (!/^[a-z][a-z-]*$/.test(name)) throw new Error(`kickstart line ${i + 1}: not a command: ${JSON.stringify(name)}`);
    ks.commands.push({ line: i + 1, name, args: words.slice(1) });
  });
  if (section) throw new Error(`kickstart: section ${(section as { name: string }).name} has no %end`);
  return ks;
}

/** `--key=value` (or `--key value`) of a kickstart command's words. */
export function kickstartOption(cmd: KickstartCommand, key: string): string | undefined {
  for (let i = 0; i < cmd.args.length; i++) {
    const a = cmd.args[i]!;
    if (a.startsWith(`--${key}=`)) return a.slice(key.length + 3);
    if (a === `--${key}`) return cmd.args[i + 1];
  }
  return undefined;
}

const UNATTEND_NS = 'urn:schemas-microsoft-com:unattend';
const PASSES = new Set(['windowsPE', 'offlineServicing', 'generalize', 'specialize', 'auditSystem', 'auditUser', 'oobeSystem']);
const COMPONENT_ATTRS = ['name', 'processorArchitecture', 'publicKeyToken', 'language', 'versionScope'];

const childElements = (e: XmlElement, name?: string): XmlElement[] => {
  const out: XmlElement[] = [];
  for (let c = e.firstChild; c; c = c.nextSibling) if (c.nodeType === 1 && (!name || (c as XmlElement).localName === name)) out.push(c as XmlElement);
  return out;
};

/** Follows a path of child element names from `e`; throws naming the missing step. */
export function unattendPath(e: XmlElement, path: string[]): XmlElement {
  let cur = e;
  for (const step of path) {
    const next = childElements(cur, step)[0];
    if (!next) throw new Error(`autounattend: <${cur.localName}> has no <${step}>`);
    cur = next;
  }
  return cur;
}

/** The unattend structure Windows Setup reads: passes, components and the elements an unattended install needs. */
export function checkAutounattend(text: string): { component(pass: string, name: string): XmlElement } {
  const errors: string[] = [];
  const doc = new (xmldom().DOMParser)({ errorHandler: (level: string, msg: unknown) => void (level !== 'warning' && errors.push(String(msg))) }).parseFromString(text, 'text/xml');
  if (errors.length > 0) throw new Error(`autounattend: not well-formed XML: ${errors[0]}`);
  const root = doc.documentElement;
  if (!root || root.localName !== 'unattend' || root.namespaceURI !== UNATTEND_NS) throw new Error(`autounattend: the root must be <unattend xmlns="${UNATTEND_NS}">`);
  const passes = new Map<string, XmlElement>();
  for (const s of childElements(root)) {
    if (s.localName !== 'settings') throw new Error(`autounattend: unexpected <${s.localName}> under <unattend>`);
    const pass = s.getAttribute('pass') ?? '';
    if (!PASSES.has(pass)) throw new Error(`autounattend: unknown pass "${pass}"`);
    if (passes.has(pass)) throw new Error(`autounattend: pass ${pass} given twice`);
    passes.set(pass, s);
    for (const c of childElements(s)) {
      if (c.localName !== 'component') throw new Error(`autounattend: unexpected <${c.localName}> in pass ${pass}`);
      for (const a of COMPONENT_ATTRS) if (!c.getAttribute(a)) throw new Error(`autounattend: a component in ${pass} lacks ${a}`);
    }
  }
  const component = (pass: string, name: string): XmlElement => {
    const s = passes.get(pass);
    const c = s && childElements(s, 'component').find((x) => x.getAttribute('name') === name);
    if (!c) throw new Error(`autounattend: pass ${pass} has no component ${name}`);
    return c;
  };
  const setup = component('windowsPE', 'Microsoft-Windows-Setup');
  unattendPath(setup, ['ImageInstall', 'OSImage', 'InstallTo']);
  if (unattendPath(setup, ['UserData', 'AcceptEula']).textContent !== 'true') throw new Error('autounattend: the EULA is not accepted');
  unattendPath(setup, ['DiskConfiguration', 'Disk', 'CreatePartitions']);
  const account = unattendPath(component('oobeSystem', 'Microsoft-Windows-Shell-Setup'), ['UserAccounts', 'LocalAccounts', 'LocalAccount']);
  if (!unattendPath(account, ['Name']).textContent) throw new Error('autounattend: the local account has no name');
  unattendPath(account, ['Password', 'Value']);
  unattendPath(component('specialize', 'Microsoft-Windows-Shell-Setup'), ['ComputerName']);
  return { component };
}
