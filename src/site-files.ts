/**
 * The site's start-up files that the pure layers cannot read themselves: SITE_POLICY_FILE, which holds the knowledge
 * settings and the go-live policy (rule modes, snooze after override: contract §7).
 */
import { readJsonFile } from './common/startup-file.js';
import { StartupError } from './common/startup.js';
import { DEFAULT_GOVERNANCE_POLICY, GOVERNANCE_POLICY_KEYS, governancePolicyFrom, GovernancePolicyError, type GovernancePolicy, type KnownNames } from './governance/rule-modes.js';
import { settingsFromPolicy } from './knowledge/site-policy.js';
import { isObject } from './common/json-object.js';
import { DEFAULT_SETTINGS, type Settings } from './knowledge/settings.js';


/** The document without the go-live keys: the settings schema knows only settings. */
function settingsPart(document: unknown): unknown {
  if (!isObject(document)) return document;
  const rest: Record<string, unknown> = { ...document };
  for (const key of GOVERNANCE_POLICY_KEYS) delete rest[key];
  return rest;
}

/** Reads and checks SITE_POLICY_FILE (start-up only). No file: the defaults. */
export function loadSettings(sitePolicyFile?: string): Settings {
  if (!sitePolicyFile) return DEFAULT_SETTINGS;
  return settingsFromPolicy(settingsPart(readJsonFile('SITE_POLICY_FILE', sitePolicyFile)), `SITE_POLICY_FILE ${sitePolicyFile}`);
}

/**
 * SITE_POLICY_FILE, read once: its settings now (a bad one stops start-up first), its go-live policy once the rules
 * and services are known. A bad rule mode or snooze entry stops start-up with one line naming the file and each field.
 */
export function loadSitePolicy(sitePolicyFile: string | undefined): { settings: Settings; governance: (known: KnownNames) => GovernancePolicy } {
  if (!sitePolicyFile) return { settings: DEFAULT_SETTINGS, governance: () => DEFAULT_GOVERNANCE_POLICY };
  const where = `SITE_POLICY_FILE ${sitePolicyFile}`;
  const document = readJsonFile('SITE_POLICY_FILE', sitePolicyFile);
  const settings = settingsFromPolicy(settingsPart(document), where);
  const governance = (known: KnownNames): GovernancePolicy => {
    try {
      return governancePolicyFrom(document, known);
    } catch (error) {
      if (error instanceof GovernancePolicyError) throw new StartupError(`${where}: ${error.message.replace(/^site policy: /, '')}`);
      throw error;
    }
  };
  return { settings, governance };
}
