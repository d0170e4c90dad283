/**
 * Several copies of one resource (same type and id) in one call: across keys, pages, or a repeated entry.
 * Identical copies are one resource. Copies that differ are never decided by entry order: the newest version by
 * `meta.lastUpdated` (else integer `meta.versionId`) wins and says how many it superseded; when no version orders
 * them, every differing copy is kept (the record builder treats them as same-time results: the worse one counts).
 */
import { canonicalJson } from '../common/canonical-json.js';

export interface ResourceItem {
  resource: fhir4.FhirResource;
  /** The prefetch key it was read under. */
  key: string;
  /** Older versions of this resource that were set aside. */
  superseded?: number;
  /** Set on each of several differing copies that no version orders: how many there are. */
  copies?: number;
}

/** The resource as canonical JSON without its `meta` (a copy differs by content, not by its version stamp). */
const canonical = (resource: fhir4.FhirResource): string => canonicalJson({ ...resource, meta: undefined });

/** A number that orders the copies' versions, or undefined when the copies cannot all be ordered the same way. */
function versionStamps(resources: fhir4.FhirResource[]): number[] | undefined {
  const updated = resources.map((r) => (typeof r.meta?.lastUpdated === 'string' ? Date.parse(r.meta.lastUpdated) : Number.NaN));
  if (updated.every((ms) => Number.isFinite(ms))) return updated;
  const versions = resources.map((r) => (typeof r.meta?.versionId === 'string' && /^\d{1,15}$/.test(r.meta.versionId) ? Number(r.meta.versionId) : Number.NaN));
  return versions.every((v) => Number.isFinite(v)) ? versions : undefined;
}

function resolveGroup(group: ResourceItem[]): ResourceItem[] {
  if (group.length === 1) return group;
  const texts = group.map((item) => canonical(item.resource));
  const distinct = [...new Set(texts)].sort();
  if (distinct.length === 1) return [group[0]!];
  const stamps = versionStamps(group.map((item) => item.resource));
  if (stamps) {
    const newest = Math.max(...stamps);
    const winners = new Set(texts.filter((_, i) => stamps[i] === newest));
    if (winners.size === 1) {
      const index = stamps.indexOf(newest);
      return [{ ...group[index]!, superseded: distinct.length - 1 }];
    }
  }
  // No version tells which copy is current: keep each differing copy once, in an order that ignores entry order.
  return distinct.map((text) => ({ ...group[texts.indexOf(text)]!, copies: distinct.length }));
}

/** Each resource once by type/id (see above); resources without an id are all kept. Groups keep first-seen order. */
export function distinctResources(items: readonly ResourceItem[]): ResourceItem[] {
  const groups = new Map<string, ResourceItem[]>();
  const out: (ResourceItem | ResourceItem[])[] = [];
  for (const item of items) {
    const id = item.resource.id;
    if (typeof id !== 'string' || id === '') {
      out.push(item);
      continue;
    }
    const typeId = `${item.resource.resourceType}/${id}`;
    const group = groups.get(typeId);
    if (group) group.push(item);
    else {
      const fresh = [item];
      groups.set(typeId, fresh);
      out.push(fresh);
    }
  }
  return out.flatMap((entry) => (Array.isArray(entry) ? resolveGroup(entry) : [entry]));
}
