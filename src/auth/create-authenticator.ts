import type { Logger } from 'pino';
import type { AppConfig } from '../config.js';
import { openAccess, type ClientAuthenticator } from './client-auth.js';
import type { Metrics } from '../common/metrics.js';
import { loadClientsFile } from './clients-file.js';
import { createJwtAuthenticator, type JwtAuthenticatorOptions } from './jwt-authenticator.js';

/**
 * The client authenticator for this configuration, built once at start-up: JWT checks when CDS_CLIENTS_FILE is set
 * (a bad file is a StartupError naming the file and field), open access otherwise (server.ts warns, or refuses in
 * production without CDS_ALLOW_UNAUTHENTICATED=true).
 */
export async function createClientAuthenticator(
  config: AppConfig,
  deps: { metrics: Metrics; logger: Logger },
  options: Omit<JwtAuthenticatorOptions, 'metrics'> = {},
): Promise<ClientAuthenticator> {
  if (!config.cdsClientsFile) return openAccess;
  const file = loadClientsFile(config.cdsClientsFile);
  const auth = await createJwtAuthenticator(file, config.cdsClientsFile, {
    jwksTimeoutMs: config.fhirTimeoutMs,
    maxTokenLifetimeSec: config.jwtMaxLifetimeSec,
    replayQuotaPerIssuer: config.jwtReplayQuotaPerIssuer,
    ...options,
    metrics: deps.metrics,
  });
  deps.logger.info(
    { clients: file.clients.length, staticKeys: file.clients.filter((c) => c.jwks).length, keySetUrls: file.clients.filter((c) => c.jku).length },
    'CDS client authentication is ON (JWT)',
  );
  return auth;
}
