import type { Request } from 'express';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  importJWK,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { StartupError } from '../common/startup.js';
import type { AuthenticatedClient, ClientAuthenticator } from './client-auth.js';
import type { Metrics } from '../common/metrics.js';
import { unauthorized } from '../common/outcomes.js';
import { collapseRepeatedSlashes } from '../common/repeated-slashes.js';
import { StoreUnavailableError } from '../store/types.js';
import { ASYMMETRIC_ALGS, type ClientsFile, type TrustedClient } from './clients-file.js';
import { MemoryReplayStore, type ReplayStore } from './replay-cache.js';

/** Why a token was refused: a fixed vocabulary, so logs and the `reason` metric label never carry caller input. */
export const AUTH_FAILURE_REASONS = [
  'missing-token',
  'malformed-token',
  'alg-not-allowed',
  'typ-not-jwt',
  'kid-missing',
  'unknown-iss',
  'jku-not-allowed',
  'unknown-kid',
  'bad-signature',
  'jwks-timeout',
  'jwks-unavailable',
  'expired',
  'not-yet-valid',
  'claim-missing',
  'claim-invalid',
  'iat-in-future',
  'exp-too-far',
  'aud-mismatch',
  'tenant-mismatch',
  'replayed-jti',
  'replay-quota-exceeded',
] as const;

export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

export interface JwtAuthenticatorOptions {
  metrics?: Metrics;
  /** Allowed clock difference between the EHR and us, seconds (default 60). */
  clockSkewSec?: number;
  /** Longest accepted token lifetime (`exp` - now), seconds (default 300: the spec's suggested 5 minutes). */
  maxTokenLifetimeSec?: number;
  /** JWKS fetch timeout (default 3000 ms). */
  jwksTimeoutMs?: number;
  /** After a successful JWKS fetch, an unknown `kid` triggers a refetch only after this long (default 30 s). */
  jwksCooldownMs?: number;
  /** A fetched JWKS is refetched after this long (default 10 min). */
  jwksCacheMaxAgeMs?: number;
  /** Most live `jti`s remembered per issuer (default 30 000); see replay-cache.ts for the over-quota policy. */
  replayQuotaPerIssuer?: number;
  /** The replay store (default: in process); a shared one lets several instances refuse each other's replays. */
  replayStore?: ReplayStore;
  /** Clock, for tests. */
  now?: () => number;
}

interface ClientVerifier {
  client: TrustedClient;
  algorithms: string[];
  keys: JWTVerifyGetKey;
}

class AuthFailure extends Error {
  constructor(readonly reason: AuthFailureReason) {
    super(reason);
  }
}

const BEARER = /^Bearer[ ]+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)[ ]*$/i;
const MAX_TOKEN_CHARS = 16 * 1024;
const MAX_JTI_CHARS = 256;

/**
 * `aud` and the expected URL compared without trailing slashes, scheme and host case-insensitive, and with repeated
 * slashes in the path collapsed: the service serves `/cds-services//x` as `/cds-services/x` (repeated-slashes.ts),
 * so a client that called `//` may name the endpoint as it called it or as normalised.
 */
export function normalizeAudience(value: string): string {
  try {
    const url = new URL(value);
    return `${url.origin}${collapseRepeatedSlashes(url.pathname)}${url.search}`.replace(/\/+$/, '');
  } catch {
    return value.replace(/\/+$/, '');
  }
}

/**
 * CDS Hooks 2.0 "Trusting CDS Clients": every discovery, service and feedback call carries a JWT signed by a
 * trusted EHR. Everything (key sets, algorithm lists, the replay cache) is built once, at start-up.
 */
export class JwtClientAuthenticator implements ClientAuthenticator {
  readonly enabled = true;
  private readonly verifiers = new Map<string, ClientVerifier>();
  private readonly replay: ReplayStore;
  private readonly skewSec: number;
  private readonly maxLifetimeSec: number;
  private readonly now: () => number;
  private readonly metrics?: Metrics;

