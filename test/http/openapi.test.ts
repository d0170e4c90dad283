/**
 * GET /openapi.json (contract §9): the document itself (OpenAPI 3.1 structure, every schema valid JSON Schema
 * 2020-12, every $ref resolving, the paths of contract §2, §7 and §8 and one per loaded service), and real requests
 * and responses through HTTP validated against the schemas the document gives for that path, method and status.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import express from 'express';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { fixtureHookRequest, loadFixture, loadManifest } from '../../dev/fixtures/fixtures.js';
import { adminRoutes } from '../../src/governance/admin-routes.js';
import { createLogger } from '../../src/http/logger.js';
import { seed } from '../governance/fixture.js';
import { example, nullPrefetch, orderSelectRequest, ORDER_KEYS, PATIENT_VIEW_KEYS, patientViewRequest } from '../helpers/requests.js';
import { testService } from '../helpers/service.js';
import { testKey, writeClientsFile } from '../auth/jwt-helpers.js';

type Json = Record<string, any>;
type AddFormats = (ajv: Ajv2020) => Ajv2020;
const addFormats: AddFormats = (addFormatsModule as unknown as { default?: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats);

const TODAY = '2026-03-15';
const now = () => new Date(`${TODAY}T12:00:00Z`);
const ADMIN_TOKEN = 'admin-secret-for-the-openapi-test-0123456789';
const DOC_ID = 'urn:hcc-cds:openapi';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

let service: Awaited<ReturnType<typeof testService>>;
let doc: Json;
let ajv: Ajv2020;
beforeAll(async () => {
  service = await testService({}, { now });
  const res = await request(service.app).get('/openapi.json').expect(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  doc = res.body as Json;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ ...doc, $id: DOC_ID });
});
afterAll(async () => service.close());

const pointer = (...segments: string[]) => segments.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
const compiled = new Map<string, ValidateFunction>();
function schemaAt(...segments: string[]): ValidateFunction {
  const key = pointer(...segments);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile({ $ref: `${DOC_ID}#/${key}` });
    compiled.set(key, validate);
  }
  return validate;
}

/** Validates `body` against the document's schema for this request body or response, and says why when it does not conform. */
function expectConforms(body: unknown, ...segments: string[]): void {
  const validate = schemaAt(...segments);
  const ok = validate(body);
  expect({ where: segments.join(' '), errors: ok ? [] : validate.errors }).toEqual({ where: segments.join(' '), errors: [] });
}

const mediaType = (res: request.Response) => String(res.headers['content-type'] ?? '').split(';')[0]!.trim();

/** The response of an operation, checked against the document: its status is documented, its media type too, and the body conforms. */
function expectDocumentedResponse(path: string, method: string, res: request.Response): void {
  const responses = doc.paths[path]?.[method]?.responses;
  expect({ path, method, status: res.status, documented: responses ? Object.keys(responses) : [] }).toEqual({ path, method, status: res.status, documented: expect.arrayContaining([String(res.status)]) });
  const content = responses[String(res.status)].content;
  if (!content) return;
  const type = mediaType(res);
  expect(Object.keys(content)).toContain(type);
  if (type.endsWith('json')) expectConforms(res.body, 'paths', path, method, 'responses', String(res.status), 'content', type, 'schema');
}

async function call(method: 'get' | 'post', path: string, body?: unknown, documentedPath = path): Promise<request.Response> {
  if (body !== undefined) expectConforms(body, 'paths', documentedPath, method, 'requestBody', 'content', 'application/json', 'schema');
  const res = method === 'get' ? await request(service.app).get(path) : await request(service.app).post(path).send(body as object);
  expectDocumentedResponse(documentedPath, method, res);
  return res;
}

/** What OpenAPI 3.1 requires of the document, the parts we use (spec.openapis.org/oas/v3.1.0, "Fixed Fields"). */
const OPENAPI_31_STRUCTURE = {
  type: 'object',
  required: ['openapi', 'info', 'paths'],
  properties: {
    openapi: { type: 'string', pattern: '^3\\.1\\.\\d+$' },
    jsonSchemaDialect: { const: 'https://json-schema.org/draft/2020-12/schema' },
    info: { type: 'object', required: ['title', 'version'], properties: { title: { type: 'string' }, version: { type: 'string' } } },
    servers: { type: 'array', items: { type: 'object', required: ['url'] } },
    paths: {
      type: 'object',
      propertyNames: { pattern: '^/' },
      additionalProperties: {
        type: 'object',
        propertyNames: { enum: [...METHODS, 'parameters', 'summary', 'description', 'servers', '$ref'] },
        patternProperties: {
          [`^(${METHODS.join('|')})$`]: {
            type: 'object',
            required: ['responses'],
            properties: {
              responses: {
                type: 'object',
                minProperties: 1,
                propertyNames: { pattern: '^([1-5](\\d\\d|XX)|default)$' },
                additionalProperties: { type: 'object', required: ['description'], properties: { content: { type: 'object', additionalProperties: { type: 'object' } } } },
              },
              requestBody: { type: 'object', required: ['content'] },
              parameters: { type: 'array', items: { type: 'object', required: ['name', 'in'], properties: { in: { enum: ['query', 'header', 'path', 'cookie'] } } } },
              security: { type: 'array' },
            },
          },
        },
      },
    },
    components: { type: 'object', properties: { schemas: { type: 'object' }, securitySchemes: { type: 'object', additionalProperties: { type: 'object', required: ['type'] } } } },
  },
};

