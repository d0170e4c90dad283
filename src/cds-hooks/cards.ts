import { randomUUID } from 'node:crypto';
import type { CardInput, SuggestionInput } from '../knowledge/types.js';
import type { Action, Card, Coding, Link, Suggestion } from './types.js';

export type { CardInput, SuggestionInput } from '../knowledge/types.js';
import { INDICATORS } from './types.js';

/** The CodeSystem of this service's rule ids, carried in every card's `source.topic`. */
export const RULE_CODE_SYSTEM = 'urn:hcc-cds:rule';
export const SOURCE_LABEL = 'hcc-cds (primary liver cancer consensus rules)';
export const SUMMARY_MAX_LENGTH = 139;

export class CardInvariantError extends Error {}

/** Cuts at a word boundary and adds an ellipsis so the summary stays within 139 characters. */
export function fitSummary(summary: string): string {
  const text = summary.replace(/\s+/g, ' ').trim();
  if (text.length <= SUMMARY_MAX_LENGTH) return text;
  const cut = text.slice(0, SUMMARY_MAX_LENGTH - 1);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > 80 ? cut.slice(0, lastSpace) : cut).replace(/[\s,;:.]+$/, '')}…`;
}

function isAbsoluteUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:';
  } catch {
    return false;
  }
}

function buildAction(action: Action): Action {
  if (!action.description.trim()) throw new CardInvariantError('every action needs a description');
  if (action.type === 'create' && !action.resource) throw new CardInvariantError('a create action needs a resource');
  if (action.type === 'delete') {
    if (!action.resourceId) throw new CardInvariantError('a delete action needs a resourceId');
    return { type: 'delete', description: action.description, resourceId: action.resourceId };
  }
  return action.resourceId ? { ...action } : { type: action.type, description: action.description, resource: action.resource };
}

function buildSuggestion(input: SuggestionInput): Suggestion {
  if (!input.label.trim()) throw new CardInvariantError('every suggestion needs a label');
  const suggestion: Suggestion = { label: input.label, uuid: randomUUID() };
  if (input.isRecommended !== undefined) suggestion.isRecommended = input.isRecommended;
  if (input.actions.length > 0) suggestion.actions = input.actions.map(buildAction);
  return suggestion;
}

function buildLink(link: Link): Link {
  if (!link.label.trim()) throw new CardInvariantError('every link needs a label');
  if (link.type !== 'absolute' && link.type !== 'smart') throw new CardInvariantError(`link type ${String(link.type)}`);
  if (link.type === 'absolute' && !isAbsoluteUrl(link.url)) throw new CardInvariantError(`link url ${link.url} is not absolute`);
  const built: Link = { label: link.label, url: link.url, type: link.type };
  if (link.type === 'smart' && link.appContext) built.appContext = link.appContext;
  return built;
}

/**
 * The one place cards are made. Guarantees the CDS Hooks 2.0 card invariants: fresh uuid, summary of at most
 * 139 characters, indicator from the enum, source.label and source.topic (rule id), selectionBehavior whenever
 * there are suggestions, a display on every override reason, link rules, and no null or empty values.
 */
export function buildCard(input: CardInput): Card {
  if (!INDICATORS.includes(input.indicator)) throw new CardInvariantError(`indicator ${String(input.indicator)}`);
  if (!input.ruleId.trim()) throw new CardInvariantError('a card needs a rule id');
  const summary = fitSummary(input.summary);
  if (!summary) throw new CardInvariantError('a card needs a summary');

  const topic: Coding = { system: RULE_CODE_SYSTEM, code: input.ruleId };
  if (input.ruleTitle) topic.display = input.ruleTitle;
  const card: Card = {
    uuid: randomUUID(),
    summary,
    indicator: input.indicator,
    source: { label: SOURCE_LABEL, topic },
  };
  if (input.sourceUrl) {
    if (!isAbsoluteUrl(input.sourceUrl)) throw new CardInvariantError(`source url ${input.sourceUrl} is not absolute`);
    card.source.url = input.sourceUrl;
  }
  const detail = input.detail?.trim();
  if (detail) card.detail = detail;

  const suggestions = (input.suggestions ?? []).map(buildSuggestion);
  if (suggestions.length > 0) {
    card.suggestions = suggestions;
    card.selectionBehavior = input.selectionBehavior ?? 'any';
    if (card.selectionBehavior === 'at-most-one' && suggestions.filter((s) => s.isRecommended).length > 1) {
      throw new CardInvariantError('at-most-one allows at most one recommended suggestion');
    }
  }

  const reasons = input.overrideReasons ?? [];
  for (const reason of reasons) {
    if (!reason.system || !reason.code || !reason.display?.trim()) {
      throw new CardInvariantError('every override reason needs system, code and display');
    }
  }
  if (reasons.length > 0) card.overrideReasons = reasons.map((r) => ({ system: r.system, code: r.code, display: r.display }));

  const links = (input.links ?? []).map(buildLink);
  if (links.length > 0) card.links = links;
  return card;
}
