import type { Request } from 'express';

/** The client a request was authenticated as: its registered `iss`, and the JWT's `tenant` claim when it sent one. */
export interface AuthenticatedClient {
  iss: string;
  tenant?: string;
}

/**
 * Checks that a request comes from a trusted CDS client (CDS Hooks 2.0 "Trusting CDS Clients").
 * Resolves with the client when trusted (undefined when authentication is off); rejects with an `unauthorized`
 * outcome otherwise. The reason goes to the log, never to the caller.
 */
export interface ClientAuthenticator {
  readonly enabled: boolean;
  authenticate(req: Request, audience: string): Promise<AuthenticatedClient | undefined>;
}

/** No client authentication (no CDS_CLIENTS_FILE): every caller is trusted. */
export const openAccess: ClientAuthenticator = {
  enabled: false,
  authenticate: async () => undefined,
};