  constructor(file: ClientsFile, options: JwtAuthenticatorOptions = {}) {
    this.skewSec = options.clockSkewSec ?? 60;
    this.maxLifetimeSec = options.maxTokenLifetimeSec ?? 300;
    this.now = options.now ?? Date.now;
    this.metrics = options.metrics;
    this.replay = options.replayStore ?? new MemoryReplayStore(options.replayQuotaPerIssuer ?? 30_000, this.now);
    for (const client of file.clients) {
      const algorithms = (client.algs ?? [...ASYMMETRIC_ALGS]).filter((alg) => (ASYMMETRIC_ALGS as readonly string[]).includes(alg));
      const keys: JWTVerifyGetKey = client.jwks
        ? createLocalJWKSet(client.jwks)
        : createRemoteJWKSet(new URL(client.jku!), {
            timeoutDuration: options.jwksTimeoutMs ?? 3000,
            cooldownDuration: options.jwksCooldownMs ?? 30_000,
            cacheMaxAge: options.jwksCacheMaxAgeMs ?? 600_000,
          });
      this.verifiers.set(client.iss, { client, algorithms, keys });
    }
  }

  async authenticate(req: Request, audience: string): Promise<AuthenticatedClient> {
    try {
      return await this.verify(req.headers.authorization, audience);
    } catch (error) {
      // The replay store could not be asked (a 503 StoreUnavailableError): refused, but not the client's fault.
      if (error instanceof StoreUnavailableError) throw error;
      const reason: AuthFailureReason = error instanceof AuthFailure ? error.reason : reasonOf(error);
      this.metrics?.authFailures.inc({ reason });
      // The message is the reason code only: app.ts logs it and answers a bare "unauthorized".
      throw unauthorized(reason);
    }
  }

