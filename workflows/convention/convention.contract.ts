/**
 * The contract of the funding convention (DOMAIN.md §2): `conventionWorkflow`, id `convention-<reference>`, and one
 * child `fundingYearWorkflow` per year, id `convention-<reference>-<year>`. The API imports this file to start
 * conventions, send updates and read queries: it holds the workflows' inputs, their messages and (re-exported from
 * convention.codes.ts, convention.inputs.ts and convention.records.ts) the types they carry.
 *
 * How the API uses it:
 * - `POST /conventions`: `client.workflow.executeUpdateWithStart(createConventionUpdate, { args: [{ actor, at,
 *   idempotencyKey }], updateId: idempotencyKey, startWorkflowOperation: new WithStartWorkflowOperation(
 *   conventionWorkflow, { ...conventionStartOptions(input), taskQueue }) })` (convention.view.ts) → the first
 *   `ConventionView` (201). A second create of the same reference with another (or no) key fails with DUPLICATE
 *   (→ 409) while the convention runs; once it has completed, the start itself fails (REJECT_DUPLICATE id reuse →
 *   WorkflowExecutionAlreadyStartedError → 409).
 * - Convention-level changes go to the PARENT `convention-<ref>`: `recordDeliberationUpdate` (answers
 *   `DeliberationAnswer` = the computed result at the top level + `convention`; 201 with it as is),
 *   `recordPublicationUpdate`, `recordTransmissionUpdate`, `recordSignatureUpdate` (answer `ConventionView`, 200).
 * - ROUTING OF YEAR-LEVEL UPDATES: the API sends them DIRECTLY to the child `fundingYearWorkflowId(ref, year)`
 *   (`recordAuthorisationUpdate`, `recordRequestUpdate`, `recordPaymentUpdate`, `recordFinancialReportUpdate`, each
 *   answering `FundingYearView`), never through the parent: a workflow cannot run an update on another workflow, so
 *   relaying would lose the synchronous answer and the validator's refusal. The child tells the parent of every
 *   change by a signal (`yearChangedSignal`), so the parent's `years[]` follows within milliseconds (eventually
 *   consistent: a GET of the convention right after a year update may lag one workflow task; poll in tests).
 *   `GET /conventions/{ref}/years/{year}` queries the child (`getYearStateQuery`).
 * - A year's child does not exist before the convention takes effect (the later signature starts every year).
 *   When the child is not found (WorkflowNotFoundError) the API queries the parent's `getStateQuery`: a year that is
 *   not one of the convention's is a 404, otherwise a change is a 409 "not in effect yet" and a GET answers
 *   `pendingYearView(conventionView, year)` (funding-year.view.ts, stage NOT_STARTED). Parent not found → 404.
 * - Errors: ApplicationFailure `type`s of workflows/shared/failures.ts: INVALID_TRANSITION (stage does not accept it),
 *   CLOSED, DUPLICATE (payment reference reused with another amount/date; idempotency key reused for another kind of
 *   request), CONFLICT (payment over the year's remaining amount), RULE_VIOLATION (deliberation rules, date order;
 *   `details[0].code` names the rule), BAD_INPUT. A closed year and a completed convention COMPLETE their workflow:
 *   an update then fails as "workflow execution already completed" → 409 `closed`; queries still answer.
 * - Idempotency: pass the Idempotency-Key as the Temporal `updateId` AND as `idempotencyKey` in the input; each
 *   workflow keeps its last keys with their first answer across continue-as-new. A payment's `reference` is
 *   idempotent by itself: the same reference (same amount and date) answers the first answer, counted once.
 * - Settings travel in the input; src/config/convention.env.ts maps the environment to them.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { IsoDate } from '../shared/calendar';
import type { CarriedState } from '../shared/journal';
import type { Actor } from '../shared/messages';
import type {
  AuthorisationInput,
  ConventionSettings,
  ConventionTerms,
  CreateConventionInput,
  DeliberationInput,
  FinancialReportInput,
  PaymentInput,
  PublicationInput,
  RepaymentInput,
  SettlementInput,
  SignatureInput,
  SubsidyRequestInput,
  TransmissionInput,
} from './convention.inputs';
import type { AuthorisationRecord, ConventionView, DeliberationAnswer, FundingYearView, PreviousYearStatus, TimelineEntry, YearChange } from './convention.records';
import type { Tranche } from './convention.rules';

export * from './convention.codes';
export * from './convention.inputs';
export * from './convention.records';
export type { DeliberationBody, DeliberationResult, Reconciliation, ReconciliationAwaits, RuleViolation, SettlementFacts, Tranche } from './convention.rules';
export type { IsoDate } from '../shared/calendar';
export { SYSTEM_ACTOR, type Actor, type Recorded, type UpdateMeta } from '../shared/messages';
export { FailureType } from '../shared/failures';

// ---------------------------------------------------------------------------------------------------------
// Identity
// ---------------------------------------------------------------------------------------------------------

/** The convention's workflow id: `convention-<reference>`. */
export function conventionWorkflowId(reference: string): string {
  return `convention-${reference}`;
}

