/** The governance report as CSV (RFC 4180) and as a Markdown table: the same rows and numbers as the JSON. */
import type { GovernanceReport, OverrideReasonCount, RuleReportRow } from './report.js';

export const CSV_COLUMNS = [
  'ruleId', 'mode', 'issued', 'accepted', 'overridden', 'noFeedback', 'acceptRate', 'overrideRate', 'feedbackCoverage',
  'overrideReasons', 'overriddenWithoutReason', 'acceptedSuggestions', 'indicators', 'from', 'to', 'orphanFeedback',
] as const;

/** `system|code "display" = count`, most frequent first, joined by "; ". */
export function reasonsText(reasons: readonly OverrideReasonCount[]): string {
  return reasons.map((r) => `${r.system ? `${r.system}|` : ''}${r.code ?? ''}${r.display ? ` "${r.display}"` : ''} = ${r.count}`).join('; ');
}

const indicatorsText = (indicators: Record<string, number>): string => Object.entries(indicators).map(([indicator, n]) => `${indicator} = ${n}`).join('; ');
const suggestionsText = (row: RuleReportRow): string => row.acceptedSuggestions.map((s) => `${s.label ?? s.id} = ${s.count}`).join('; ');

/**
 * One CSV field: quoted when it holds a comma, quote or line break (RFC 4180). Text a spreadsheet would run as a
 * formula (override reason displays come from the EHR) starts with an apostrophe (OWASP CSV injection).
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row per (rule, mode), CRLF line ends, a header row first. */
export function reportCsv(report: GovernanceReport): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of report.rules) {
    const cells: Record<(typeof CSV_COLUMNS)[number], string | number | null> = {
      ruleId: row.ruleId,
      mode: row.mode,
      issued: row.issued,
      accepted: row.accepted,
      overridden: row.overridden,
      noFeedback: row.noFeedback,
      acceptRate: row.acceptRate,
      overrideRate: row.overrideRate,
      feedbackCoverage: row.feedbackCoverage,
      overrideReasons: reasonsText(row.overrideReasons),
      overriddenWithoutReason: row.overriddenWithoutReason,
      acceptedSuggestions: suggestionsText(row),
      indicators: indicatorsText(row.indicators),
      from: report.from,
      to: report.to,
      orphanFeedback: report.orphanFeedback,
    };
    lines.push(CSV_COLUMNS.map((column) => csvField(cells[column])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

const percent = (value: number | null): string => (value === null ? '-' : `${(Math.round(value * 1000) / 10).toFixed(1)} %`);
// Markdown table cells: a pipe or a line break would end the cell; backslashes and backticks are shown as typed.
const mdCell = (text: string): string => text.replace(/[\\|`*_[\]<>]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');

/** A Markdown report for the terminal and for pasting into minutes. */
export function reportMarkdown(report: GovernanceReport): string {
  const lines = [
    `# Rule report ${report.from} to ${report.to} (${report.timeZone})`,
    '',
    `Cards issued: ${report.totals.issued} (shown ${report.totals.shown}, silent ${report.totals.silent}, snoozed ${report.totals.snoozed}). Orphaned feedback (card not in the log): ${report.orphanFeedback}.`,
    '',
  ];
  if (report.rules.length === 0) {
    lines.push('No cards in this period.');
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    '| Rule | Mode | Issued | Accepted | Overridden | No feedback | Accept rate | Override rate | Feedback coverage | Top override reasons |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|---|',
  );
  for (const row of report.rules) {
    const reasons = reasonsText(row.overrideReasons.slice(0, 3)) + (row.overrideReasons.length > 3 ? '; ...' : '');
    lines.push(`| ${mdCell(row.ruleId)} | ${row.mode} | ${row.issued} | ${row.accepted} | ${row.overridden} | ${row.noFeedback} | ${percent(row.acceptRate)} | ${percent(row.overrideRate)} | ${percent(row.feedbackCoverage)} | ${mdCell(reasons) || '-'} |`);
  }
  return `${lines.join('\n')}\n`;
}
