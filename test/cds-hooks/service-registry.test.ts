import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileValidators } from '../../src/cds-hooks/schemas.js';
import { loadServiceRegistry } from '../../src/cds-hooks/service-registry.js';
import { StartupError } from '../../src/common/startup.js';
import { renderTemplate, templateProblems, tokenValues } from '../../src/cds-hooks/prefetch/template.js';
import { PACKAGE_ROOT } from '../../src/config.js';
import { tempDir } from '../helpers/service.js';

const validators = compileValidators();
const good = {
  id: 'svc',
  hook: 'patient-view',
  title: 'T',
  description: 'D',
  prefetch: { patient: 'Patient/{{context.patientId}}' },
  ruleGroups: ['surveillance'],
};

function dirWith(files: Record<string, unknown>): string {
  const dir = tempDir();
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

describe('hooks/*.json service definitions', () => {
  it('loads the project definitions', () => {
    const registry = loadServiceRegistry(join(PACKAGE_ROOT, 'hooks'), validators);
    expect(registry.services.map((s) => s.hook).sort()).toEqual(['order-select', 'order-sign', 'patient-view']);
  });

  it.each([
    ['not JSON', '{', /bad\.json: not valid JSON/],
    ['a missing title', { ...good, title: undefined }, /bad\.json: .*title is required/],
    ['an unknown hook', { ...good, hook: 'encounter-start' }, /bad\.json: hook must be one of/],
    ['an unknown rule group', { ...good, ruleGroups: ['magic'] }, /bad\.json: ruleGroups\[0\] must be one of/],
    ['a bad id', { ...good, id: 'Has Spaces' }, /bad\.json: id must match pattern/],
    ['an unknown field', { ...good, cards: [] }, /bad\.json: .*must NOT have additional properties/],
    ['a non-2.0 token', { ...good, prefetch: { p: 'Patient/{{Patient.id}}' } }, /bad\.json: prefetch\.p: token \{\{Patient\.id\}\}/],
    ['a draftOrders token', { ...good, prefetch: { p: 'ServiceRequest?_id={{context.draftOrders.id}}' } }, /prefetch\.p: token/],
    ['a double-typed userId', { ...good, prefetch: { u: 'Practitioner/{{context.userId}}' } }, /prefetch\.u: context\.userId already carries its type/],
    ['a modifier outside the subset', { ...good, prefetch: { c: 'Condition?patient={{context.patientId}}&code:text=liver' } }, /modifier ":text"/],
    ['an optional key that is not a prefetch key', { ...good, optionalPrefetch: ['nope'] }, /optionalPrefetch: "nope"/],
  ])('stops start-up naming the file and the field for %s', (_name, content, message) => {
    const dir = dirWith({ 'bad.json': content });
    expect(() => loadServiceRegistry(dir, validators)).toThrow(StartupError);
    expect(() => loadServiceRegistry(dir, validators)).toThrow(message);
  });

  it('refuses two definitions of the same id and hook, and an empty directory', () => {
    expect(() => loadServiceRegistry(dirWith({ 'a.json': good, 'b.json': good }), validators)).toThrow(/already defined/);
    expect(() => loadServiceRegistry(dirWith({}), validators)).toThrow(/no service definitions/);
  });

  it('lets one id serve several hooks', () => {
    const registry = loadServiceRegistry(dirWith({ 'a.json': good, 'b.json': { ...good, hook: 'order-sign', ruleGroups: ['tace-safety'] } }), validators);
    expect(registry.find('svc')?.map((s) => s.hook)).toEqual(['patient-view', 'order-sign']);
  });
});

describe('prefetch templates', () => {
  it('renders context and user tokens, url-encoded', () => {
    const values = tokenValues({ userId: 'PractitionerRole/r 1', patientId: 'p1' });
    expect(renderTemplate('Patient/{{context.patientId}}', values)).toBe('Patient/p1');
    expect(renderTemplate('PractitionerRole/{{userPractitionerRoleId}}', values)).toBe('PractitionerRole/r%201');
    expect(renderTemplate('Practitioner/{{userPractitionerId}}', values)).toBeUndefined();
    expect(renderTemplate('Encounter/{{context.encounterId}}', values)).toBeUndefined();
  });

  it('{{context.userId}} alone is a read of the typed id (conformance C5): accepted, and its slash kept', () => {
    expect(templateProblems('{{context.userId}}')).toEqual([]);
    expect(templateProblems('{{ context.userId }}')).toEqual([]);
    expect(templateProblems('Practitioner/{{context.userId}}')).toEqual(['context.userId already carries its type']);
    const values = tokenValues({ userId: 'PractitionerRole/r 1', patientId: 'p1' });
    expect(renderTemplate('{{context.userId}}', values)).toBe('PractitionerRole/r%201');
  });

  it('accepts the recommended subset and date prefixes', () => {
    expect(templateProblems('Observation?patient={{context.patientId}}&code=http://loinc.org|1834-1&date=ge2025-01-01&_sort=-date&_count=5')).toEqual([]);
    expect(templateProblems('Observation?patient={{context.patientId}}&date=sa2025-01-01')).toHaveLength(1);
    expect(templateProblems('Observation?patient={{context.patientId}}&_include=Observation:patient')).toHaveLength(1);
  });
});
