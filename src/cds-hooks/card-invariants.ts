import { RULE_CODE_SYSTEM, SUMMARY_MAX_LENGTH } from './cards.js';
import { INDICATORS } from './types.js';

/** An HTML tag in Markdown; a backslash-escaped `\<` is literal text, not a tag. */
const UNESCAPED_HTML_TAG = /(^|[^\\])<\/?[a-z][^>]*>/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** Paths of null, "", [] and {} values (CDS Hooks 2.0: JSON elements SHALL NOT be null or empty). */
export function emptyValuePaths(value: unknown, path = '$', allowEmptyAt: readonly string[] = []): string[] {
  if (value === null || value === undefined) return [path];
  if (typeof value === 'string') return value.trim() === '' ? [path] : [];
  if (Array.isArray(value)) {
    if (value.length === 0) return allowEmptyAt.includes(path) ? [] : [path];
    return value.flatMap((item, index) => emptyValuePaths(item, `${path}[${index}]`, allowEmptyAt));
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return [path];
    return entries.flatMap(([key, item]) => emptyValuePaths(item, `${path}.${key}`, allowEmptyAt));
  }
  return [];
}

function isAbsoluteUrl(url: unknown): boolean {
  if (typeof url !== 'string') return false;
  try {
    return ['http:', 'https:'].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

/** Every way a card on the wire breaks the contract §3 and CDS Hooks 2.0 §Card; empty means conformant. */
export function cardInvariantViolations(card: Record<string, any>): string[] {
  const problems: string[] = [];
  const fail = (message: string): void => void problems.push(message);

  if (typeof card.uuid !== 'string' || !UUID.test(card.uuid)) fail('uuid is not a UUID');
  if (typeof card.summary !== 'string' || card.summary.trim() === '') fail('summary missing');
  else if (card.summary.length > SUMMARY_MAX_LENGTH) fail(`summary longer than ${SUMMARY_MAX_LENGTH}`);
  if (!INDICATORS.includes(card.indicator)) fail(`indicator ${String(card.indicator)} not in the enum`);
  if (card.detail !== undefined && (typeof card.detail !== 'string' || UNESCAPED_HTML_TAG.test(card.detail))) {
    fail('detail must be Markdown without HTML');
  }
  const source = card.source;
  if (!source || typeof source.label !== 'string' || !source.label) fail('source.label missing');
  if (!source?.topic || source.topic.system !== RULE_CODE_SYSTEM || typeof source.topic.code !== 'string' || !source.topic.code) {
    fail('source.topic must carry the rule id');
  }
  if (source?.url !== undefined && !isAbsoluteUrl(source.url)) fail('source.url is not absolute');

  if (card.suggestions !== undefined) {
    if (!Array.isArray(card.suggestions)) fail('suggestions is not an array');
    if (!['at-most-one', 'any'].includes(card.selectionBehavior)) fail('suggestions without a valid selectionBehavior');
    const recommended = (card.suggestions ?? []).filter((s: any) => s.isRecommended === true).length;
    if (card.selectionBehavior === 'at-most-one' && recommended > 1) fail('at-most-one with several recommended');
    for (const suggestion of card.suggestions ?? []) {
      if (typeof suggestion.label !== 'string' || !suggestion.label) fail('suggestion without label');
      if (typeof suggestion.uuid !== 'string' || !UUID.test(suggestion.uuid)) fail('suggestion without uuid');
      for (const action of suggestion.actions ?? []) {
        if (!['create', 'update', 'delete'].includes(action.type)) fail(`action type ${String(action.type)}`);
        if (typeof action.description !== 'string' || !action.description) fail('action without description');
        if (action.type === 'create' && typeof action.resource?.resourceType !== 'string') fail('create without resource');
        if (action.type === 'delete' && (!action.resourceId || action.resource)) fail('delete needs resourceId only');
      }
    }
  } else if (card.selectionBehavior !== undefined) {
    fail('selectionBehavior without suggestions');
  }

  for (const reason of card.overrideReasons ?? []) {
    if (!reason.system || !reason.code || !reason.display) fail('override reason without system, code or display');
  }
  for (const link of card.links ?? []) {
    if (!link.label) fail('link without label');
    if (!['absolute', 'smart'].includes(link.type)) fail(`link type ${String(link.type)}`);
    if (link.type === 'absolute' && !isAbsoluteUrl(link.url)) fail('absolute link with a relative url');
    if (link.type !== 'smart' && link.appContext !== undefined) fail('appContext on a non-smart link');
  }
  for (const path of emptyValuePaths(card)) fail(`null or empty value at ${path}`);
  return problems;
}