/** A funding year's workflow id: `convention-<reference>-<year>`. */
export function fundingYearWorkflowId(reference: string, year: number): string {
  return `convention-${reference}-${year}`;
}

export const CONVENTION_WORKFLOW_TYPE = 'conventionWorkflow';
export const FUNDING_YEAR_WORKFLOW_TYPE = 'fundingYearWorkflow';

// ---------------------------------------------------------------------------------------------------------
// Workflow inputs, carried state, results
// ---------------------------------------------------------------------------------------------------------

/** Input of `conventionWorkflow`. */
export interface ConventionInput {
  convention: ConventionTerms;
  settings: ConventionSettings;
  createdBy: Actor;
  /** ISO instant the API received the creation. */
  createdAt: string;
  /** Idempotency-Key of the creation, if any (its `createConvention` answer is replayed for it). */
  idempotencyKey?: string;
  /** Set by the workflow itself on continue-as-new. */
  carried?: ConventionCarriedState;
}


/** What the convention carries across continue-as-new (opaque to the API). */
export type ConventionCarriedState = CarriedState<unknown, TimelineEntry>;

/** What a funding year carries across continue-as-new (opaque to the API). */
export type FundingYearCarriedState = CarriedState<unknown, TimelineEntry>;

/** Input of `fundingYearWorkflow` (built by the parent when the convention takes effect). */
export interface FundingYearInput {
  conventionRef: string;
  year: number;
  /** All years of the convention (first year: no previous report owed). */
  years: number[];
  subject: string;
  parties: { state: string; beneficiary: string };
  grantedCents: number;
  tranches: Tranche[];
  settings: ConventionSettings;
  /** The later signature date. */
  effectiveOn: IsoDate;
  /** The authorisation carried by the convention's deliberation (`receiptYear` + AUTHORISE_RECEIPT). */
  authorisation?: AuthorisationRecord;
  /** Known state of the previous year, if any. */
  previousYear?: PreviousYearStatus;
  /** Who made the convention take effect (the later signature). */
  startedBy: Actor;
  carried?: FundingYearCarriedState;
}

/** Result of a closed funding year. */
export interface FundingYearResult {
  conventionRef: string;
  year: number;
  grantedCents: number;
  receivedCents: number;
  spentCents: number | null;
  underUseCents: number | null;
  reportAcceptedOn: IsoDate | null;
  closedOn: IsoDate;
}

/** Result of a completed convention. */
export interface ConventionResult {
  reference: string;
  years: FundingYearResult[];
  totalGrantedCents: number;
  totalReceivedCents: number;
  completedOn: IsoDate;
}

// ---------------------------------------------------------------------------------------------------------
// Messages (wire names are persisted: never rename)
// ---------------------------------------------------------------------------------------------------------

