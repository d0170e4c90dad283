import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeService, type ComposeOptions, type ComposedService } from '../../src/compose.js';
import { loadConfig, type AppConfig } from '../../src/config.js';
import { createLogger } from '../../src/http/logger.js';

/** A fresh temporary directory for one test's files (feedback database, policy files). */
export function tempDir(prefix = 'hcc-cds-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function testConfig(env: Record<string, string> = {}): AppConfig {
  return loadConfig({ NODE_ENV: 'test', FEEDBACK_DB: join(tempDir(), 'feedback.sqlite'), ...env });
}

/** The whole service, in-process, with a temporary feedback database and silent logs. */
export async function testService(env: Record<string, string> = {}, options: ComposeOptions = {}): Promise<ComposedService & { config: AppConfig }> {
  const config = testConfig(env);
  const service = await composeService(config, createLogger('silent'), { defaultMetrics: false, ...options });
  return { ...service, config };
}
