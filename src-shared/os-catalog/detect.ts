import { OS_CATALOG } from './catalog.js';
import type { IsoIdentity, IsoMatcher, OsCatalogEntry, OsDetection } from './types.js';

function matcherFits(m: IsoMatcher, iso: IsoIdentity): boolean {
  const fits = (re: RegExp | undefined, value: string | undefined) => re === undefined || re.test(value ?? '');
  return (
    fits(m.volumeId, iso.volumeId) &&
    fits(m.systemId, iso.systemId) &&
    fits(m.publisherId, iso.publisherId) &&
    fits(m.applicationId, iso.applicationId)
  );
}

/**
 * The catalog entry an ISO's volume descriptor identifies, with a confidence (0..1), or null.
 * The highest-confidence match wins; on a tie the earlier entry (the newer version) does.
 */
export function detectOs(iso: IsoIdentity, catalog: ReadonlyArray<OsCatalogEntry> = OS_CATALOG): OsDetection | null {
  if (iso.volumeId.trim() === '' && !iso.systemId && !iso.applicationId) return null;
  let best: { entry: OsCatalogEntry; matcher: IsoMatcher } | null = null;
  for (const entry of catalog) {
    for (const matcher of entry.matchers) {
      if (!matcherFits(matcher, iso)) continue;
      if (!best || matcher.confidence > best.matcher.confidence) best = { entry, matcher };
    }
  }
  if (!best) return null;
  const detection: OsDetection = {
    osId: best.entry.id,
    name: best.matcher.name ?? best.entry.name,
    family: best.entry.family,
    confidence: best.matcher.confidence,
    source: 'catalog',
  };
  if (best.entry.arch) detection.arch = best.entry.arch;
  if (best.matcher.alternatives && best.matcher.alternatives.length > 0) detection.alternatives = [...best.matcher.alternatives];
  return detection;
}
