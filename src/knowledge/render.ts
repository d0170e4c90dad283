/**
 * Finding -> CardInput for `buildCard`. Static parts (citation links, override reasons) are built once at module load,
 * rule titles once per settings (rule-catalog.ts); per request only the finding's own values are formatted.
 */
import type { Link } from '../common/vocabulary.js';
import { CATEGORY_CODING, ORDERABLES, OVERRIDE_REASONS } from './catalog.js';
import { referenceText } from '../record/display.js';
import { CITATIONS, type CitationId } from './citations.js';
import { citationLink, markdownLine, markdownText as md } from './markdown-text.js';
import type { CardInput, EvaluationInput, Fact, Finding, SuggestedOrder, SuggestionInput } from './types.js';

const LINKS: Readonly<Partial<Record<CitationId, Link>>> = Object.fromEntries(
  Object.values(CITATIONS).filter((c) => c.url).map((c) => [c.id, { label: c.label, url: c.url!, type: 'absolute' as const }]),
);

/** A citation as the "Source:" line shows it: a link to the reference where it has one. */
function sourceText(id: string): string {
  const citation = CITATIONS[id as CitationId];
  if (!citation) return md(id);
  return citation.url ? citationLink(citation.label, citation.url) : md(citation.label);
}

function factRow(f: Fact): string {
  const date = f.date ? `${f.date}${f.ageDays !== undefined ? ` (${f.ageDays} d ago)` : ''}` : '-';
  const value = f.note ? `${f.value} (${f.note})` : f.value;
  return `| ${md(f.label)} | ${md(value)} | ${md(date)} | ${md(f.resource ?? '-')} | ${md(f.threshold ?? '-')} |`;
}

function section(title: string, lines: string[]): string[] {
  return lines.length === 0 ? [] : ['', `**${title}**`, '', ...lines.map((line) => `- ${markdownLine(line)}`)];
}

export function renderDetail(finding: Finding, input: EvaluationInput): string {
  const parts: string[] = [];
  if (finding.facts.length > 0) {
    parts.push('| Item | Value | Date | Resource | Threshold |', '|---|---|---|---|---|', ...finding.facts.map(factRow));
  }
  parts.push(...section('Missing, stale or ignored', finding.missing));
  parts.push(...section('Assumptions', finding.assumptions));
  parts.push(...section('Notes', finding.notes));
  if (input.hook !== 'patient-view' && input.taceOrders.length > 0) {
    parts.push('', `Order checked: ${md(input.taceOrders.map((o) => `${o.label} (${referenceText(o.reference)})`).join('; '))}.`);
  }
  parts.push('', `Source: ${finding.sources.map(sourceText).join('; ')}.`);
  return parts.join('\n').trim();
}

export function serviceRequest(order: SuggestedOrder, patientId: string): fhir4.ServiceRequest {
  const orderable = ORDERABLES[order.orderable];
  return {
    resourceType: 'ServiceRequest',
    status: 'draft',
    intent: 'proposal',
    category: [{ coding: [CATEGORY_CODING[orderable.category]] }],
    code: { coding: orderable.codings.map((c) => ({ ...c })), text: orderable.label },
    subject: { reference: `Patient/${patientId}` },
    reasonCode: [{ text: order.reason }],
  };
}

function suggestion(order: SuggestedOrder, patientId: string): SuggestionInput {
  const label = ORDERABLES[order.orderable].label;
  return {
    label: `Order ${label}`,
    actions: [{ type: 'create', description: `Draft order: ${label} (${order.reason})`, resource: serviceRequest(order, patientId) }],
  };
}

export function renderCard(finding: Finding, input: EvaluationInput, ruleTitle?: string): CardInput {
  const links = finding.sources.flatMap((id) => (LINKS[id as CitationId] ? [LINKS[id as CitationId]!] : []));
  const card: CardInput = {
    ruleId: finding.ruleId,
    indicator: finding.indicator,
    summary: finding.summary,
    detail: renderDetail(finding, input),
  };
  if (ruleTitle) card.ruleTitle = ruleTitle;
  if (links.length > 0) {
    card.links = links;
    card.sourceUrl = links[0]!.url;
  }
  if (finding.suggestions.length > 0) {
    card.suggestions = finding.suggestions.map((s) => suggestion(s, input.patientId));
    card.selectionBehavior = 'any';
  }
  if (input.hook !== 'patient-view' && finding.indicator !== 'info') card.overrideReasons = OVERRIDE_REASONS.map((r) => ({ ...r }));
  return card;
}