  private async verify(header: string | undefined, audience: string): Promise<AuthenticatedClient> {
    if (header === undefined || header.trim() === '') throw new AuthFailure('missing-token');
    if (header.length > MAX_TOKEN_CHARS) throw new AuthFailure('malformed-token');
    const token = BEARER.exec(header)?.[1];
    if (!token) throw new AuthFailure('malformed-token');

    let protectedHeader: ReturnType<typeof decodeProtectedHeader>;
    let claims: JWTPayload;
    try {
      protectedHeader = decodeProtectedHeader(token);
      claims = decodeJwt(token);
    } catch {
      throw new AuthFailure('malformed-token');
    }
    // Checked before any key is looked up or fetched.
    if (typeof protectedHeader.alg !== 'string' || !(ASYMMETRIC_ALGS as readonly string[]).includes(protectedHeader.alg)) {
      throw new AuthFailure('alg-not-allowed');
    }
    // CDS Hooks makes `typ: JWT` REQUIRED of clients, but the contract does not list it and conformance I3 leaves
    // "reject or warn" to policy: a missing typ passes, a typ that says something else does not.
    if (protectedHeader.typ !== undefined && (typeof protectedHeader.typ !== 'string' || protectedHeader.typ.replace(/^application\//i, '').toUpperCase() !== 'JWT')) {
      throw new AuthFailure('typ-not-jwt');
    }
    if (typeof protectedHeader.kid !== 'string' || protectedHeader.kid === '') throw new AuthFailure('kid-missing');
    const verifier = typeof claims.iss === 'string' ? this.verifiers.get(claims.iss) : undefined;
    if (!verifier) throw new AuthFailure('unknown-iss');
    if (!verifier.algorithms.includes(protectedHeader.alg)) throw new AuthFailure('alg-not-allowed');
    // A `jku` is honoured only when it is the URL configured for this issuer. For a client with static keys the
    // header is never fetched (the Sandbox always sends one); its keys are the configured ones.
    if (verifier.client.jku !== undefined && protectedHeader.jku !== undefined && protectedHeader.jku !== verifier.client.jku) {
      throw new AuthFailure('jku-not-allowed');
    }
    this.checkClaims(claims, audience, verifier.client);

    let verified: JWTPayload;
    try {
      verified = (
        await jwtVerify(token, verifier.keys, {
          algorithms: verifier.algorithms,
          issuer: verifier.client.iss,
          requiredClaims: ['exp', 'iat', 'jti', 'aud'],
          clockTolerance: this.skewSec,
          currentDate: new Date(this.now()),
        })
      ).payload;
    } catch (error) {
      throw new AuthFailure(reasonOf(error));
    }
    // The signed claims are the ones that count (the same bytes as decoded above, now verified).
    this.checkClaims(verified, audience, verifier.client);
    const iss = verifier.client.iss;
    const verdict = await this.replay.seen(iss, verified.jti as string, ((verified.exp as number) + this.skewSec) * 1000);
    // The issuer label is a registered `iss` from the clients file (unknown issuers never get here): bounded.
    this.metrics?.replayEntries.set({ issuer: iss }, this.replay.size(iss));
    if (verdict === 'replay') throw new AuthFailure('replayed-jti');
    if (verdict === 'over-quota') {
      this.metrics?.replayOverQuota.inc({ issuer: iss });
      throw new AuthFailure('replay-quota-exceeded');
    }
    const tenant = verified.tenant;
    return typeof tenant === 'string' && tenant !== '' ? { iss, tenant: tenant.slice(0, 256) } : { iss };
  }

  private checkClaims(claims: JWTPayload, audience: string, client: TrustedClient): void {
    const nowSec = this.now() / 1000;
    const { exp, iat, jti, aud } = claims;
    if (exp === undefined || iat === undefined || jti === undefined || aud === undefined) throw new AuthFailure('claim-missing');
    if (typeof exp !== 'number' || !Number.isFinite(exp) || typeof iat !== 'number' || !Number.isFinite(iat)) throw new AuthFailure('claim-invalid');
    if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_CHARS) throw new AuthFailure('claim-invalid');
    // contract §5: `exp` in the future, no grace (the skew is for `iat` and `nbf`, which clocks may put slightly ahead).
    if (exp <= nowSec) throw new AuthFailure('expired');
    if (exp > nowSec + this.maxLifetimeSec + this.skewSec) throw new AuthFailure('exp-too-far');
    if (iat > nowSec + this.skewSec) throw new AuthFailure('iat-in-future');
    const expected = normalizeAudience(audience);
    const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
    if (!audiences.some((value) => typeof value === 'string' && normalizeAudience(value) === expected)) throw new AuthFailure('aud-mismatch');
    if (client.tenant !== undefined && claims.tenant !== client.tenant) throw new AuthFailure('tenant-mismatch');
  }
}

/** jose's errors mapped onto the fixed reason vocabulary. */
function reasonOf(error: unknown): AuthFailureReason {
  if (error instanceof AuthFailure) return error.reason;
  if (error instanceof joseErrors.JWTExpired) return 'expired';
  if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) return 'unknown-kid';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad-signature';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'alg-not-allowed';
  if (error instanceof joseErrors.JWKSTimeout) return 'jwks-timeout';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'not-yet-valid';
    return error.reason === 'missing' ? 'claim-missing' : 'claim-invalid';
  }
  if (error instanceof joseErrors.JWKSInvalid) return 'jwks-unavailable';
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return 'malformed-token';
  if (error instanceof joseErrors.JOSENotSupported || error instanceof joseErrors.JWKInvalid) return 'bad-signature';
  // Network failures and non-200 answers from a key set URL.
  return 'jwks-unavailable';
}

/**
 * Builds the authenticator from a checked clients file, importing every static key once so that a bad key is a
 * start-up error (naming the client and key), not a 401 at the first request.
 */
export async function createJwtAuthenticator(file: ClientsFile, source: string, options: JwtAuthenticatorOptions = {}): Promise<JwtClientAuthenticator> {
  for (const [clientIndex, client] of file.clients.entries()) {
    for (const [keyIndex, key] of (client.jwks?.keys ?? []).entries()) {
      const alg = typeof key.alg === 'string' ? key.alg : key.kty === 'EC' ? ecAlg(key.crv) : 'RS384';
      try {
        await importJWK(key, alg);
      } catch (error) {
        throw new StartupError(`CDS_CLIENTS_FILE ${source}: clients[${clientIndex}].jwks.keys[${keyIndex}] (kid "${String(key.kid)}") is not a usable public key: ${(error as Error).message}`);
      }
    }
  }
  return new JwtClientAuthenticator(file, options);
}

function ecAlg(crv: unknown): string {
  return crv === 'P-256' ? 'ES256' : crv === 'P-521' ? 'ES512' : 'ES384';
}
