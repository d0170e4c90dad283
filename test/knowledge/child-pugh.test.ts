import { albi, meld } from '../../src/knowledge/rules/child-pugh.js';
import { alerts, evaluatePatientView, evaluateTace, find, ids, rec } from './record-builder.js';

const CP_IDS = ['TACE-CP-C', 'TACE-CP-C-POSSIBLE', 'TACE-CP-B8-9', 'TACE-CP-B7'];
const cp = (findings: ReturnType<typeof evaluateTace>) => ids(findings).filter((id) => CP_IDS.some((c) => id.startsWith(`${c}:`)));

/** Fresh labs for Child-Pugh with ECOG etc. present. */
function labs(bili?: number, alb?: number, inr?: number) {
  const b = rec().lab('platelets', 150).lab('wbc', 5).lab('creatinine', 0.9).lab('ecog', 0).condition('hcc');
  if (bili !== undefined) b.lab('bilirubin', bili);
  if (alb !== undefined) b.lab('albumin', alb);
  if (inr !== undefined) b.lab('inr', inr);
  return b;
}

describe('Child-Pugh points at every band edge', () => {
  it.each([
    // Score = sum of 5 items; albumin 4.0 / INR 1.0 / bilirubin 1.0 = 1 each; ascites, HE absent = 1 each.
    // One item at 2 points = 6 (A, no card); one item at 3 points = 7 (B7).
    // bilirubin: <2.0 = 1, 2.0-3.0 = 2, >3.0 = 3
    [1.99, 4.0, 1.0, []],
    [2.0, 4.0, 1.0, []],
    [3.0, 4.0, 1.0, []],
    [3.01, 4.0, 1.0, ['TACE-CP-B7:info']],
    // albumin: >3.5 = 1, 2.8-3.5 = 2, <2.8 = 3
    [1.0, 3.51, 1.0, []],
    [1.0, 3.5, 1.0, []],
    [1.0, 2.8, 1.0, []],
    [1.0, 2.79, 1.0, ['TACE-CP-B7:info']],
    // INR: <1.7 = 1, 1.7-2.3 = 2, >2.3 = 3
    [1.0, 4.0, 1.69, []],
    [1.0, 4.0, 1.7, []],
    [1.0, 4.0, 2.3, []],
    [1.0, 4.0, 2.31, ['TACE-CP-B7:info']],
    // 2 + 2 + 2 + 1 + 1 = 8
    [2.0, 3.5, 1.7, ['TACE-CP-B8-9:warning']],
    // 3 + 3 + 3 + 1 + 1 = 11: C
    [3.5, 2.5, 2.5, ['TACE-CP-C:critical']],
    // 3 + 3 + 2 + 1 + 1 = 10: C exactly at the limit
    [3.5, 2.5, 2.0, ['TACE-CP-C:critical']],
    // 3 + 2 + 2 + 1 + 1 = 9
    [3.5, 3.0, 2.0, ['TACE-CP-B8-9:warning']],
  ])('bilirubin %p, albumin %p, INR %p -> %j', (bili, alb, inr, expected) => {
    expect(cp(evaluateTace(labs(bili, alb, inr).build()))).toEqual(expected);
  });
});

describe('Child-Pugh interval with missing data (never A unless max <= 6)', () => {
  it('one lab missing with all others at 1 point gives max 7: B7 or lower, not silent', () => {
    const f = evaluateTace(labs(1.0, 4.0, undefined).build());
    expect(cp(f)).toEqual(['TACE-CP-B7:info']);
    expect(find(f, 'TACE-CP-B7')!.summary).toContain('5-7');
  });
  it('all three labs missing: 5-11 -> C cannot be excluded, one suggestion per missing lab', () => {
    const f = evaluateTace(labs().build());
    expect(cp(f)).toEqual(['TACE-CP-C-POSSIBLE:warning']);
    expect(find(f, 'TACE-CP-C-POSSIBLE')!.suggestions.map((s) => s.orderable)).toEqual(['bilirubin', 'albumin', 'inr']);
  });
  it('two labs missing: 5-9 -> up to B9', () => {
    expect(cp(evaluateTace(labs(1.0).build()))).toEqual(['TACE-CP-B8-9:warning']);
  });
  it('missing labs with C possible: TACE-CP-C-POSSIBLE with a suggestion per missing Child-Pugh lab', () => {
    const b = labs(3.5, 2.5, undefined);
    const f = find(evaluateTace(b.build()), 'TACE-CP-C-POSSIBLE')!;
    expect(f.indicator).toBe('warning');
    expect(f.summary).toContain('9-11');
    expect(f.suggestions.map((s) => s.orderable)).toEqual(['inr']);
  });
  it('min >= 10 with unknowns is definite C', () => {
    const b = labs(3.5, 2.5, undefined).condition('ascites', { severity: 'severe' });
    expect(cp(evaluateTace(b.build()))).toEqual(['TACE-CP-C:critical']);
  });
  it('a lab stale by one day is unknown [1, 3]', () => {
    const b = rec().lab('platelets', 150).lab('wbc', 5).lab('creatinine', 0.9).lab('ecog', 0).condition('hcc').lab('bilirubin', 1.0).lab('albumin', 4.0).lab('inr', 1.0, 15);
    expect(cp(evaluateTace(b.build()))).toEqual(['TACE-CP-B7:info']);
  });
});