/** Update-with-start companion of `POST /conventions`: answers the first view. */
export const createConventionUpdate = defineUpdate<ConventionView, [CreateConventionInput], 'createConvention'>('createConvention');
/**
 * A board session (AWAITING_DELIBERATION): 201 with the computed quorum and outcome; NO_QUORUM/REJECTED are recorded
 * and the convention keeps waiting for a deliberation (the next session, ≥ 3 days after a NO_QUORUM one, needs no
 * quorum). It must decide APPROVE_CONVENTION (422 otherwise); AUTHORISE_SIGNATURE lets the beneficiary sign;
 * AUTHORISE_RECEIPT authorises `receiptYear` (default: the first year), carried into that year when it starts.
 */
export const recordDeliberationUpdate = defineUpdate<DeliberationAnswer, [DeliberationInput], 'recordDeliberation'>('recordDeliberation');
/** Publication of the adopted deliberation (AWAITING_LEGALITY, once). */
export const recordPublicationUpdate = defineUpdate<ConventionView, [PublicationInput], 'recordPublication'>('recordPublication');
/** Transmission to the préfecture (AWAITING_LEGALITY, once): opens the préfet's 2-month window. */
export const recordTransmissionUpdate = defineUpdate<ConventionView, [TransmissionInput], 'recordTransmission'>('recordTransmission');
/** One party's signature (AWAITING_SIGNATURES, once per party); the later one makes the convention take effect. */
export const recordSignatureUpdate = defineUpdate<ConventionView, [SignatureInput], 'recordSignature'>('recordSignature');

/** The convention as it stands (also on a completed workflow). */
export const getStateQuery = defineQuery<ConventionView, [], 'getState'>('getState');
/** The convention's timeline, oldest first (its years keep their own). */
export const getTimelineQuery = defineQuery<TimelineEntry[], [], 'getTimeline'>('getTimeline');

/** The year's authorisation: a deliberation (same rules) or an award notice. Send to the CHILD. */
export const recordAuthorisationUpdate = defineUpdate<FundingYearView, [AuthorisationInput], 'recordAuthorisation'>('recordAuthorisation');
/** The subsidy request sent (once). Send to the CHILD. */
export const recordRequestUpdate = defineUpdate<FundingYearView, [SubsidyRequestInput], 'recordRequest'>('recordRequest');
/** A payment received; over the remaining amount → CONFLICT; same reference → first answer. Send to the CHILD. */
export const recordPaymentUpdate = defineUpdate<FundingYearView, [PaymentInput], 'recordPayment'>('recordPayment');
/** The CRF submitted, accepted or returned. Send to the CHILD. */
export const recordFinancialReportUpdate = defineUpdate<FundingYearView, [FinancialReportInput], 'recordFinancialReport'>('recordFinancialReport');

/**
 * The State's settlement of a year whose CRF is accepted: BALANCE_REDUCED, EXPENSES_REJECTED (both lower what it
 * owes), REPAYMENT_ORDERED (a titre de perception, tracked until repaid). Send to the CHILD.
 */
export const recordSettlementUpdate = defineUpdate<FundingYearView, [SettlementInput], 'recordSettlement'>('recordSettlement');
/** Money repaid to the State against its repayment orders; the year closes once nothing is left to repay. Send to the CHILD. */
export const recordRepaymentUpdate = defineUpdate<FundingYearView, [RepaymentInput], 'recordRepayment'>('recordRepayment');

/** The funding year as it stands (also once closed). Wire name distinct from the convention's `getState`. */
export const getYearStateQuery = defineQuery<FundingYearView, [], 'getYearState'>('getYearState');
/** The funding year's timeline, oldest first. */
export const getYearTimelineQuery = defineQuery<TimelineEntry[], [], 'getYearTimeline'>('getYearTimeline');

/** Child → parent, after every change of a year (internal: the API never sends it). */
export const yearChangedSignal = defineSignal<[YearChange], 'yearChanged'>('yearChanged');
/** Parent → child, when the previous year changes (internal). */
export const previousYearChangedSignal = defineSignal<[PreviousYearStatus], 'previousYearChanged'>('previousYearChanged');