/** Every JSON Schema in the document, with where it is. */
function schemasOf(document: Json): [string, unknown][] {
  const found: [string, unknown][] = Object.entries(document.components.schemas).map(([name, schema]) => [`components.schemas.${name}`, schema]);
  for (const [path, item] of Object.entries(document.paths as Json)) {
    for (const [method, operation] of Object.entries(item as Json)) {
      if (!METHODS.includes(method)) continue;
      for (const [type, media] of Object.entries((operation.requestBody?.content ?? {}) as Json)) found.push([`${path} ${method} requestBody ${type}`, media.schema]);
      for (const [status, response] of Object.entries(operation.responses as Json)) {
        for (const [type, media] of Object.entries((response.content ?? {}) as Json)) found.push([`${path} ${method} ${status} ${type}`, media.schema]);
      }
      for (const parameter of (operation.parameters ?? []) as Json[]) found.push([`${path} ${method} parameter ${parameter.name}`, parameter.schema]);
    }
  }
  return found;
}

function refsOf(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => refsOf(item, out));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') out.push(item);
      else refsOf(item, out);
    }
  }
  return out;
}

describe('the document', () => {
  it('has the structure OpenAPI 3.1 requires', () => {
    const validate = ajv.compile(OPENAPI_31_STRUCTURE);
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
    expect(doc.servers[0].url).toBe(service.config.publicBaseUrl);
  });

  it('holds only valid JSON Schema 2020-12 (no draft-07 leftovers such as "dependencies")', () => {
    const schemas = schemasOf(doc);
    expect(schemas.length).toBeGreaterThan(30);
    for (const [where, schema] of schemas) {
      const valid = ajv.validateSchema(schema as object);
      expect({ where, errors: valid ? [] : ajv.errors }).toEqual({ where, errors: [] });
    }
    expect(JSON.stringify(doc)).not.toContain('"dependencies"');
  });

  it('every $ref resolves, every operationId is unique, every path parameter is declared', () => {
    for (const target of refsOf(doc)) {
      expect(target).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas).toHaveProperty(target.split('/').pop()!);
    }
    const ids = Object.values(doc.paths as Json).flatMap((item) => Object.entries(item as Json).filter(([m]) => METHODS.includes(m)).map(([, op]) => op.operationId).filter(Boolean));
    expect(new Set(ids).size).toBe(ids.length);
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      for (const name of [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1])) {
        expect((item.parameters ?? []).some((p: Json) => p.name === name && p.in === 'path' && p.required === true)).toBe(true);
      }
    }
  });

  it('describes every endpoint of contract §2, §7 and §8, and one path per loaded service with its hook context', async () => {
    const discovery = (await request(service.app).get('/cds-services').expect(200)).body.services as Json[];
    expect(doc.paths['/cds-services'].get).toBeDefined();
    for (const entry of discovery) {
      const item = doc.paths[`/cds-services/${entry.id}`];
      const schema = item.post.requestBody.content['application/json'].schema;
      expect(schema.properties.hook).toEqual({ const: entry.hook });
      expect(schema.properties.context.$ref).toBe(`#/components/schemas/${{ 'patient-view': 'PatientViewContext', 'order-select': 'OrderSelectContext', 'order-sign': 'OrderSignContext' }[entry.hook as string]}`);
      expect(Object.keys(schema.properties.prefetch.properties)).toEqual(Object.keys(entry.prefetch));
      expect(Object.keys(item.post.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '412']));
      expect(item.options).toBeDefined();
      const feedback = doc.paths[`/cds-services/${entry.id}/feedback`];
      expect(feedback.post && feedback.get && feedback.options).toBeDefined();
    }
    expect(doc.paths['/cds-services/{id}'].post.responses['404']).toBeDefined();
    for (const path of ['/healthz', '/readyz', '/metrics', '/admin', '/admin/reports/rules', '/openapi.json']) expect(doc.paths[path].get).toBeDefined();
    expect(Object.keys(doc.paths['/admin/reports/rules'].get.responses['200'].content)).toEqual(['application/json', 'text/csv']);
    expect(doc.paths['/readyz'].get.responses['503']).toBeDefined();
  });

  it('is built from the validating schemas: a body the service refuses with 400, the document refuses too', async () => {
    const path = '/cds-services/hcc-patient-view';
    const bodies = [
      patientViewRequest({ context: { userId: 'Practitioner/x' } }),
      patientViewRequest({ fhirAuthorization: { access_token: 't', token_type: 'Bearer' } }),
      patientViewRequest({ hookInstance: '' }),
      patientViewRequest({ context: { userId: 'Practitioner/x', patientId: 'a/b' } }),
    ];
    for (const body of bodies) {
      expect(schemaAt('paths', path, 'post', 'requestBody', 'content', 'application/json', 'schema')(body)).toBe(false);
      expectDocumentedResponse(path, 'post', await request(service.app).post(path).send(body).expect(400));
    }
  });

  it('needs no authentication even when CDS_CLIENTS_FILE is set, and then says which operations need the JWT', async () => {
    const key = await testKey('ES384', 'openapi-test');
    const authenticated = await testService({ CDS_CLIENTS_FILE: writeClientsFile({ clients: [{ iss: 'https://ehr.example', jwks: { keys: [key.publicJwk] } }] }) });
    try {
      const res = await request(authenticated.app).get('/openapi.json').expect(200);
      expect(res.body.paths['/cds-services'].get.security).toEqual([{ cdsClientJwt: [] }]);
      expect(res.body.paths['/healthz'].get.security).toEqual([]);
      await request(authenticated.app).get('/cds-services').expect(401);
    } finally {
      await authenticated.close();
    }
  });
});

