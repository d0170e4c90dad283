/**
 * Serves the minimal CDS Hooks client page (dev/cds-client/static/) on loopback, at its own origin, so the browser
 * calls hcc-cds and the FHIR server cross-origin exactly as it calls them from the CDS Hooks Sandbox. With a signing
 * key it also serves `client-key.json` (a throwaway private key, dev only) for the page to sign its JWTs with.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { PACKAGE_ROOT } from '../../src/config.js';
import { DEV_STATIC_DIR } from '../dev-static.js';

export const CDS_CLIENT_DIR = join(PACKAGE_ROOT, 'dev', 'cds-client', 'static');
const MARKED_ESM = join(PACKAGE_ROOT, 'node_modules', 'marked', 'lib', 'marked.esm.js');

/** What the page signs with: `iss` and `kid` as registered in the service's CDS_CLIENTS_FILE, the private JWK. */
export interface ClientSigningKey {
  iss: string;
  kid: string;
  jwk: JWK;
}

export interface RunningCdsClient {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  close(): Promise<void>;
}

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: join(CDS_CLIENT_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  '/client.js': { file: join(CDS_CLIENT_DIR, 'client.js'), type: 'text/javascript; charset=utf-8' },
  '/dom.js': { file: join(DEV_STATIC_DIR, 'dom.js'), type: 'text/javascript; charset=utf-8' },
  '/client.css': { file: join(CDS_CLIENT_DIR, 'client.css'), type: 'text/css; charset=utf-8' },
  '/vendor/marked.esm.js': { file: MARKED_ESM, type: 'text/javascript; charset=utf-8' },
};

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src http://127.0.0.1:* http://localhost:* 'self'";

export async function startCdsClientServer(options: { port?: number; signingKey?: ClientSigningKey } = {}): Promise<RunningCdsClient> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET') {
      res.writeHead(405, { Allow: 'GET' }).end();
      return;
    }
    if (path === '/client-key.json' && options.signingKey) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(options.signingKey));
      return;
    }
    const entry = FILES[path];
    if (!entry) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    readFile(entry.file).then(
      (body) => res.writeHead(200, { 'Content-Type': entry.type, 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store' }).end(body),
      () => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`cannot read ${path}`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
