import { join } from 'node:path';
import { startBuiltServer } from '../helpers/spawn-server.js';
import { tempDir } from '../helpers/service.js';
import { prefetch, validRequest } from '../fuzz/valid-requests.js';

/**
 * Everything the process writes, on stdout and stderr, is a structured JSON log line: no third-party library prints
 * beside the log. @lhncbc/ucum-lhc used to console.log unit strings it failed to parse, verbatim, so EHR free text
 * reached the log and a CR/LF in a unit started a line of its own.
 */
const FORGED = '{"level":30,"msg":"forged line"}';
const BAD_UNITS = [`mg dL\r\n${FORGED}`, 'mg dL', "'e0()-", 'Cel%e(1)1', 'mg/\u001b[31mdL'];

function withAfpUnits(units: readonly string[]): Record<string, any> {
  const body = validRequest('hcc-patient-view') as Record<string, any>;
  const observations = prefetch().observations as fhir4.Bundle;
  const afp = observations.entry!.find((entry) => entry.resource?.id === 'o-afp')!;
  observations.entry!.push(
    ...units.map((code, i) => {
      const resource = afp.resource as fhir4.Observation;
      return { ...afp, resource: { ...resource, id: `o-afp-${i}`, valueQuantity: { ...resource.valueQuantity, code, unit: code } } };
    }),
  );
  body.prefetch.observations = observations;
  return body;
}

describe('the process output', () => {
  it('is JSON, line by line, through start-up, unit failures, bad requests and shutdown', async () => {
    const server = await startBuiltServer({ FEEDBACK_DB: join(tempDir(), 'fb.sqlite'), LOG_LEVEL: 'debug' });
    try {
      const post = (path: string, body: string) => fetch(`${server.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      // Each bad unit alone, so that no earlier one keeps a later one from being parsed.
      for (const unit of BAD_UNITS) {
        const call = await post('/cds-services/hcc-patient-view', JSON.stringify(withAfpUnits([unit])));
        expect(call.status).toBe(200);
        const cards = ((await call.json()) as { cards: { source: { topic: { code: string } } }[] }).cards;
        // The unit that could not be read is said in a card, not printed.
        expect(cards.map((card) => card.source.topic.code)).toContain('DQ-UNIT');
      }
      expect((await post('/cds-services/hcc-patient-view', '{"not json')).status).toBe(400);
      expect((await post('/cds-services/hcc-patient-view', JSON.stringify({ hook: 'patient-view' }))).status).toBe(400);
      expect((await post('/cds-services/hcc-patient-view/feedback', JSON.stringify({ feedback: [{}] }))).status).toBe(400);
      expect((await fetch(`${server.baseUrl}/no/such/route`)).status).toBe(404);
      expect((await fetch(`${server.baseUrl}/metrics`)).status).toBe(200);
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
    const lines = server.logs.flatMap((chunk) => chunk.split('\n')).filter((line) => line !== '');
    const notJson = lines.filter((line) => {
      try {
        return typeof JSON.parse(line) !== 'object';
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
    expect(lines).not.toContain(FORGED);
    expect(lines.some((line) => line.includes('"msg":"stopped"'))).toBe(true);
  });
});
