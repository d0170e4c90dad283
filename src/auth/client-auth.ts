import type { Request } from 'express';

/**
 * Checks that a request comes from a trusted CDS client (CDS Hooks 2.0 "Trusting CDS Clients").
 * Resolves when trusted; rejects with an `unauthorized` outcome otherwise. The reason goes to the log, never to the caller.
 */
export interface ClientAuthenticator {
  readonly enabled: boolean;
  authenticate(req: Request, audience: string): Promise<void>;
}

/** No client authentication (no CDS_CLIENTS_FILE): every caller is trusted. */
export const openAccess: ClientAuthenticator = {
  enabled: false,
  authenticate: async () => undefined,
};
