/**
 * The contract of `parcoursWorkflow` (DOMAIN.md §1): one workflow per child's case, id `parcours-<dossierId>`. The API
 * imports this file to start cases, send updates and read queries; it holds the workflow's input, its messages and
 * (re-exported from parcours.codes.ts, parcours.inputs.ts and parcours.records.ts) the types they carry.
 *
 * How the API uses it:
 * - `POST /parcours`: `client.workflow.executeUpdateWithStart(createReferralUpdate, { args: [{ actor, at,
 *   idempotencyKey }], startWorkflowOperation: new WithStartWorkflowOperation(parcoursWorkflow, { workflowId:
 *   workflowIdFor(dossierId), args: [input], typedSearchAttributes: initialSearchAttributes(input),
 *   staticSummary: staticSummaryFor(input.referral), workflowIdConflictPolicy: 'USE_EXISTING', ... }) })`
 *   (both helpers in parcours.view.ts). The update answers once eligibility has been checked: the first
 *   `ParcoursView` (stage AWAITING_CONSENT, or CLOSED with closure.reason INELIGIBLE).
 * - Every staff action: `handle.executeUpdate(xxxUpdate, { args: [input], updateId: idempotencyKey })`; every
 *   update answers the `ParcoursView` as it now stands, or fails with an ApplicationFailure whose `type` is a
 *   `FailureType` (workflows/shared/failures.ts): INVALID_TRANSITION (stage does not accept it), CLOSED,
 *   RULE_VIOLATION, NOT_FOUND (unknown objective or action), CONFLICT (action already done/cancelled), DUPLICATE
 *   (idempotency key reused for another kind of request), BAD_INPUT.
 * - A closed case stays readable for its retention period (DOMAIN.md §5): its validators answer CLOSED (→ 409) and its
 *   queries answer; on its purge day it continues-as-new into a run without personal data, whose `getState` answers
 *   a `PurgedCaseView` (→ 410). `getAnswer` replays the first answer of an Idempotency-Key while the case remembers it.
 * - `POST /parcours` retried with the same Idempotency-Key must reuse the same dossierId (e.g. derived from the key)
 *   for the workflow to answer the stored first state; the duplicate-child check is
 *   `PreChildKey = '<key>' AND PreStage != 'CLOSED'` in visibility (eventually consistent).
 * - Settings travel in the input (workflows never read env); src/config/parcours.env.ts maps the environment to them.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Actor } from '../shared/messages';
import type { CarriedState } from '../shared/journal';
import type { CaseFigures } from './parcours.figures';
import type { ParcoursSettings, ReferralInput, ConsentInput, TeamReviewInput, ActionInput, ActionPatchInput, ReassessmentInput, RenewalInput, SuspensionInput, ResumptionInput, LifeEventInput, SafeguardingReportInput, DerogationInput, ClosureInput, ReferentAssignmentInput, CreateReferralInput, RectificationInput, DataExportInput } from './parcours.inputs';
import type { ErasureConfirmation, ParcoursClosingSummary, ParcoursRecord, ParcoursView, PurgedCaseRecord, PurgedCaseView, TimelineEntry } from './parcours.records';

export * from './parcours.codes';
export * from './parcours.inputs';
export * from './parcours.records';
export type { AgeBand } from './parcours.rules';
export type { IsoDate } from '../shared/calendar';
export { SYSTEM_ACTOR, type Actor, type Recorded, type UpdateMeta } from '../shared/messages';
export { FailureType } from '../shared/failures';

// ---------------------------------------------------------------------------------------------------------
// Identity
// ---------------------------------------------------------------------------------------------------------

/** The workflow id of a case: `parcours-<dossierId>` (the dossierId is opaque, without personal data). */
export function workflowIdFor(dossierId: string): string {
  return `parcours-${dossierId}`;
}

/** The workflow type of a case (visibility queries filter on it). */
export const PARCOURS_WORKFLOW_TYPE = 'parcoursWorkflow';