describe('paths under /openapi that the document routes do not serve', () => {
  it('answer an OperationOutcome 404 at once, and every other route is untouched by them', async () => {
    for (const [method, path] of [['post', '/openapi.json'], ['get', '/openapi.json/more'], ['get', '/openapix']] as const) {
      const res = await request(service.app)[method](path).expect(404);
      expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
    }
    await request(service.app).get('/cds-services').expect(200);
    await request(service.app).get('/openapi.json').expect(200);
  });
});

describe('the reference page (development only)', () => {
  it('renders every path and schema of the document, with no script', async () => {
    const res = await request(service.app).get('/openapi').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    for (const path of Object.keys(doc.paths)) expect(res.text).toContain(`<code>${path.replace(/&/g, '&amp;')}</code>`);
    for (const name of Object.keys(doc.components.schemas)) expect(res.text).toContain(`id="schema-${name}"`);
    expect(res.text).not.toMatch(/<script/i);
    await request(service.app).get('/openapi.css').expect(200).expect('Content-Type', /text\/css/);
  });

  it('is off under production; the document is not', async () => {
    const production = await testService({ NODE_ENV: 'production', CDS_ALLOW_UNAUTHENTICATED: 'true', PATIENT_PSEUDONYM_KEY: 'k'.repeat(40) });
    try {
      await request(production.app).get('/openapi').expect(404);
      await request(production.app).get('/openapi.json').expect(200);
    } finally {
      await production.close();
    }
  });
});

