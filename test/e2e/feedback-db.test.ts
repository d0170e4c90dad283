import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBuiltServer } from '../helpers/spawn-server.js';
import { tempDir } from '../helpers/service.js';

/**
 * An unusable FEEDBACK_DB stops start-up within seconds, with one line that names FEEDBACK_DB, the path and the
 * reason, no stack trace, and exit code 1. Before, a path under /proc made start-up spin at ~90 % CPU forever
 * (Node's recursive mkdir), and other failures said only "SqliteError: unable to open database file" with a stack.
 */
async function startUpFailure(path: string): Promise<{ message: string; problems: string[] }> {
  try {
    const server = await startBuiltServer({ FEEDBACK_DB: path }, 8000);
    await server.stop();
    throw new Error(`the server started with FEEDBACK_DB=${path}`);
  } catch (error) {
    const [first = '', ...output] = String((error as Error).message).split('\n');
    const lines = output.filter((line) => line.trim() !== '');
    // The JSON log lines before it (the authentication warning) are fine; what is not JSON is the start-up error.
    const plain = lines.filter((line) => {
      try {
        JSON.parse(line);
        return false;
      } catch {
        return true;
      }
    });
    const problems: string[] = [];
    if (!/^server exited with 1 before listening:$/.test(first)) problems.push(first);
    if (plain.length !== 1) problems.push(`${plain.length} lines that are not JSON: ${plain.join(' / ')}`);
    if (lines.some((line) => /^\s+at /.test(line))) problems.push('a stack trace');
    return { message: plain[0] ?? '', problems };
  }
}

describe('an unusable FEEDBACK_DB', () => {
  const dir = tempDir();
  const textFile = join(dir, 'notes.txt');
  writeFileSync(textFile, 'not a database, just some text that is long enough to be read as a header\n'.repeat(4));
  mkdirSync(join(dir, 'a-directory'));
  symlinkSync('/proc/self', join(dir, 'into-proc'));

  it.each([
    ['a path under /proc (spun forever before)', '/proc/hcc-cds-does-not-exist/fb.sqlite', /is under \/proc, a kernel pseudo file system/],
    ['a directory under /sys', '/sys/hcc-cds-does-not-exist/fb.sqlite', /is under \/sys, a kernel pseudo file system/],
    ['a symbolic link into /proc', join(dir, 'into-proc', 'nope', 'fb.sqlite'), /into-proc leads to \/proc\/\d+, under \/proc/],
    ['a file that is not a database', textFile, /cannot be opened as an SQLite database: file is not a database \(SQLITE_NOTADB\)/],
    ['a directory', join(dir, 'a-directory'), /is a directory, not a database file/],
    ['a path below a regular file', join(textFile, 'fb.sqlite'), /notes\.txt is not a directory/],
  ])('%s: one line naming FEEDBACK_DB, the path and the reason, exit 1', async (_name, path, reason) => {
    const failure = await startUpFailure(path);
    expect(failure.problems).toEqual([]);
    expect(failure.message.startsWith(`hcc-cds: cannot start: FEEDBACK_DB ${path}: `)).toBe(true);
    expect(failure.message).toMatch(reason);
  });

  it('missing directories are still created, and the service starts', async () => {
    const server = await startBuiltServer({ FEEDBACK_DB: join(tempDir(), 'new', 'deeper', 'fb.sqlite') });
    try {
      expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});
