/**
 * The site policy (SITE_POLICY_FILE): a JSON object that changes settings, e.g. `{"inrMax": 1.5,
 * "maleSurveillanceAgeYears": 35}`, checked against a schema generated from SETTING_DEFINITIONS. Pure: the file is
 * read at start-up by the composition root (src/site-files.ts), never by the rules.
 */
import { createAjv } from '../common/json-schema.js';
import { checkStartupDocument, StartupError } from '../common/startup.js';
import { DEFAULT_SETTINGS, ORDERED_SETTINGS, SETTING_DEFINITIONS, SETTING_KEYS, withSettings, type SettingKey, type Settings } from './settings.js';

function settingSchema(key: SettingKey): Record<string, unknown> {
  const def = SETTING_DEFINITIONS[key] as { type: string; min?: number; max?: number; exclusiveMin?: number; description: string };
  const schema: Record<string, unknown> = { type: def.type, description: def.description };
  if (def.min !== undefined) schema.minimum = def.min;
  if (def.exclusiveMin !== undefined) schema.exclusiveMinimum = def.exclusiveMin;
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

let compiled: ReturnType<ReturnType<typeof createAjv>['compile']> | undefined;

/**
 * Settings from a parsed policy document. Throws a StartupError `<where>: <field> <problem>` naming each bad field;
 * `where` names the file (`SITE_POLICY_FILE /etc/hcc/policy.json`).
 */
export function settingsFromPolicy(policy: unknown, where = 'site policy', base: Settings = DEFAULT_SETTINGS): Settings {
  compiled ??= createAjv().compile(SITE_POLICY_SCHEMA);
  checkStartupDocument(where, policy, compiled, { noun: 'setting' });
  const overrides: Partial<Record<SettingKey, number | boolean>> = {};
  for (const key of SETTING_KEYS) {
    const value = (policy as Record<string, unknown>)[key];
    if (typeof value === 'number' || typeof value === 'boolean') overrides[key] = value;
  }
  const settings = withSettings(overrides, base);
  const disordered = ORDERED_SETTINGS.filter(([low, high]) => (settings[low] as number) > (settings[high] as number));
  if (disordered.length > 0) {
    throw new StartupError(`${where}: ${disordered.map(([low, high]) => `"${low}" (${String(settings[low])}) must not exceed "${high}" (${String(settings[high])})`).join('; ')}`);
  }
  return settings;
}
