/**
 * When two machine names count as the same: after Unicode compatibility normalisation, with invisible
 * (default-ignorable) characters dropped, runs of white space collapsed, ends trimmed and case folded.
 * "Web", " web ", "ＷＥＢ" (full-width) and "web\u200b" are one name; the library holds each at most once,
 * so a name given on the command line always finds one machine.
 */
export function nameKey(name: string): string {
  return name
    .normalize('NFKC')
    .replace(/\p{Default_Ignorable_Code_Point}/gu, '')
    .replace(/\s+/gu, ' ')
    .trim()
    // upper then lower folds "ß" and "SS" together, which lower alone does not.
    .toUpperCase()
    .toLowerCase()
    .normalize('NFKC');
}

export function sameName(a: string, b: string): boolean {
  return nameKey(a) === nameKey(b);
}

/** The first of `base`, `base (2)`, `base (3)`… that no taken name equals (the archive-import fallback). */
export function uniqueName(base: string, taken: Iterable<string>): string {
  const keys = new Set([...taken].map(nameKey));
  const trimmed = base.trim();
  if (!keys.has(nameKey(trimmed))) return trimmed;
  for (let n = 2; ; n++) {
    const candidate = `${trimmed} (${n})`;
    if (!keys.has(nameKey(candidate))) return candidate;
  }
}
