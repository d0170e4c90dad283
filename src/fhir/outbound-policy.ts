/**
 * Where outbound FHIR requests may go: FHIR_SERVER_ALLOWLIST matched on normalised URLs, and (in production) no
 * loopback, link-local or private addresses for servers that are not allow-listed.
 */
import { BlockList, isIP } from 'node:net';

interface AllowedBase {
  origin: string;
  segments: string[];
}

/**
 * The path segments of a WHATWG-normalised URL (dot segments, `%2e%2e` included, are already resolved by the
 * parser), or undefined when a segment could still mean something else to a server that decodes before it resolves
 * (`..%2f`, `%5c`, an encoded `.`/`..`): such paths are never taken as being under an allowed base.
 */
function segmentsOf(url: URL): string[] | undefined {
  const segments = url.pathname.split('/').slice(1);
  if (segments.at(-1) === '') segments.pop();
  for (const segment of segments) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return undefined;
    }
    if (decoded === '.' || decoded === '..' || decoded.includes('/') || decoded.includes('\\')) return undefined;
  }
  return segments;
}

/** FHIR_SERVER_ALLOWLIST, parsed once: each entry an exact origin plus a path-segment prefix. */
export class ServerAllowlist {
  private readonly bases: AllowedBase[];
  /** Whether a list was given at all (none = any server); entries that are not URLs still count, and allow nothing. */
  readonly configured: boolean;

  constructor(entries: readonly string[]) {
    this.configured = entries.length > 0;
    this.bases = entries.flatMap((entry): AllowedBase[] => {
      let url: URL;
      try {
        url = new URL(entry);
      } catch {
        return []; // an entry that is not a URL allows nothing
      }
      const segments = segmentsOf(url);
      return segments && (url.protocol === 'https:' || url.protocol === 'http:') ? [{ origin: url.origin, segments }] : [];
    });
  }

  /** `https://a.org/fhir` allows `https://a.org/fhir` and `https://a.org/fhir/r4`, not `/fhirevil`, `/fhir/../private` or `https://a.org.evil`. */
  allows(url: URL): boolean {
    const segments = segmentsOf(url);
    if (!segments || url.username !== '' || url.password !== '') return false;
    return this.bases.some((base) => base.origin === url.origin && base.segments.length <= segments.length && base.segments.every((segment, i) => segment === segments[i]));
  }
}

const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local host
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata endpoints
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** A loopback, link-local, private (or unspecified) IP address; IPv4-mapped IPv6 addresses count as their IPv4 address. */
export function isNonPublicAddress(address: string): boolean {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 0) return false;
  return NON_PUBLIC.check(bare, family === 6 ? 'ipv6' : 'ipv4');
}

/** Why outbound requests to this server are refused, or undefined when it may be used. */
export function serverProblem(
  fhirServer: string | undefined,
  options: { fhirServerAllowlist: readonly string[]; production: boolean },
  allowlist = new ServerAllowlist(options.fhirServerAllowlist),
): { message: string; refused: boolean } | undefined {
  if (fhirServer === undefined || fhirServer === '') return { message: 'no fhirServer was given to fetch it from', refused: false };
  let url: URL;
  try {
    url = new URL(fhirServer);
  } catch {
    return { message: 'fhirServer is not a URL', refused: true };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { message: 'fhirServer is not an http(s) URL', refused: true };
  if (url.username !== '' || url.password !== '') return { message: 'fhirServer must not carry credentials', refused: true };
  if (options.production && url.protocol !== 'https:') return { message: 'fhirServer must use https in production', refused: true };
  if (allowlist.configured && !allowlist.allows(url)) {
    return { message: 'fhirServer is not on FHIR_SERVER_ALLOWLIST; no request was made', refused: true };
  }
  return undefined;
}
