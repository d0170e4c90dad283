import http from 'node:http';

/** Counts FHIR requests and the most in flight at once, for a stub or in front of a real server. */
export class FhirTraffic {
  requests = 0;
  inFlight = 0;
  maxInFlight = 0;

  begin(): void {
    this.requests += 1;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
  }

  end(): void {
    this.inFlight -= 1;
  }

  reset(): void {
    this.requests = 0;
    this.maxInFlight = 0;
  }
}

export interface Listening {
  baseUrl: string;
  traffic: FhirTraffic;
  close(): Promise<void>;
}

function listen(server: http.Server, traffic: FhirTraffic): Promise<Listening> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ baseUrl: `http://127.0.0.1:${port}/fhir`, traffic, close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }) });
    });
  });
}

/**
 * A FHIR stub that answers after a fixed delay with the fixture's resources: `Patient/{id}` reads, and for any
 * search a searchset of the resources of that type. It does no filtering: it measures the service, not a server.
 */
export function startDelayStub(bundle: fhir4.Bundle, delayMs: number): Promise<Listening> {
  const traffic = new FhirTraffic();
  const resources = (bundle.entry ?? []).map((e) => e.resource!).filter(Boolean);
  const byType = new Map<string, string>();
  for (const type of new Set(resources.map((r) => r.resourceType))) {
    const entry = resources.filter((r) => r.resourceType === type).map((resource) => ({ resource, search: { mode: 'match' } }));
    byType.set(type, JSON.stringify({ resourceType: 'Bundle', type: 'searchset', total: entry.length, entry }));
  }
  const empty = JSON.stringify({ resourceType: 'Bundle', type: 'searchset', total: 0 });
  const server = http.createServer((req, res) => {
    traffic.begin();
    const path = (req.url ?? '').replace(/^\/fhir\//, '').split('?')[0] ?? '';
    const [type = '', id] = path.split('/');
    const body = id ? JSON.stringify(resources.find((r) => r.resourceType === type && r.id === id) ?? { resourceType: 'OperationOutcome', issue: [] }) : byType.get(type) ?? empty;
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      res.end(body, () => traffic.end());
    }, delayMs);
  });
  server.keepAliveTimeout = 60_000;
  return listen(server, traffic);
}

/** A counting pass-through proxy in front of a real FHIR server. */
export function startCountingProxy(targetBaseUrl: string): Promise<Listening> {
  const traffic = new FhirTraffic();
  const target = new URL(targetBaseUrl);
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    traffic.begin();
    const path = (req.url ?? '').replace(/^\/fhir/, target.pathname);
    const upstream = http.request({ host: target.hostname, port: target.port, path, method: req.method, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on('end', () => traffic.end());
    });
    upstream.on('error', () => {
      traffic.end();
      res.writeHead(502).end();
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 60_000;
  return listen(server, traffic);
}
