/**
 * Where the CPU of one full-prefetch hook call goes, stage by stage, in-process (no HTTP, no autocannon), with the
 * production wiring from composeDeps. The HTTP numbers in `npm run bench` say how much; this says where.
 * Run alone with `node dist/bench/stages.js [--iterations N]`; `npm run bench` runs it too.
 */
import { pino } from 'pino';
import { performance } from 'node:perf_hooks';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { validateHookRequest } from '../src/cds-hooks/hook-call.js';
import { buildCard } from '../src/cds-hooks/cards.js';
import { composeDeps } from '../src/compose.js';
import { loadConfig } from '../src/config.js';
import { jsonDepthExceeds } from '../src/http/json-depth.js';
import { taceOrdersInScope } from '../src/cds-hooks/orders.js';
import type { EvaluationInput } from '../src/knowledge/types.js';
import { benchArgs, benchBodies } from './harness.js';

export interface StageRow {
  scenario: string;
  stages: { name: string; micros: number }[];
  totalMicros: number;
  requestBytes: number;
  responseBytes: number;
  cards: number;
}

const STAGES = ['JSON.parse (body parser)', 'depth check', 'schema validation', 'resolve prefetch', 'build PatientRecord', 'evaluate rules', 'render cards', 'governance: modes, snoozes, issued-card log write', 'JSON.stringify (response)'] as const;

export async function measureStages(iterations: number): Promise<StageRow[]> {
  const config = loadConfig({ ...process.env, PORT: '0', PREVIEW_ENABLED: 'false', FEEDBACK_DB: ':memory:' });
  const deps = await composeDeps(config, pino({ level: 'silent' }), { auth: { enabled: false, authenticate: async () => undefined } });
  const bodies = benchBodies();
  const scenarios: [string, object][] = [
    ['order-select, full prefetch (tace-realistic)', bodies.selectBody],
    ['the same with 10x the Observations (300)', bodies.selectBodyFor(moreObservations(bodies.taceBundle, 10))],
    ['patient-view, full prefetch (surv-overdue)', bodies.viewBody],
  ];
  const rows: StageRow[] = [];
  for (const [scenario, request] of scenarios) {
    const payload = JSON.stringify(request);
    const spent = new Float64Array(STAGES.length);
    let responseBytes = 0;
    let cards = 0;
    const once = async (record: boolean): Promise<void> => {
      const marks = [performance.now()];
      const body: unknown = JSON.parse(payload);
      marks.push(performance.now());
      jsonDepthExceeds(body, config.maxJsonDepth);
      marks.push(performance.now());
      const { request, service: matched } = validateHookRequest(body, deps.registry.services, deps.validators);
      marks.push(performance.now());
      const data = await deps.resolver.resolve(matched, request, new AbortController().signal);
      marks.push(performance.now());
      const built = deps.records.build(data, { today: deps.today(), patientId: request.context.patientId });
      marks.push(performance.now());
      const orders = taceOrdersInScope(matched.hook, request.context, deps.isTaceOrderCode);
      const input: EvaluationInput = { hook: matched.hook, record: built, taceOrders: orders, patientId: request.context.patientId };
      const findings = deps.knowledge.evaluate(matched.ruleGroups, input);
      marks.push(performance.now());
      const rendered = findings.map((finding) => buildCard(deps.knowledge.render(finding, input)));
      marks.push(performance.now());
      const identity = { serviceId: matched.id, hook: matched.hook, hookInstance: request.hookInstance, patientId: request.context.patientId };
      const { returned, rows: logRows } = await deps.governance!.decide(identity, rendered, findings);
      await deps.cardLog!.record(logRows);
      marks.push(performance.now());
      const response = JSON.stringify({ cards: returned });
      marks.push(performance.now());
      if (!record) return;
      for (let i = 0; i < STAGES.length; i += 1) spent[i]! += marks[i + 1]! - marks[i]!;
      responseBytes = response.length;
      cards = returned.length;
    };
    for (let i = 0; i < Math.min(iterations, 500); i += 1) await once(false);
    for (let i = 0; i < iterations; i += 1) await once(true);
    const stages = STAGES.map((name, i) => ({ name, micros: (spent[i]! * 1000) / iterations }));
    rows.push({ scenario, stages, totalMicros: stages.reduce((sum, s) => sum + s.micros, 0), requestBytes: payload.length, responseBytes, cards });
  }
  await deps.store.close();
  return rows;
}

/**
 * The Bundle with each Observation `factor` times: copies get their own id and a date one week further back per copy,
 * so the cost of a patient with a long history shows whether any stage grows faster than the data.
 */
function moreObservations(bundle: fhir4.Bundle, factor: number): fhir4.Bundle {
  const entry = (bundle.entry ?? []).flatMap((e) => {
    if (e.resource?.resourceType !== 'Observation') return [e];
    const resource = e.resource as fhir4.Observation;
    return Array.from({ length: factor }, (_, copy) => {
      const shifted = (value: string | undefined): string | undefined => (value === undefined || copy === 0 ? value : new Date(Date.parse(value) - copy * 7 * 86_400_000).toISOString());
      const observation: fhir4.Observation = { ...resource, id: `${resource.id}-${copy}` };
      if (resource.effectiveDateTime !== undefined) observation.effectiveDateTime = shifted(resource.effectiveDateTime);
      return { ...e, fullUrl: `urn:uuid:bench-${resource.id}-${copy}`, resource: observation };
    });
  });
  return { ...bundle, entry };
}

export function stagesMarkdown(rows: StageRow[], iterations: number): string[] {
  const header = ['| Stage | ' + rows.map((r) => r.scenario).join(' | ') + ' |', '|---|' + rows.map(() => '---|').join('')];
  const lines = STAGES.map((name, i) => `| ${name} | ${rows.map((r) => `${r.stages[i]!.micros.toFixed(1)} µs`).join(' | ')} |`);
  return [
    ...header,
    ...lines,
    `| **total (one core, no HTTP)** | ${rows.map((r) => `**${r.totalMicros.toFixed(0)} µs**`).join(' | ')} |`,
    `| request / response size, cards | ${rows.map((r) => `${(r.requestBytes / 1024).toFixed(0)} KB / ${(r.responseBytes / 1024).toFixed(1)} KB, ${r.cards} cards`).join(' | ')} |`,
    '',
    `Mean over ${iterations} calls after 500 warm-up calls, in one process, timed with performance.now() around each stage of the pipeline (\`handleHookCall\` plus the body parse and the response serialisation Express does).`,
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const iterations = benchArgs().number('iterations', 5000);
  const rows = await measureStages(iterations);
  process.stdout.write(`${stagesMarkdown(rows, iterations).join('\n')}\n`);
}
