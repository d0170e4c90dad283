/**
 * SITE_POLICY_FILE: a JSON object that changes settings, e.g. `{"inrMax": 1.5, "maleSurveillanceAgeYears": 35}`.
 * Checked once at start-up (ajv schema generated from SETTING_DEFINITIONS); a bad file stops start-up with an
 * error naming the field. Read here, at start-up only: the rules themselves never do I/O.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { DEFAULT_SETTINGS, ORDERED_SETTINGS, SETTING_DEFINITIONS, SETTING_KEYS, withSettings, type SettingKey, type Settings } from './settings.js';

export class SitePolicyError extends Error {}

function settingSchema(key: SettingKey): Record<string, unknown> {
  const def = SETTING_DEFINITIONS[key] as { type: string; min?: number; max?: number; description: string };
  const schema: Record<string, unknown> = { type: def.type, description: def.description };
  if (def.min !== undefined) schema.minimum = def.min;
  if (def.max !== undefined) schema.maximum = def.max;
  return schema;
}

export const SITE_POLICY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    comment: { type: 'string' },
    ...Object.fromEntries(SETTING_KEYS.map((key) => [key, settingSchema(key)])),
  },
} as const;

let compiled: ReturnType<Ajv['compile']> | undefined;
function validator(): ReturnType<Ajv['compile']> {
  compiled ??= new Ajv({ allErrors: true, strict: true }).compile(SITE_POLICY_SCHEMA);
  return compiled;
}

function describe(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties') {
    return `unknown setting "${String((error.params as { additionalProperty: string }).additionalProperty)}"`;
  }
  const field = error.instancePath.replace(/^\//, '') || '(root)';
  return `"${field}" ${error.message ?? 'is invalid'}`;
}

/** Settings from a parsed policy document (pure). Throws SitePolicyError naming each bad field. */
export function settingsFromPolicy(policy: unknown, base: Settings = DEFAULT_SETTINGS): Settings {
  const validate = validator();
  if (!validate(policy)) {
    throw new SitePolicyError(`site policy: ${(validate.errors ?? []).map(describe).join('; ')}`);
  }
  const overrides: Partial<Record<SettingKey, number | boolean>> = {};
  for (const key of SETTING_KEYS) {
    const value = (policy as Record<string, unknown>)[key];
    if (typeof value === 'number' || typeof value === 'boolean') overrides[key] = value;
  }
  const settings = withSettings(overrides, base);
  const disordered = ORDERED_SETTINGS.filter(([low, high]) => (settings[low] as number) > (settings[high] as number));
  if (disordered.length > 0) {
    throw new SitePolicyError(`site policy: ${disordered.map(([low, high]) => `"${low}" (${String(settings[low])}) must not exceed "${high}" (${String(settings[high])})`).join('; ')}`);
  }
  return settings;
}

/** Reads and checks SITE_POLICY_FILE (start-up only). No file: the defaults. */
export function loadSettings(sitePolicyFile?: string): Settings {
  if (!sitePolicyFile) return DEFAULT_SETTINGS;
  let text: string;
  try {
    text = readFileSync(sitePolicyFile, 'utf8');
  } catch (error) {
    throw new SitePolicyError(`site policy: cannot read SITE_POLICY_FILE ${sitePolicyFile}: ${(error as Error).message}`);
  }
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch (error) {
    throw new SitePolicyError(`site policy: SITE_POLICY_FILE ${sitePolicyFile} is not JSON: ${(error as Error).message}`);
  }
  return settingsFromPolicy(policy);
}