/** The dossierId of a parcours workflow id, or null when the id is not one. */
export function dossierIdOf(workflowId: string): string | null {
  return workflowId.startsWith('parcours-') ? workflowId.slice('parcours-'.length) : null;
}

// ---------------------------------------------------------------------------------------------------------
// Workflow input
// ---------------------------------------------------------------------------------------------------------

/**
 * What the workflow carries across continue-as-new (opaque to the API; never build it outside the workflow): the
 * record, and the journal (timeline, remembered Idempotency-Keys with their first answer, fired timers, pending
 * notifications).
 */
export type ParcoursCarriedState = CarriedState<ParcoursRecord, TimelineEntry, ParcoursView>;

/** Input of `parcoursWorkflow`. */
export interface ParcoursInput {
  dossierId: string;
  referral: ReferralInput;
  /** HMAC of the child's normalised names + birth date, computed by the API (PreChildKey). */
  childKey: string;
  settings: ParcoursSettings;
  /** Who sent the referral. */
  createdBy: Actor;
  /** ISO instant the API received the referral. */
  createdAt: string;
  /** Initial référent; default: the creator when they are a référent. */
  referentId?: string;
  /**
   * True (every referral since issue 17): the workflow decides eligibility itself, with the pure rule and the list in
   * `settings`, in its first workflow task. Absent in the inputs of cases referred before, whose histories hold the
   * `checkEligibility` activity they replay.
   */
  eligibilityInWorkflow?: boolean;
  /**
   * True when the API claimed the child's registry (workflows/registry/child-registry.ts) for this case: the case
   * releases it when it closes. Absent in the inputs of cases referred before the registry.
   */
  childRegistry?: boolean;
  /** Set by the workflow itself on continue-as-new. */
  carried?: ParcoursCarriedState;
}

/**
 * Input of a run continued as new: the start input without the referral (the carried record holds the child's data
 * once, as it now stands), with what the previous run carried.
 */
export type ContinuedParcoursInput = Omit<ParcoursInput, 'referral' | 'carried'> & { referral?: undefined; carried: ParcoursCarriedState };

/**
 * Input of the last run of a purged case (the "tombstone"): the case continues-as-new into it when its retention
 * ends, so the current run's history starts without any personal data; the anonymised figures ride along for the
 * yearly indicators (and in the memo, as for every case).
 */
export interface PurgedCaseInput {
  dossierId: string;
  purged: PurgedCaseRecord;
  figures: CaseFigures;
  /** False on a server without the custom search attributes (the time-skipping server). */
  searchAttributes: boolean;
}


export function isPurgedView(v: ParcoursView | PurgedCaseView): v is PurgedCaseView {
  return (v as PurgedCaseView).purged !== undefined;
}

export function isPurgedInput(i: ParcoursInput | ContinuedParcoursInput | PurgedCaseInput): i is PurgedCaseInput {
  return (i as PurgedCaseInput).purged !== undefined;
}

/** The retention schedule confirms a purged case's earlier runs are deleted (the tombstone marks itself ERASED). */
export const confirmErasureSignal = defineSignal<[ErasureConfirmation]>('confirmErasure');

// ---------------------------------------------------------------------------------------------------------
// Messages (wire names are persisted: never rename)
// ---------------------------------------------------------------------------------------------------------