describe('real requests and responses conform to the document', () => {
  const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples');
  const examples = readdirSync(EXAMPLES).filter((name) => name.endsWith('.json')).map((name) => name.replace(/\.json$/, ''));
  const SERVICE_OF: Record<string, string> = { 'patient-view': 'hcc-patient-view', 'order-select': 'hcc-tace-order-select', 'order-sign': 'hcc-tace-order-sign' };

  it.each(examples.filter((name) => !name.includes('feedback')))('hook request example %s', async (name) => {
    const raw = example(name);
    // The hooks-library examples carry only context and prefetch; the hook is in the file name.
    const hook = (raw.hook as string | undefined) ?? (name.includes('order-sign') ? 'order-sign' : name.includes('order-select') ? 'order-select' : 'patient-view');
    const id = SERVICE_OF[hook]!;
    const keys = hook === 'patient-view' ? PATIENT_VIEW_KEYS : ORDER_KEYS;
    const body = { hook, hookInstance: `example-${name}`, ...raw, prefetch: { ...nullPrefetch(keys), ...raw.prefetch } };
    const path = `/cds-services/${id}`;
    // The document and the service judge alike: what its request schema refuses, the service answers with 400.
    const accepted = schemaAt('paths', path, 'post', 'requestBody', 'content', 'application/json', 'schema')(body);
    const res = await request(service.app).post(path).send(body);
    expectDocumentedResponse(path, 'post', res);
    if (accepted) expect([200, 412]).toContain(res.status);
    else expect(res.status).toBe(400);
  });

  it('the spec example with an extension, given the patientId it lacks, is accepted by both', async () => {
    const raw = example('spec-request-with-extension');
    const body = { ...raw, context: { ...raw.context, patientId: 'p1' }, prefetch: nullPrefetch(PATIENT_VIEW_KEYS) };
    expect((await call('post', '/cds-services/hcc-patient-view', body)).status).toBe(200);
  });

  it.each(examples.filter((name) => name.includes('feedback')))('feedback example %s, then the stored list', async (name) => {
    const path = '/cds-services/hcc-patient-view/feedback';
    const res = await call('post', path, example(name));
    expect(res.status).toBe(200);
    const list = await call('get', path);
    expect(list.body.feedback.length).toBeGreaterThan(0);
  });

  const manifest = loadManifest();
  const fixtureCalls = manifest.fixtures.flatMap((entry) => (['patient-view', 'order-select', 'order-sign'] as const).map((hook) => [entry.name, hook] as const));
  it.each(fixtureCalls)('fixture %s on %s: 200 cards', async (name, hook) => {
    const entry = manifest.fixtures.find((fixture) => fixture.name === name)!;
    const id = SERVICE_OF[hook]!;
    const templates = Object.fromEntries(Object.keys(doc.paths[`/cds-services/${id}`].post.requestBody.content['application/json'].schema.properties.prefetch.properties).map((key) => [key, '']));
    const discovered = (await request(service.app).get('/cds-services')).body.services.find((s: Json) => s.id === id).prefetch as Record<string, string>;
    expect(Object.keys(discovered)).toEqual(Object.keys(templates));
    const body = JSON.parse(JSON.stringify(fixtureHookRequest(entry, hook, discovered, loadFixture(entry.file, TODAY))));
    const res = await call('post', `/cds-services/${id}`, body);
    expect(res.status).toBe(200);
  });

  it('400, 404 and 412 are OperationOutcomes as documented', async () => {
    expect((await call('post', '/cds-services/hcc-patient-view', undefined)).status).toBe(400);
    const unknown = await request(service.app).post('/cds-services/no-such-service').send(patientViewRequest()).expect(404);
    expectDocumentedResponse('/cds-services/{id}', 'post', unknown);
    const { prefetch: _prefetch, ...withoutPrefetch } = orderSelectRequest();
    expect((await call('post', '/cds-services/hcc-tace-order-select', withoutPrefetch)).status).toBe(412);
    const badFeedback = await request(service.app).post('/cds-services/hcc-patient-view/feedback').send({ feedback: [{ card: 'x' }] }).expect(400);
    expectDocumentedResponse('/cds-services/hcc-patient-view/feedback', 'post', badFeedback);
  });

  it('discovery, healthz, readyz, metrics and the document itself', async () => {
    await call('get', '/cds-services');
    await call('get', '/healthz');
    await call('get', '/readyz');
    await call('get', '/metrics');
    await call('get', '/openapi.json');
  });

  it('discovery under ORDER_HOOK_PREFETCH=none (order services without prefetch) conforms too', async () => {
    const none = await testService({ ORDER_HOOK_PREFETCH: 'none' }, { now });
    try {
      const res = await request(none.app).get('/cds-services').expect(200);
      expect(res.body.services.filter((entry: Json) => entry.prefetch === undefined).length).toBe(2);
      expectDocumentedResponse('/cds-services', 'get', res);
    } finally {
      await none.close();
    }
  });

  it('readyz 503 once the store is closed', async () => {
    const closing = await testService({}, { now });
    await closing.close();
    const res = await request(closing.app).get('/readyz');
    expect(res.status).toBe(503);
    expectDocumentedResponse('/readyz', 'get', res);
  });

  it('the rule report (JSON and CSV) and the admin page', async () => {
    await seed(service.store);
    const admin = express();
    admin.use(adminRoutes({ store: service.store, adminToken: ADMIN_TOKEN, production: false, timeZone: 'UTC', logger: createLogger('silent') }));
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const report = await request(admin).get('/admin/reports/rules?from=2026-03-01&to=2026-03-05').set(auth).expect(200);
    expect(report.body.rules.length).toBeGreaterThan(0);
    expectDocumentedResponse('/admin/reports/rules', 'get', report);
    expectDocumentedResponse('/admin/reports/rules', 'get', await request(admin).get('/admin/reports/rules?format=csv').set(auth).expect(200));
    expectDocumentedResponse('/admin/reports/rules', 'get', await request(admin).get('/admin/reports/rules').expect(401));
    expectDocumentedResponse('/admin/reports/rules', 'get', await request(admin).get('/admin/reports/rules?from=yesterday').set(auth).expect(400));
    expectDocumentedResponse('/admin', 'get', await request(admin).get('/admin').set(auth).expect(200));
  });
});
