/** The site's start-up files that the pure layers cannot read themselves: SITE_POLICY_FILE (the knowledge settings). */
import { readJsonFile } from './common/startup-file.js';
import { settingsFromPolicy } from './knowledge/site-policy.js';
import { DEFAULT_SETTINGS, type Settings } from './knowledge/settings.js';

/** Reads and checks SITE_POLICY_FILE (start-up only). No file: the defaults. */
export function loadSettings(sitePolicyFile?: string): Settings {
  if (!sitePolicyFile) return DEFAULT_SETTINGS;
  return settingsFromPolicy(readJsonFile('SITE_POLICY_FILE', sitePolicyFile), `SITE_POLICY_FILE ${sitePolicyFile}`);
}
