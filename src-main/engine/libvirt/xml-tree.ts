import { xmldom } from '../lazy-packages.js';

/** An element to write: name, attributes (undefined ones left out), then child elements or one text. */
export interface XmlNode {
  readonly name: string;
  readonly attrs?: Readonly<Record<string, string | number | undefined>>;
  readonly children?: ReadonlyArray<XmlNode | null | false>;
  readonly text?: string;
}

export const el = (name: string, attrs: XmlNode['attrs'] = {}, ...children: Array<XmlNode | null | false>): XmlNode => ({ name, attrs, children });
export const textEl = (name: string, text: string, attrs: XmlNode['attrs'] = {}): XmlNode => ({ name, attrs, text });

/** Characters XML 1.0 cannot carry at all (the serializer would write them, and libvirt refuse the document). */
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

export class XmlValueError extends Error {}

function check(value: string, where: string): string {
  if (NOT_XML.test(value)) throw new XmlValueError(`${where} contains a control character XML cannot carry`);
  return value;
}

/**
 * Builds the document with the XML library (escaping is the serializer's, never string pasting) and indents it
 * two spaces a level, so goldens diff line by line. `namespaces` are declared on the root.
 */
export function writeXml(root: XmlNode, namespaces: Record<string, string> = {}): string {
  const doc = new (xmldom().DOMImplementation)().createDocument(null, root.name, null);
  const top = doc.documentElement!;
  for (const [prefix, uri] of Object.entries(namespaces)) top.setAttribute(`xmlns:${prefix}`, uri);
  fill(doc, top, root, 0, namespaces);
  return `${new (xmldom().XMLSerializer)().serializeToString(doc)}\n`;
}

function fill(doc: Document, node: Element, spec: XmlNode, depth: number, ns: Record<string, string>): void {
  for (const [k, v] of Object.entries(spec.attrs ?? {})) if (v !== undefined) node.setAttribute(k, check(String(v), `${spec.name}@${k}`));
  if (spec.text !== undefined) {
    node.appendChild(doc.createTextNode(check(spec.text, spec.name)));
    return;
  }
  const kids = (spec.children ?? []).filter((c): c is XmlNode => !!c);
  if (kids.length === 0) return;
  for (const kid of kids) {
    node.appendChild(doc.createTextNode(`\n${'  '.repeat(depth + 1)}`));
    const prefix = kid.name.includes(':') ? kid.name.split(':')[0]! : null;
    const child = prefix && ns[prefix] ? doc.createElementNS(ns[prefix], kid.name) : doc.createElement(kid.name);
    node.appendChild(child);
    fill(doc, child, kid, depth + 1, ns);
  }
  node.appendChild(doc.createTextNode(`\n${'  '.repeat(depth)}`));
}

/** Parses XML, refusing (not guessing at) anything malformed. */
export function parseXml(xml: string): Document {
  const problems: string[] = [];
  const doc = new (xmldom().DOMParser)({
    // xmldom reports an unclosed element only as a warning: for XML from elsewhere, that is a refusal too.
    errorHandler: { warning: (m: string) => void problems.push(m), error: (m: string) => void problems.push(m), fatalError: (m: string) => void problems.push(m) },
  }).parseFromString(xml, 'text/xml');
  if (problems.length > 0 || !doc.documentElement) throw new XmlValueError(`not well-formed XML: ${problems[0] ?? 'no root element'}`);
  return doc;
}

/** Direct children of `node` named `name`. */
export function childrenNamed(node: Element, name: string): Element[] {
  const out: Element[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.nodeType === 1 && (c as Element).tagName === name) out.push(c as Element);
  return out;
}

export function firstChild(node: Element, name: string): Element | null {
  return childrenNamed(node, name)[0] ?? null;
}

/** The element at a `/`-separated path of child names below `node`, or null. */
export function at(node: Element, path: string): Element | null {
  let cur: Element | null = node;
  for (const part of path.split('/')) cur = cur ? firstChild(cur, part) : null;
  return cur;
}

export const textOf = (node: Element | null): string | null => (node ? (node.textContent ?? '') : null);
