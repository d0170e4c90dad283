/**
 * Searchset paging links (`self`, `first`, `previous`, `next`) with `_count`/`_offset`, which Medplum's
 * MemoryRepository does not add, and `fullUrl` on every entry.
 */

/** Medplum's default page size when a search has no `_count` (core DEFAULT_SEARCH_COUNT). */
export const DEFAULT_PAGE_SIZE = 20;

function nonNegativeInteger(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

function pageUrl(base: URL, offset: number, count: number): string {
  const url = new URL(base.href);
  url.searchParams.set('_count', String(count));
  url.searchParams.set('_offset', String(offset));
  return url.href;
}

/**
 * Adds paging links to a searchset Bundle answered for `requestUrl` (absolute) and `fullUrl`s built from
 * `baseUrl`. `total` is the number of matches (MemoryRepository always reports it).
 */
export function addSearchLinks(bundle: fhir4.Bundle, requestUrl: URL, baseUrl: string): fhir4.Bundle {
  const count = nonNegativeInteger(requestUrl.searchParams.get('_count')) ?? DEFAULT_PAGE_SIZE;
  const offset = nonNegativeInteger(requestUrl.searchParams.get('_offset')) ?? 0;
  const total = bundle.total;
  const link: fhir4.BundleLink[] = [{ relation: 'self', url: requestUrl.href }];
  if (count > 0) {
    link.push({ relation: 'first', url: pageUrl(requestUrl, 0, count) });
    if (offset > 0) link.push({ relation: 'previous', url: pageUrl(requestUrl, Math.max(0, offset - count), count) });
    if (total !== undefined && offset + count < total) link.push({ relation: 'next', url: pageUrl(requestUrl, offset + count, count) });
  }
  return { ...bundle, link, entry: withFullUrls(bundle.entry, baseUrl) };
}

/** Entries with `fullUrl` = `<base>/<type>/<id>` where the engine left it out. */
export function withFullUrls(entries: fhir4.BundleEntry[] | undefined, baseUrl: string): fhir4.BundleEntry[] | undefined {
  return entries?.map((entry) =>
    entry.fullUrl || !entry.resource?.id ? entry : { fullUrl: `${baseUrl}/${entry.resource.resourceType}/${entry.resource.id}`, ...entry },
  );
}
