import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { ComposedService } from '../../src/compose.js';
import { tempDir } from '../helpers/service.js';

export interface TestKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function testKey(alg: 'ES384' | 'RS384' | 'ES256' | 'PS256', kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export interface TokenOptions {
  iss: string;
  aud: string | string[];
  /** Seconds since epoch; default now + 300. */
  exp?: number;
  iat?: number;
  jti?: string;
  tenant?: string;
  typ?: string | null;
  kid?: string;
  jku?: string;
  /** Claims to leave out. */
  omit?: ('exp' | 'iat' | 'jti' | 'aud')[];
}

export const nowSec = (): number => Math.floor(Date.now() / 1000);

export async function signToken(key: TestKey, options: TokenOptions): Promise<string> {
  const omit = new Set(options.omit ?? []);
  const payload: Record<string, unknown> = {
    iss: options.iss,
    ...(omit.has('aud') ? {} : { aud: options.aud }),
    ...(omit.has('exp') ? {} : { exp: options.exp ?? nowSec() + 300 }),
    ...(omit.has('iat') ? {} : { iat: options.iat ?? nowSec() }),
    ...(omit.has('jti') ? {} : { jti: options.jti ?? randomUUID() }),
    ...(options.tenant ? { tenant: options.tenant } : {}),
  };
  // typ: undefined -> "JWT"; null -> no typ header at all.
  const header: Record<string, unknown> = { alg: key.alg, ...(options.typ === null ? {} : { typ: options.typ ?? 'JWT' }), kid: options.kid ?? key.kid, ...(options.jku ? { jku: options.jku } : {}) };
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned token (`alg: none`). */
export function unsignedToken(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  return `${b64url(header)}.${b64url(payload)}.`;
}

/** An HS256 token signed with a shared secret. */
export async function hmacToken(kid: string, options: TokenOptions): Promise<string> {
  return new SignJWT({ iss: options.iss, aud: options.aud, exp: nowSec() + 300, iat: nowSec(), jti: randomUUID() })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid })
    .sign(new TextEncoder().encode('a-shared-secret-that-must-never-be-accepted'));
}

export function writeClientsFile(document: unknown): string {
  const path = join(tempDir('hcc-cds-clients-'), 'cds-clients.json');
  writeFileSync(path, JSON.stringify(document, null, 2));
  return path;
}

/** Rejected-token counts by reason, from the service's own Prometheus registry. */
export async function authFailures(service: ComposedService): Promise<Record<string, number>> {
  const metric = await service.metrics.authFailures.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels.reason), v.value]));
}

export const UNAUTHORIZED_BODY = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', diagnostics: 'unauthorized' }] };
