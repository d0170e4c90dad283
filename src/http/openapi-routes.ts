/**
 * GET /openapi.json (contract §9), built once at start-up and served without authentication: it describes only what
 * the repository and discovery already publish (paths, schemas, prefetch templates), no patient data, no secret, and
 * code generators and API gateways fetch it without a CDS client's JWT. The CDS Hooks specification does not ask for
 * it, so it adds no duty to discovery's authentication.
 * GET /openapi, outside production only: the same document as a browsable page (server-rendered, no script).
 */
import express from 'express';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceRegistry } from '../cds-hooks/service-registry.js';
import { PACKAGE_ROOT, type AppConfig } from '../config.js';
import { notes } from './request-notes.js';
import { buildOpenApiDocument, type JsonObject } from './openapi.js';

function packageVersion(): string {
  try {
    return String((JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: unknown }).version ?? '0.0.0');
  } catch {
    return '0.0.0';
  }
}

export function openApiRoutes(deps: { registry: ServiceRegistry; config: AppConfig }): express.Router {
  const { config } = deps;
  const document = buildOpenApiDocument(deps.registry, {
    publicBaseUrl: config.publicBaseUrl,
    clientAuthentication: config.cdsClientsFile !== undefined,
    version: packageVersion(),
  });
  const body = JSON.stringify(document);
  const router = express.Router();
  router.get('/openapi.json', (_req, res) => {
    notes(res).route = 'openapi';
    res.type('application/json').send(body);
  });
  if (!config.production) {
    const page = referencePage(document);
    router.get('/openapi', (_req, res) => {
      notes(res).route = 'openapi-page';
      res.type('html').send(page);
    });
    router.get('/openapi.css', (_req, res) => {
      res.type('css').send(PAGE_CSS);
    });
  }
  return router;
}

const PAGE_CSS = `body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1b1f24}
h2{border-bottom:1px solid #ccd;margin-top:2.5rem}h3{margin:1.5rem 0 .3rem}code,pre{font:13px ui-monospace,monospace}
pre{background:#f4f5f7;padding:.6rem;overflow:auto;max-height:28rem}.method{display:inline-block;min-width:4.5rem;font-weight:600;text-transform:uppercase}
.get{color:#0a6}.post{color:#05c}.options{color:#777}table{border-collapse:collapse}td,th{border:1px solid #ccd;padding:.2rem .5rem;text-align:left;vertical-align:top}
details{margin:.3rem 0}summary{cursor:pointer}`;

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Pretty JSON with each `$ref` a link to its component on the same page. */
function schemaHtml(schema: unknown): string {
  return escapeHtml(JSON.stringify(schema, null, 2)).replace(
    /&quot;#\/components\/schemas\/([A-Za-z0-9._-]+)&quot;/g,
    (_match, name: string) => `<a href="#schema-${name}">&quot;#/components/schemas/${name}&quot;</a>`,
  );
}

function contentHtml(content: unknown): string {
  return Object.entries((content ?? {}) as Record<string, { schema?: unknown }>)
    .map(([type, media]) => `<details><summary><code>${escapeHtml(type)}</code></summary><pre>${schemaHtml(media.schema)}</pre></details>`)
    .join('');
}

function operationHtml(path: string, method: string, operation: JsonObject): string {
  const responses = Object.entries((operation.responses ?? {}) as Record<string, { description?: string; content?: unknown }>)
    .map(([status, response]) => `<tr><td>${escapeHtml(status)}</td><td>${escapeHtml(response.description ?? '')}${contentHtml(response.content)}</td></tr>`)
    .join('');
  const requestBody = (operation.requestBody as { content?: unknown } | undefined)?.content;
  const parameters = (operation.parameters ?? []) as { name: string; in: string; description?: string }[];
  return [
    `<h3><span class="method ${escapeHtml(method)}">${escapeHtml(method)}</span> <code>${escapeHtml(path)}</code></h3>`,
    `<p>${escapeHtml(String(operation.summary ?? ''))}</p>`,
    operation.description ? `<p>${escapeHtml(String(operation.description))}</p>` : '',
    Array.isArray(operation.security) && operation.security.length > 0 ? `<p>Authentication: ${escapeHtml(operation.security.map((s) => Object.keys(s as object).join(' + ')).join(' or '))}</p>` : '<p>No authentication.</p>',
    parameters.length > 0 ? `<p>Parameters: ${parameters.map((p) => `<code>${escapeHtml(p.name)}</code> (${escapeHtml(p.in)}${p.description ? `: ${escapeHtml(p.description)}` : ''})`).join(', ')}</p>` : '',
    requestBody ? `<p>Request body:</p>${contentHtml(requestBody)}` : '',
    `<table><tr><th>Status</th><th>Answer</th></tr>${responses}</table>`,
  ].join('\n');
}

function referencePage(document: JsonObject): string {
  const info = document.info as { title: string; version: string; description?: string };
  const paths = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => ['get', 'post', 'options'].includes(method))
      .map(([method, operation]) => operationHtml(path, method, operation as JsonObject)),
  );
  const schemas = Object.entries((document.components as { schemas: Record<string, unknown> }).schemas).map(
    ([name, schema]) => `<h3 id="schema-${escapeHtml(name)}">${escapeHtml(name)}</h3><pre>${schemaHtml(schema)}</pre>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(info.title)} API reference</title><link rel="stylesheet" href="/openapi.css"></head>
<body>
<h1>${escapeHtml(info.title)} ${escapeHtml(info.version)}: API reference</h1>
<p>${escapeHtml(info.description ?? '')}</p>
<p>The machine-readable document: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). This page is served in development only.</p>
<h2>Endpoints</h2>
${paths.join('\n')}
<h2>Schemas</h2>
${schemas.join('\n')}
</body></html>
`;
}
