import type { JSONWebKeySet } from 'jose';
import { createAjv } from '../common/json-schema.js';
import { checkStartupDocument, StartupError } from '../common/startup.js';
import { readJsonFile } from '../common/startup-file.js';

/**
 * Asymmetric JWS algorithms a CDS client may sign with (CDS Hooks 2.0 "Trusting CDS Clients": never `none`,
 * never HMAC; ES384 and RS384 recommended). The per-client `algs` list can only narrow this set.
 */
export const ASYMMETRIC_ALGS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const;
export type AsymmetricAlg = (typeof ASYMMETRIC_ALGS)[number];

/** One trusted CDS client (an EHR) as configured in `CDS_CLIENTS_FILE`. */
export interface TrustedClient {
  /** The JWT `iss` this client signs with (exact string match). */
  iss: string;
  /** Static public keys, communicated out-of-band (e.g. the CDS Hooks Sandbox). */
  jwks?: JSONWebKeySet;
  /** The one JWK Set URL (`jku`) this client's keys are fetched from. */
  jku?: string;
  /** When set, the JWT `tenant` claim must equal it. */
  tenant?: string;
  /** Allowed `alg` values for this client (default: every asymmetric alg in ASYMMETRIC_ALGS). */
  algs?: AsymmetricAlg[];
}

export interface ClientsFile {
  clients: TrustedClient[];
}

const publicJwk = {
  type: 'object',
  required: ['kty', 'kid'],
  properties: {
    kty: { enum: ['EC', 'RSA'] },
    kid: { type: 'string', minLength: 1 },
    alg: { enum: [...ASYMMETRIC_ALGS] },
    use: { const: 'sig' },
    // A private key or a symmetric secret has no place in a trust list.
    d: false,
    p: false,
    q: false,
    dp: false,
    dq: false,
    qi: false,
    k: false,
  },
};

/** contract §5: `{"clients":[{"iss","jwks":{keys}} | {"iss","jku":"https://..."}]}`, plus optional `tenant` and `algs`. */
export const clientsFileSchema = {
  type: 'object',
  required: ['clients'],
  properties: {
    $comment: { type: 'string' },
    clients: {
      type: 'array',
      items: {
        type: 'object',
        required: ['iss'],
        additionalProperties: false,
        properties: {
          $comment: { type: 'string' },
          iss: { type: 'string', minLength: 1 },
          jwks: {
            type: 'object',
            required: ['keys'],
            properties: { keys: { type: 'array', minItems: 1, items: publicJwk } },
          },
          jku: { type: 'string', format: 'uri', pattern: '^https://' },
          tenant: { type: 'string', minLength: 1 },
          algs: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: [...ASYMMETRIC_ALGS] } },
        },
        oneOf: [{ required: ['jwks'] }, { required: ['jku'] }],
      },
    },
  },
} as const;

/** Reads and checks `CDS_CLIENTS_FILE` once at start-up. Throws a StartupError naming the file and the field. */
export function loadClientsFile(path: string): ClientsFile {
  return parseClientsFile(readJsonFile('CDS_CLIENTS_FILE', path), path);
}

const validateClientsFile = createAjv().compile(clientsFileSchema);

export function parseClientsFile(document: unknown, source: string): ClientsFile {
  checkStartupDocument(`CDS_CLIENTS_FILE ${source}`, document, validateClientsFile, { messages: { oneOf: 'needs exactly one of "jwks" (static keys) or "jku" (key set URL)' } });
  const file = document as unknown as ClientsFile;
  const seen = new Set<string>();
  file.clients.forEach((client, index) => {
    if (seen.has(client.iss)) throw new StartupError(`CDS_CLIENTS_FILE ${source}: clients[${index}].iss "${client.iss}" is listed twice`);
    seen.add(client.iss);
    const kids = new Set<string>();
    client.jwks?.keys.forEach((key, keyIndex) => {
      const kid = String(key.kid);
      if (kids.has(kid)) throw new StartupError(`CDS_CLIENTS_FILE ${source}: clients[${index}].jwks.keys[${keyIndex}].kid "${kid}" is not unique`);
      kids.add(kid);
    });
  });
  return file;
}
