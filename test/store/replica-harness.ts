/** Built service processes sharing one store, called through real HTTP with signed client JWTs. */
import { request as httpRequest } from 'node:http';
import { randomUUID } from 'node:crypto';
import { signToken, testKey, writeClientsFile, type TestKey } from '../auth/jwt-helpers.js';
import { nullPrefetch, PATIENT_VIEW_KEYS, patientViewRequest } from '../helpers/requests.js';
import type { RunningServer } from '../helpers/spawn-server.js';

/** Every replica is one service to its clients: one PUBLIC_BASE_URL, so a token's `aud` fits all of them. */
export const PUBLIC_BASE = 'https://cds.hospital.example';
export const ISS = 'https://ehr.hospital.example';
export const SERVICE = '/cds-services/hcc-patient-view';
export const FEEDBACK = `${SERVICE}/feedback`;

export interface Client {
  key: TestKey;
  clientsFile: string;
  token(path: string, jti?: string): Promise<string>;
}

export async function trustedClient(): Promise<Client> {
  const key = await testKey('ES384', 'ehr-key');
  const clientsFile = writeClientsFile({ clients: [{ iss: ISS, jwks: { keys: [key.publicJwk] } }] });
  return { key, clientsFile, token: (path, jti = randomUUID()) => signToken(key, { iss: ISS, aud: PUBLIC_BASE + path, jti }) };
}

export interface Answer {
  status: number;
  body: any;
}

/** One request over a new connection (so that under node:cluster successive calls reach different workers). */
export function call(server: RunningServer, method: 'GET' | 'POST', path: string, options: { token?: string; body?: unknown; timeoutMs?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        method,
        path,
        agent: false,
        headers: {
          connection: 'close',
          ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
        timeout: options.timeoutMs ?? 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON (metrics)
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export const hookBody = (): Record<string, unknown> =>
  patientViewRequest({
    hookInstance: randomUUID(),
    prefetch: { ...nullPrefetch(PATIENT_VIEW_KEYS), patient: { resourceType: 'Patient', id: 'p1', gender: 'male', birthDate: '1958-04-02' } },
  });

export const feedbackBatch = (size: number): { feedback: { card: string; outcome: string; outcomeTimestamp: string; [key: string]: unknown }[] } => ({
  feedback: Array.from({ length: size }, (_, i) => ({
    card: randomUUID(),
    outcome: i % 2 === 0 ? 'accepted' : 'overridden',
    outcomeTimestamp: new Date().toISOString(),
    ...(i % 2 === 0 ? { acceptedSuggestions: [{ id: randomUUID() }] } : { overrideReason: { userComment: `comment ${i}` } }),
  })),
});

export function isOperationOutcome(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { resourceType?: unknown }).resourceType === 'OperationOutcome';
}