describe('ascites and encephalopathy', () => {
  it('not recorded: assumed absent, and the card says so', () => {
    const f = find(evaluateTace(labs(3.5, 4.0, 1.0).build()), 'TACE-CP-B7')!;
    expect(f.assumptions).toEqual(['ascites not recorded, assumed absent (1 point)', 'hepatic encephalopathy not recorded, assumed absent (1 point)']);
  });
  it.each([
    ['mild', []],
    ['moderate', ['TACE-CP-B7:info']],
    ['severe', ['TACE-CP-B7:info']],
  ] as const)('ascites severity %s', (severity, expected) => {
    expect(cp(evaluateTace(labs(1.0, 4.0, 1.0).condition('ascites', { severity }).build()))).toEqual(expected);
  });
  it('ascites without severity counts 2-3 points (unconfirmed counts)', () => {
    const f = find(evaluateTace(labs(1.0, 4.0, 1.0).condition('ascites', { unconfirmed: true, verificationStatus: 'provisional' }).build()), 'TACE-CP-B7')!;
    expect(f.summary).toContain('6-7');
    expect(f.facts[f.facts.length - 1]!.note).toContain('UNCONFIRMED');
  });
  it.each([[0, []], [1, []], [2, []], [3, ['TACE-CP-B7:info']], [4, ['TACE-CP-B7:info']]])('West Haven grade %p', (grade, expected) => {
    expect(cp(evaluateTace(labs(1.0, 4.0, 1.0).lab('westHavenGrade', grade).build()))).toEqual(expected);
  });
  it('encephalopathy severity moderate = 2, severe = 3', () => {
    expect(cp(evaluateTace(labs(1.0, 4.0, 1.0).condition('hepaticEncephalopathy', { severity: 'moderate' }).build()))).toEqual([]);
    expect(cp(evaluateTace(labs(1.0, 4.0, 1.0).condition('hepaticEncephalopathy', { severity: 'severe' }).build()))).toEqual(['TACE-CP-B7:info']);
  });
  it('strict mode: unrecorded ascites/HE count as [1, 3]', () => {
    expect(cp(evaluateTace(labs(1.0, 4.0, 1.0).build(), { strictAscitesHe: true }))).toEqual(['TACE-CP-B8-9:warning']);
  });
  it('incomplete Conditions data: absence is not assumed', () => {
    const b = labs(1.0, 4.0, 1.0).gap({ key: 'conditions', kind: 'truncated', detail: 'paging bound reached' });
    const f = find(evaluateTace(b.build()), 'TACE-CP-B8-9')!;
    expect(f.missing.join(' ')).toContain('Incomplete data (conditions)');
  });
});

describe('caveats, ALBI and MELD', () => {
  it('PBC/PSC and anticoagulant caveats in the card', () => {
    const f = find(evaluateTace(labs(3.5, 4.0, 1.0).condition('biliaryCirrhosis').build()), 'TACE-CP-B7')!;
    const notes = f.notes.join('\n');
    expect(notes).toContain('PBC/PSC');
    expect(notes).toContain('vitamin K antagonist');
    expect(notes).toContain('ALBI score');
    expect(notes).toContain('MELD');
  });
  it('PSC alone gives the cholestatic caveat too, and does not count as cirrhosis for surveillance', () => {
    const f = find(evaluateTace(labs(3.5, 4.0, 1.0).condition('sclerosingCholangitis').build()), 'TACE-CP-B7')!;
    expect(f.notes.join('\n')).toContain('Cholestatic liver disease recorded');
    expect(alerts(evaluatePatientView(rec().patient(60, 'male').condition('sclerosingCholangitis').build()))).toEqual([]);
  });
  it('ALBI grade edges and MELD values', () => {
    expect(albi(0.5, 4.5)).toEqual({ score: -3.21, grade: 1 });
    expect(albi(1.0, 4.0)).toEqual({ score: -2.59, grade: 2 });
    expect(albi(3.0, 2.5)!.grade).toBe(3);
    expect(albi(0, 4)).toBeUndefined();
    expect(meld(1.0, 1.0, 1.0)).toBe(6);
    expect(meld(5.0, 1.0, 1.0)).toBe(meld(4.0, 1.0, 1.0));
    expect(meld(1.5, 3.0, 1.8)).toBe(Math.round(10 * (0.957 * Math.log(1.5) + 0.378 * Math.log(3) + 1.12 * Math.log(1.8) + 0.643)));
  });
});
