/**
 * What the hook pipeline asks of governance, in one place (wired by the pipeline, not here):
 *   before evaluating: `offRuleIds(serviceId, iss)`: rules not to evaluate at all;
 *   after rendering:   `decide(call, cards, findings)`: which cards are returned, and the issued-card log rows of
 *                      all of them (shown, silent, snoozed) for `cardLog.record`;
 *   after feedback:    `snoozeAfterFeedback(serviceId, items)`: a snooze for each override of a snoozable card.
 */
import type { Card, FeedbackItem } from '../cds-hooks/types.js';
import { calendarDate } from '../common/calendar.js';
import type { Finding } from '../knowledge/types.js';
import type { CardLogRepository, CardMode, IssuedCard, Snooze, SnoozeRepository } from '../store/types.js';
import { findingFingerprint } from './fingerprint.js';
import type { PatientPseudonymizer } from './pseudonym.js';
import { startOfCalendarDay } from './report-range.js';
import type { RuleModes } from './rule-modes.js';

export interface HookCallIdentity {
  serviceId: string;
  hook: string;
  hookInstance: string;
  patientId: string;
  /** The authenticated client (absent when authentication is off). */
  iss?: string;
  tenant?: string;
}

export interface DecidedCards {
  /** The cards to answer with (mode `shown`), in the order given. */
  returned: Card[];
  /** One log row per card decided on, `off` rules excluded. */
  rows: IssuedCard[];
}

export interface GovernanceOptions {
  modes: RuleModes;
  pseudonymize: PatientPseudonymizer;
  snoozes: Pick<SnoozeRepository, 'active' | 'put'>;
  cardLog: Pick<CardLogRepository, 'find'>;
  timeZone: string;
  now?: () => Date;
  /** A snooze lookup that failed: the cards are shown (never hidden because the store was down). */
  onSnoozeLookupFailure?: (error: unknown) => void;
}

const DAY_MS = 86_400_000;

export class Governance {
  private readonly now: () => Date;
  private readonly modeSets = new Map<string, ReadonlySet<string>>();

