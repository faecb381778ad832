/**
 * The state of one parcours, split by responsibility: its record and journal, what its stage accepts and how it
 * closes (parcours.case.ts); its deadlines and timers, from one table (parcours.deadlines.ts); the validator and
 * applier of each update (parcours.transitions.ts), the family's rights (parcours.rights.ts); what it shows (parcours.view.ts). `ParcoursCase` assembles
 * them for the workflow. Deterministic: "now" is always passed in.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { frDate } from '../shared/calendar';
import { FailureType, failure } from '../shared/failures';
import { rule } from './parcours.case';
import type { SafeguardingReportInput } from './parcours.inputs';
import type { LifeEventRecord, ParcoursClosingSummary, ParcoursView, RetentionView } from './parcours.records';
import { CaseRights } from './parcours.rights';
import { caseDetails, caseSearchAttributes, caseView, closingSummaryOf, retentionOf } from './parcours.view';

/** One parcours: data, journal, transitions and view. */
export class ParcoursCase extends CaseRights {
  /** The concern a report date is added to: the latest of that date still without one, else the latest of that date. */
  private concernOn(date: string): LifeEventRecord | undefined {
    const concerns = this.record.lifeEvents.filter((e) => e.type === 'SAFEGUARDING_CONCERN' && e.occurredOn === date);
    return [...concerns].reverse().find((e) => !e.reportedOn) ?? concerns[concerns.length - 1];
  }

  /** The report date goes on a concern already recorded (422 UNKNOWN_CONCERN none that day), once (409), not before it (422). */
  validateSafeguardingReport(i: SafeguardingReportInput): void {
    this.assertAccepts('recordLifeEvent');
    const concern = this.concernOn(i.concernOn);
    if (!concern) {
      const dates = this.record.lifeEvents.filter((e) => e.type === 'SAFEGUARDING_CONCERN').map((e) => e.occurredOn);
      // a date that names no recorded concern is a rule of the body (422), as a team review naming an unknown meeting
      rule(`The case has no safeguarding concern of ${i.concernOn} (concerns: ${dates.join(', ') || 'none'}).`, { code: 'UNKNOWN_CONCERN', field: 'concernOn', concernOn: i.concernOn });
    }
    if (concern.reportedOn) {
      throw failure(FailureType.CONFLICT, `The concern of ${i.concernOn} was already reported to the département on ${concern.reportedOn}.`, { concernOn: i.concernOn, reportedOn: concern.reportedOn });
    }
    if (i.reportedOn < i.concernOn) rule(`The report to the département (${i.reportedOn}) is before the concern (${i.concernOn}).`, { field: 'reportedOn' });
  }

  /** Sets the report date on the concern; the concern was escalated when recorded, nothing is sent again. */
  applySafeguardingReport(i: SafeguardingReportInput, nowMs: number): void {
    this.concernOn(i.concernOn)!.reportedOn = i.reportedOn;
    this.addTimeline(i.actor, 'LIFE_EVENT_RECORDED', `Information préoccupante transmise le ${frDate(i.reportedOn)} (préoccupation du ${frDate(i.concernOn)})`, nowMs, i.reportedOn, i);
  }

  /** The case as it now stands (every update's answer, `getState`). */
  view(nowMs: number): ParcoursView {
    return caseView(this, nowMs);
  }

  /** Markdown for the Temporal UI's current details. */
  currentDetails(nowMs: number): string {
    return caseDetails(this, nowMs);
  }

  /** The search attributes of the case now. */
  searchAttributes(nowMs: number): SearchAttributeUpdatePair[] {
    return caseSearchAttributes(this, nowMs);
  }

  /** Until when a closed case keeps its personal data (null while open). */
  retention(): RetentionView | null {
    return retentionOf(this.record);
  }

  /** The workflow's closing figures (the case must be closed). */
  closingSummary(): ParcoursClosingSummary {
    return closingSummaryOf(this.record);
  }
}
