/**
 * `npm run report` spawned as an operator runs it (the built dist/, as `npm test` builds it), over a seeded SQLite
 * file and a PostgreSQL database: the same numbers as the HTTP report in md, csv and json; one line and exit 1 on
 * bad arguments or a store it cannot read.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from '../../src/config.js';
import { governanceReport, type GovernanceReport } from '../../src/governance/report.js';
import { reportCsv } from '../../src/governance/report-format.js';
import { loadRuleCatalog } from '../../src/rule-files.js';
import { tempDir } from '../helpers/service.js';
import { openTestStore, seed, TIME_ZONE } from './fixture.js';
import { testDatabase, type TestDatabase } from './test-postgres.js';

const run = promisify(execFile);
const MAIN = join(PACKAGE_ROOT, 'dist', 'src', 'governance', 'report-main.js');
const PERIOD = ['--from', '2026-03-02', '--to', '2026-03-04'];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function report(args: string[], env: Record<string, string>): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', CDS_TIME_ZONE: TIME_ZONE, ...env }, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('npm run report', () => {
  const file = join(tempDir(), 'feedback.sqlite');
  let expected: GovernanceReport;
  let db: TestDatabase | undefined;

  beforeAll(async () => {
    const store = await openTestStore({ FEEDBACK_DB: file });
    await seed(store);
    // The CLI lists rules in rule-catalog order, as the HTTP report does (admin-routes passes the same position).
    const catalog = await loadRuleCatalog();
    expected = await governanceReport(store.cardLog, { from: '2026-03-02', to: '2026-03-04' }, TIME_ZONE, new Date(), (id) => catalog.position(id));
    await store.close();
  });

  afterAll(async () => {
    await db?.drop();
  }, 30_000);

  it('prints the report in json, csv and md with the numbers of the HTTP report', async () => {
    const json = await report([...PERIOD, '--format', 'json'], { FEEDBACK_DB: file });
    expect(json).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(json.stdout)).toEqual(expected);

    const csv = await report([...PERIOD, '--format', 'csv'], { FEEDBACK_DB: file });
    expect(csv.code).toBe(0);
    expect(csv.stdout).toBe(reportCsv(expected));
    expect(csv.stdout.split('\r\n')[2]).toMatch(/^SURV-OVERDUE,shown,10,2,3,5,0\.2,0\.6,0\.5,/);

    const md = await report(PERIOD, { FEEDBACK_DB: file });
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('# Rule report 2026-03-02 to 2026-03-04 (Europe/Berlin)');
    expect(md.stdout).toContain('| SURV-OVERDUE | shown | 10 | 2 | 3 | 5 | 20.0 % | 60.0 % | 50.0 % | urn:hcc-cds:override-reason\\|X "Reason X shown to the clinician" = 2; urn:hcc-cds:override-reason\\|Y "Reason Y" = 1 |');
    expect(md.stdout).toContain('Orphaned feedback (card not in the log): 2.');
    expect(md.stdout).not.toMatch(/p[0-3]0{63}/);
  });

  it('reads PostgreSQL when DATABASE_URL is set', async () => {
    db = await testDatabase();
    const store = await openTestStore({ DATABASE_URL: db.url });
    await seed(store);
    await store.close();
    const json = await report([...PERIOD, '--format', 'json'], { DATABASE_URL: db.url });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(expected);
  }, 60_000);

  it('bad arguments or a store it cannot read: one line on stderr, exit 1', async () => {
    const missing = join(tempDir(), 'nothing-here.sqlite');
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['--format', 'xml'], { FEEDBACK_DB: file }, /--format must be md, csv or json/],
      [['--from', '2026-02-30'], { FEEDBACK_DB: file }, /"from" must be a calendar date/],
      [['--from', '2026-03-05', '--to', '2026-03-04'], { FEEDBACK_DB: file }, /"from" \(2026-03-05\) is after "to"/],
      [['--since', '2026-01-01'], { FEEDBACK_DB: file }, /Unknown option '--since'.*usage: npm run report/],
      [['2026-01-01'], { FEEDBACK_DB: file }, /usage: npm run report/],
      [[], { FEEDBACK_DB: missing }, /FEEDBACK_DB .*nothing-here\.sqlite does not exist/],
      [[], { DATABASE_URL: 'postgres://reporter:hunter2@127.0.0.1:1/none' }, /DATABASE_URL postgres:\/\/127\.0\.0\.1:1\/none: cannot be used: connect ECONNREFUSED/],
    ];
    for (const [args, env, pattern] of cases) {
      const result = await report(args, env);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^hcc-cds report: [^\n]+\n$/);
      expect(result.stderr).toMatch(pattern);
      expect(result.stderr).not.toContain('hunter2');
    }
  }, 60_000);
});