  constructor(private readonly options: GovernanceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Rule ids with mode `off` for this call: the engine does not evaluate them. Empty for most sites. */
  offRuleIds(serviceId: string, iss?: string): ReadonlySet<string> {
    return this.ruleIdsIn('off', serviceId, iss);
  }

  /** Rules whose cards are logged but not returned on this call: a card of theirs names nothing to the clinician. */
  silentRuleIds(serviceId: string, iss?: string): ReadonlySet<string> {
    return this.ruleIdsIn('silent', serviceId, iss);
  }

  /**
   * The rules whose cards this call may not show, for DQ-INCOMPLETE to know they tell the clinician nothing: the
   * silent ones, and on patient-view those with an override snooze running for this patient (their card is snoozed
   * unless its facts changed; counted as quiet either way, so a cut-off key is named by a card that is shown).
   */
  async quietRuleIds(call: HookCallIdentity): Promise<ReadonlySet<string>> {
    const silent = this.silentRuleIds(call.serviceId, call.iss);
    if (call.hook !== 'patient-view' || Object.keys(this.options.modes.policy.snoozeDaysAfterOverride).length === 0) return silent;
    const running = await this.runningSnoozes(this.options.pseudonymize(call.patientId, { iss: call.iss, tenant: call.tenant }), this.now().toISOString());
    return running.length === 0 ? silent : new Set([...silent, ...running.map((snooze) => snooze.ruleId)]);
  }

  /** Worked out once per mode, service and client: the services and the (authenticated, registered) issuers are few. */
  private ruleIdsIn(mode: 'off' | 'silent', serviceId: string, iss?: string): ReadonlySet<string> {
    const key = `${mode}\u0000${serviceId}\u0000${iss ?? ''}`;
    let ids = this.modeSets.get(key);
    if (!ids) {
      ids = new Set(Object.keys(this.options.modes.policy.ruleModes).filter((ruleId) => this.options.modes.modeOf(ruleId, serviceId, iss) === mode));
      this.modeSets.set(key, ids);
    }
    return ids;
  }

  /**
   * The mode of each rendered card (`cards[i]` rendered from `findings[i]`): silent by policy, snoozed when an
   * override snooze of that rule for this patient runs and the fingerprint is unchanged, else shown. Order-hook
   * cards are never snoozed. The snoozes are read (one query) only when a patient-view card could be snoozed.
   */
  async decide(call: HookCallIdentity, cards: readonly Card[], findings: readonly Finding[]): Promise<DecidedCards> {
    if (cards.length !== findings.length) throw new TypeError('decide: cards and findings must be parallel arrays');
    const { modes } = this.options;
    const issuedAt = this.now().toISOString();
    const patientPseudonym = this.options.pseudonymize(call.patientId, { iss: call.iss, tenant: call.tenant });
    let running: Snooze[] | undefined;
    const returned: Card[] = [];
    const rows: IssuedCard[] = [];
    for (let i = 0; i < cards.length; i += 1) {
      const card = cards[i]!;
      const finding = findings[i]!;
      const policyMode = modes.modeOf(finding.ruleId, call.serviceId, call.iss);
      if (policyMode === 'off') continue;
      const fingerprint = findingFingerprint(finding);
      let mode: CardMode = policyMode === 'silent' ? 'silent' : 'shown';
      if (mode === 'shown' && call.hook === 'patient-view' && modes.snoozeDaysOf(finding.ruleId) > 0) {
        running ??= await this.runningSnoozes(patientPseudonym, issuedAt);
        if (running.some((s) => s.ruleId === finding.ruleId && s.fingerprint === fingerprint)) mode = 'snoozed';
      }
      if (mode === 'shown') returned.push(card);
      rows.push({
        uuid: card.uuid,
        serviceId: call.serviceId,
        hook: call.hook,
        hookInstance: call.hookInstance,
        ruleId: finding.ruleId,
        indicator: card.indicator,
        mode,
        ...(call.iss !== undefined ? { iss: call.iss } : {}),
        ...(call.tenant !== undefined ? { tenant: call.tenant } : {}),
        issuedAt,
        patientPseudonym,
        fingerprint,
        ...(card.suggestions?.length ? { suggestions: card.suggestions.map(({ uuid, label }) => ({ uuid, label })) } : {}),
      });
    }
    return { returned, rows };
  }

  private async runningSnoozes(patientPseudonym: string, nowIso: string): Promise<Snooze[]> {
    try {
      return await this.options.snoozes.active(patientPseudonym, nowIso);
    } catch (error) {
      this.options.onSnoozeLookupFailure?.(error);
      return [];
    }
  }

  /**
   * After a feedback batch is stored: for each `overridden` item whose card was shown on patient-view by a rule
   * with `snoozeDaysAfterOverride`, snooze that rule for that patient and fingerprint until the start of the
   * calendar day (CDS_TIME_ZONE) that many days after the feedback arrived (the server's clock, not the client's
   * outcomeTimestamp, so no client can stretch a snooze). Resolves with the snoozes put.
   */
  async snoozeAfterFeedback(items: readonly FeedbackItem[]): Promise<Snooze[]> {
    const put: Snooze[] = [];
    const today = calendarDate(this.now(), this.options.timeZone);
    for (const item of items) {
      if (item.outcome !== 'overridden') continue;
      const row = await this.options.cardLog.find(item.card);
      if (!row || row.mode !== 'shown' || row.hook !== 'patient-view') continue;
      const days = this.options.modes.snoozeDaysOf(row.ruleId);
      if (days === 0) continue;
      const until = new Date(Date.parse(`${today}T00:00:00.000Z`) + days * DAY_MS).toISOString().slice(0, 10);
      const snooze: Snooze = { ruleId: row.ruleId, patientPseudonym: row.patientPseudonym, fingerprint: row.fingerprint, untilIso: startOfCalendarDay(until, this.options.timeZone).toISOString() };
      await this.options.snoozes.put(snooze);
      put.push(snooze);
    }
    return put;
  }
}
