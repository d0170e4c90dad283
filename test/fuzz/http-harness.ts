import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import type { ComposedService } from '../../src/compose.js';
import { cardInvariantViolations } from '../../src/cds-hooks/card-invariants.js';
import { testService } from '../helpers/service.js';

/**
 * The whole service on a real loopback socket, called with fetch over kept-alive connections (thousands of calls
 * per test stay fast). Outbound network is blocked by nock except loopback, so a mutated `fhirServer` fails fast.
 */
export interface Harness {
  base: string;
  service: ComposedService;
  close(): Promise<void>;
}

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  const service = await testService({ FHIR_TIMEOUT_MS: '300', HOOK_DEADLINE_MS: '600', ...env });
  const server: Server = createServer(service.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    service,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await service.close();
      nock.enableNetConnect();
    },
  };
}

export interface Outcome {
  status: number;
  contentType: string;
  body: unknown;
  text: string;
}

export async function send(base: string, path: string, body: string | undefined, method = 'POST', contentType = 'application/json'): Promise<Outcome> {
  const res = await fetch(base + path, { method, headers: body === undefined ? {} : { 'content-type': contentType }, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: parsed, text };
}

/**
 * The HTTP contract for any input: never a 5xx, always a JSON body with a JSON content type, an OperationOutcome
 * with at least one issue on every non-2xx, `{cards: [...]}` (each card well-formed) or `{}` on 2xx.
 * Returns a list of violations (empty when the answer is fine), so fast-check can report the input.
 */
export function contractViolations(outcome: Outcome, kind: 'hook' | 'feedback'): string[] {
  const problems: string[] = [];
  if (outcome.status >= 500) problems.push(`status ${outcome.status}: ${outcome.text.slice(0, 300)}`);
  if (!/^application\/(fhir\+)?json/.test(outcome.contentType)) problems.push(`content-type "${outcome.contentType}"`);
  if (outcome.body === undefined) problems.push(`body is not JSON: ${outcome.text.slice(0, 200)}`);
  const body = outcome.body as Record<string, any> | undefined;
  if (outcome.status >= 300) {
    if (body?.resourceType !== 'OperationOutcome' || !Array.isArray(body.issue) || body.issue.length === 0) problems.push(`non-2xx without an OperationOutcome: ${outcome.text.slice(0, 200)}`);
    else if (body.issue.some((issue: any) => typeof issue?.diagnostics !== 'string' || issue.diagnostics === '')) problems.push('an issue without diagnostics');
  } else if (kind === 'hook') {
    if (!Array.isArray(body?.cards)) problems.push('2xx hook answer without a cards array');
    else for (const card of body.cards) problems.push(...cardInvariantViolations(card));
  } else if (JSON.stringify(body) !== '{}') {
    problems.push(`feedback 2xx body is not {}: ${outcome.text.slice(0, 100)}`);
  }
  return problems;
}
