/**
 * The rules of the service, from their definitions: every rule id once, the card order, the titles under the
 * settings, and which rules a rule group runs. Built once at start-up.
 */
import type { RuleDefinition } from './rules/rule.js';
import type { Settings } from './settings.js';
import type { HookName } from '../common/vocabulary.js';
import type { RuleGroup } from './types.js';

export class RuleCatalog {
  /** Every rule id, in catalog order. */
  readonly ids: readonly string[];
  private readonly rank = new Map<string, number>();
  private readonly byGroup = new Map<RuleGroup | 'after-all', RuleDefinition[]>();

  constructor(readonly definitions: readonly RuleDefinition[]) {
    const positions = new Map<number, string>();
    for (const definition of definitions) {
      for (const [id, position] of Object.entries<number>(definition.catalog)) {
        if (this.rank.has(id)) throw new Error(`rule id ${id} is declared twice`);
        if (positions.has(position)) throw new Error(`rule ids ${positions.get(position)} and ${id} share the catalog position ${position}`);
        this.rank.set(id, position);
        positions.set(position, id);
      }
    }
    this.ids = [...this.rank.keys()].sort((a, b) => this.position(a) - this.position(b));
    const first = (definition: RuleDefinition): number => Math.min(...Object.values<number>(definition.catalog));
    for (const definition of [...definitions].sort((a, b) => first(a) - first(b))) {
      const list = this.byGroup.get(definition.group) ?? [];
      list.push(definition);
      this.byGroup.set(definition.group, list);
    }
  }

  /** Where a rule id stands in the card order (an unknown id sorts first; the catalog test keeps ids declared). */
  position(id: string): number {
    return this.rank.get(id) ?? 0;
  }

  has(id: string): boolean {
    return this.rank.has(id);
  }

  /** The hooks a rule id's cards can appear on (its definition's `hooks`); empty for an unknown id. */
  hooksOf(id: string): readonly HookName[] {
    return this.definitions.find((definition) => Object.hasOwn(definition.catalog, id))?.hooks ?? [];
  }

  rulesOf(group: RuleGroup | 'after-all'): readonly RuleDefinition[] {
    return this.byGroup.get(group) ?? [];
  }

  /** The card title of every rule id under these settings. */
  titles(settings: Settings): ReadonlyMap<string, string> {
    const titles = new Map<string, string>();
    for (const definition of this.definitions) for (const [id, title] of Object.entries<string>(definition.titles(settings))) titles.set(id, title);
    return titles;
  }
}
