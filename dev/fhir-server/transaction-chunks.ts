/**
 * Medplum's router refuses a transaction with more than 50 update (PUT) entries ("Transaction contains more
 * update operations than allowed", fhir-router 5.2.13). Fixture Bundles use PUT with stable ids and may be larger,
 * so the wrapper runs such a transaction as consecutive router transactions: every non-PUT entry plus the first 50
 * PUTs, then 50 PUTs at a time. `urn:uuid` references across chunks are rewritten: PUT identities are known from
 * their URLs, created ones from the earlier chunks' responses. The whole Bundle is validated before the first chunk;
 * the in-memory repository has no rollback either way.
 */

export const MAX_TRANSACTION_UPDATES = 50;

export type ExecuteTransaction = (bundle: fhir4.Bundle) => Promise<{ status: number; body: fhir4.Resource }>;

const isPut = (entry: fhir4.BundleEntry): boolean => entry.request?.method === 'PUT';

export function needsChunking(bundle: fhir4.Bundle): boolean {
  return (bundle.entry ?? []).filter(isPut).length > MAX_TRANSACTION_UPDATES;
}

/** Every `"reference": "urn:uuid:…"` replaced by the id the server assigned. */
export function rewriteReferences<T>(value: T, assigned: ReadonlyMap<string, string>): T {
  if (assigned.size === 0) return value;
  const walk = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(walk);
    if (item && typeof item === 'object') {
      return Object.fromEntries(
        Object.entries(item as Record<string, unknown>).map(([key, child]) => [
          key,
          key === 'reference' && typeof child === 'string' && assigned.has(child) ? assigned.get(child) : walk(child),
        ]),
      );
    }
    return item;
  };
  return walk(value) as T;
}

/** `Patient/p1` from `Patient/p1/_history/3` or an absolute location. */
function referenceOf(location: string): string | undefined {
  const match = /([A-Z][A-Za-z]+)\/([A-Za-z0-9.-]{1,64})(?:\/_history\/[^/]+)?$/.exec(location);
  return match ? `${match[1]}/${match[2]}` : undefined;
}

function chunkIndexes(entries: fhir4.BundleEntry[]): number[][] {
  const others = entries.flatMap((entry, index) => (isPut(entry) ? [] : [index]));
  const puts = entries.flatMap((entry, index) => (isPut(entry) ? [index] : []));
  const chunks: number[][] = [];
  for (let start = 0; start < puts.length; start += MAX_TRANSACTION_UPDATES) {
    chunks.push([...(start === 0 ? others : []), ...puts.slice(start, start + MAX_TRANSACTION_UPDATES)]);
  }
  return chunks;
}

export async function runChunkedTransaction(bundle: fhir4.Bundle, execute: ExecuteTransaction): Promise<{ status: number; body: fhir4.Resource }> {
  const entries = bundle.entry ?? [];
  const assigned = new Map<string, string>();
  for (const entry of entries) {
    const url = entry.request?.url;
    if (isPut(entry) && entry.fullUrl?.startsWith('urn:uuid:') && url && !url.includes('?')) assigned.set(entry.fullUrl, url);
  }
  const results: fhir4.BundleEntry[] = new Array<fhir4.BundleEntry>(entries.length);
  const chunks = chunkIndexes(entries);
  for (const [number, indexes] of chunks.entries()) {
    const chunk: fhir4.Bundle = { resourceType: 'Bundle', type: 'transaction', entry: indexes.map((index) => rewriteReferences(entries[index] as fhir4.BundleEntry, assigned)) };
    const { status, body } = await execute(chunk);
    const response = body as fhir4.Bundle;
    if (status >= 300 || response.resourceType !== 'Bundle') {
      const outcome = body as fhir4.OperationOutcome;
      const note: fhir4.OperationOutcomeIssue = {
        severity: 'warning',
        code: 'incomplete',
        diagnostics: `Transaction of ${entries.length} entries run in ${chunks.length} parts (over ${MAX_TRANSACTION_UPDATES} PUTs); part ${number + 1} failed, earlier parts were written`,
      };
      const failed: fhir4.OperationOutcome = { resourceType: 'OperationOutcome', issue: [...(outcome.resourceType === 'OperationOutcome' ? outcome.issue : []), note] };
      return { status, body: failed };
    }
    (response.entry ?? []).forEach((result, position) => {
      const index = indexes[position];
      if (index === undefined) return;
      results[index] = result;
      const fullUrl = entries[index]?.fullUrl;
      const reference = result.response?.location ? referenceOf(result.response.location) : undefined;
      if (fullUrl?.startsWith('urn:uuid:') && reference && !assigned.has(fullUrl)) assigned.set(fullUrl, reference);
    });
  }
  const done: fhir4.Bundle = { resourceType: 'Bundle', type: 'transaction-response', entry: results };
  return { status: 200, body: done };
}
