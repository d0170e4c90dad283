import type pg from 'pg';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The PostgreSQL schema, one version at a time. Applied at start-up by `migrate`; a later change is a new entry at
 * the end (never edit an applied one), mirrored in sqlite-store.ts so the two backends keep the same tables.
 * Feedback's dedup key is kept as a SHA-256 digest: a btree entry holds at most ~2.7 kB and a key holds the
 * clinician's whole comment.
 */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'feedback, issued-card log, snoozes, JWT replay cache',
    sql: `
      CREATE TABLE feedback (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        service_id text NOT NULL,
        card text NOT NULL,
        outcome text NOT NULL,
        outcome_timestamp text NOT NULL,
        dedup_digest text NOT NULL,
        item_json text NOT NULL,
        received_at timestamptz NOT NULL,
        UNIQUE (service_id, dedup_digest)
      );
      CREATE INDEX feedback_by_service ON feedback (service_id, seq);
      CREATE INDEX feedback_by_card ON feedback (card);
      CREATE INDEX feedback_by_received ON feedback (received_at);
      CREATE TABLE card_log (
        uuid text PRIMARY KEY,
        service_id text NOT NULL,
        hook text NOT NULL,
        hook_instance text NOT NULL,
        rule_id text NOT NULL,
        indicator text NOT NULL,
        mode text NOT NULL CHECK (mode IN ('shown', 'silent', 'snoozed')),
        iss text,
        tenant text,
        issued_at timestamptz NOT NULL,
        patient_pseudonym text NOT NULL,
        fingerprint text NOT NULL
      );
      CREATE INDEX card_log_by_issued ON card_log (issued_at);
      CREATE TABLE snoozes (
        patient_pseudonym text NOT NULL,
        rule_id text NOT NULL,
        fingerprint text NOT NULL,
        until_at timestamptz NOT NULL,
        PRIMARY KEY (patient_pseudonym, rule_id)
      );
      CREATE TABLE jwt_replay (
        iss text NOT NULL,
        jti text NOT NULL,
        expires_at_ms bigint NOT NULL,
        PRIMARY KEY (iss, jti)
      );
      CREATE INDEX jwt_replay_by_expiry ON jwt_replay (expires_at_ms);
    `,
  },
  {
    version: 2,
    name: "the logged card's suggestions (JSON [{uuid, label}]) for the report's accepted suggestions by label",
    sql: 'ALTER TABLE card_log ADD COLUMN suggestions text',
  },
];

/** Any constant works; this one is hcc-cds's, so another application's advisory locks in the database never collide. */
export const MIGRATION_LOCK_KEY = 1_462_014_001;

/**
 * Applies the versions not yet recorded in `hcc_cds_migrations`, all in one transaction under a transaction-level
 * advisory lock: replicas starting together queue on the lock, and the second finds the work done. DDL is
 * transactional in PostgreSQL, so a failed version leaves nothing half-applied. Resolves with the versions applied.
 */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[] = POSTGRES_MIGRATIONS): Promise<number[]> {
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    await client.query('BEGIN');
    // Waiting for another replica's migration is not a slow statement.
    await client.query('SET LOCAL statement_timeout = 0');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS hcc_cds_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM hcc_cds_migrations')).rows.map((row) => row.version));
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO hcc_cds_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    // A connection that failed is discarded rather than returned to the pool.
    client.release(failure);
  }
}
