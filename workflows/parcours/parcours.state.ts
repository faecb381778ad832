/**
 * The state of one parcours, split by responsibility: its record and journal, what its stage accepts and how it
 * closes (parcours.case.ts); its deadlines and timers, from one table (parcours.deadlines.ts); the validator and
 * applier of each update (parcours.transitions.ts), the family's rights (parcours.rights.ts); what it shows (parcours.view.ts). `ParcoursCase` assembles
 * them for the workflow. Deterministic: "now" is always passed in.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { ParcoursClosingSummary, ParcoursView, RetentionView } from './parcours.records';
import { CaseRights } from './parcours.rights';
import { caseDetails, caseSearchAttributes, caseView, closingSummaryOf, retentionOf } from './parcours.view';

/** One parcours: data, journal, transitions and view. */
export class ParcoursCase extends CaseRights {
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
