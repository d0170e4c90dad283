/**
 * Searchset paging links (`self`, `first`, `previous`, `next`) with `_count`/`_offset`, which Medplum's
 * MemoryRepository does not add, and `fullUrl` on every entry. MemoryRepository also applies no page size of its
 * own (a search without `_count` returns every match), so the wrapper sets one: see withPageSize.
 */

/** Page size of a search without `_count` (Medplum core's DEFAULT_SEARCH_COUNT); FhirServerOptions.defaultPageSize. */
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

/** The page size a search at `url` is answered with. */
export function pageSizeOf(url: URL, defaultPageSize: number): number {
  return nonNegativeInteger(url.searchParams.get('_count')) ?? defaultPageSize;
}

/**
 * `url` with `_count` set to the default page size when it has none, for the engine (which would otherwise return
 * every match on one page while the `next` link promised a second one). `_summary=count` asks for no entries.
 */
export function withPageSize(url: URL, defaultPageSize: number): URL {
  if (url.searchParams.has('_count') || url.searchParams.get('_summary') === 'count') return url;
  const paged = new URL(url.href);
  paged.searchParams.set('_count', String(defaultPageSize));
  return paged;
}

/**
 * Adds paging links to a searchset Bundle answered for `requestUrl` (absolute) and `fullUrl`s built from
 * `baseUrl`. `total` is the number of matches (MemoryRepository always reports it).
 */
export function addSearchLinks(bundle: fhir4.Bundle, requestUrl: URL, baseUrl: string, defaultPageSize = DEFAULT_PAGE_SIZE): fhir4.Bundle {
  const count = pageSizeOf(requestUrl, defaultPageSize);
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