/** Update-with-start companion of `POST /parcours`: answers the first state once eligibility is recorded. */
export const createReferralUpdate = defineUpdate<ParcoursView, [CreateReferralInput], 'createReferral'>('createReferral');
/** Family agreement or refusal (AWAITING_CONSENT). */
export const recordConsentUpdate = defineUpdate<ParcoursView, [ConsentInput], 'recordConsent'>('recordConsent');
/** EPS decision (AWAITING_TEAM_REVIEW). */
export const recordTeamReviewUpdate = defineUpdate<ParcoursView, [TeamReviewInput], 'recordTeamReview'>('recordTeamReview');
/** Schedules an action (ACTIVE); the new action is the last of `actions`. */
export const scheduleActionUpdate = defineUpdate<ParcoursView, [ActionInput], 'scheduleAction'>('scheduleAction');
/** Changes, completes or cancels an action (ACTIVE). */
export const changeActionUpdate = defineUpdate<ParcoursView, [ActionPatchInput], 'changeAction'>('changeAction');
/** A periodic reassessment (ACTIVE); the workflow continues-as-new after it. */
export const recordReassessmentUpdate = defineUpdate<ParcoursView, [ReassessmentInput], 'recordReassessment'>('recordReassessment');
/** EPS renewal +6 or +12 months (ACTIVE). */
export const renewParcoursUpdate = defineUpdate<ParcoursView, [RenewalInput], 'renewParcours'>('renewParcours');
/** Pauses reminders (ACTIVE). */
export const suspendParcoursUpdate = defineUpdate<ParcoursView, [SuspensionInput], 'suspendParcours'>('suspendParcours');
/** Resumes a suspended case (ACTIVE, suspended). */
export const resumeParcoursUpdate = defineUpdate<ParcoursView, [ResumptionInput], 'resumeParcours'>('resumeParcours');
/** A life event: consent withdrawn, moved out, family unreachable, contact restored, safeguarding concern. */
export const recordLifeEventUpdate = defineUpdate<ParcoursView, [LifeEventInput], 'recordLifeEvent'>('recordLifeEvent');
/** The département's report date of a safeguarding concern already recorded (any open stage; no second escalation). */
export const recordSafeguardingReportUpdate = defineUpdate<ParcoursView, [SafeguardingReportInput], 'recordSafeguardingReport'>('recordSafeguardingReport');
/** A coordinator override with a motive (age, duration; eligibility travels with the referral). */
export const recordDerogationUpdate = defineUpdate<ParcoursView, [DerogationInput], 'recordDerogation'>('recordDerogation');
/** Closes the case with a reason and summary; the case then keeps its data for the retention period, and purges them. */
export const closeParcoursUpdate = defineUpdate<ParcoursView, [ClosureInput], 'closeParcours'>('closeParcours');
/** Assigns or changes the référent (any open stage). */
export const assignReferentUpdate = defineUpdate<ParcoursView, [ReferentAssignmentInput], 'assignReferent'>('assignReferent');
/**
 * Rectification (GDPR art. 16): only the fields given change; recorded as which fields changed, by whom and when.
 * Accepted at every stage once the eligibility is checked, a closed case included while it holds its data.
 */
export const rectifyParcoursUpdate = defineUpdate<ParcoursView, [RectificationInput], 'rectifyParcours'>('rectifyParcours');
/** Records an access export (GDPR art. 15) in the timeline before the API answers it; accepted at every stage. */
export const recordDataExportUpdate = defineUpdate<ParcoursView, [DataExportInput], 'recordDataExport'>('recordDataExport');

/**
 * The case as it stands (also on a closed case); once its retention has ended, the `PurgedCaseView` of what
 * remains (`isPurgedView`).
 */
export const getStateQuery = defineQuery<ParcoursView | PurgedCaseView, [], 'getState'>('getState');
/**
 * The closing summary (anonymised figures) once the case is closed and its last notifications recorded; null while
 * open, and once purged (its figures stay in the memo).
 */
export const getClosingSummaryQuery = defineQuery<ParcoursClosingSummary | null, [], 'getClosingSummary'>('getClosingSummary');
/** Every recorded change with actor and time, oldest first. */
export const getTimelineQuery = defineQuery<TimelineEntry[], [], 'getTimeline'>('getTimeline');
/**
 * The first answer given to an Idempotency-Key (null when the case does not remember it): lets the API replay a
 * retried request on a closed case, whose workflow has completed and takes no update any more.
 */
export const getAnswerQuery = defineQuery<ParcoursView | null, [string], 'getAnswer'>('getAnswer');
