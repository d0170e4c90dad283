/**
 * The rule catalog from the rule files: every module in src/knowledge/rules/ is loaded once at start-up and each
 * `defineRule(...)` it exports joins the catalog. So a new rule is one file (and its test), with no list to edit.
 * Here, in the composition layer, because finding the files reads a directory and the knowledge layer does no I/O.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RuleCatalog } from './knowledge/rule-catalog.js';
import { isRuleDefinition, type RuleDefinition } from './knowledge/rules/rule.js';

const RULES_DIR = new URL('./knowledge/rules/', import.meta.url);
/** Under the TypeScript test runner the rules are .ts files; in the build, .js. */
const EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

let loaded: Promise<RuleCatalog> | undefined;

export function loadRuleCatalog(): Promise<RuleCatalog> {
  loaded ??= (async () => {
    const files = readdirSync(fileURLToPath(RULES_DIR)).filter((name) => name.endsWith(EXTENSION) && !name.endsWith(`.d${EXTENSION}`)).sort();
    const definitions: RuleDefinition[] = [];
    for (const name of files) {
      const module = (await import(new URL(name, RULES_DIR).href)) as Record<string, unknown>;
      definitions.push(...Object.values(module).filter(isRuleDefinition));
    }
    return new RuleCatalog(definitions);
  })();
  return loaded;
}
