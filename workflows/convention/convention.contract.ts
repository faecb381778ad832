/**
 * The contract of the funding convention (DOMAIN.md §2): `conventionWorkflow`, id `convention-<reference>`, and one
 * child `fundingYearWorkflow` per year, id `convention-<reference>-<year>`. The API imports this file (and
 * convention.rules.ts) to start conventions, send updates and read queries.
 *
 * How the API uses it:
 * - `POST /conventions`: `client.workflow.executeUpdateWithStart(createConventionUpdate, { args: [{ actor, at,
 *   idempotencyKey }], updateId: idempotencyKey, startWorkflowOperation: new WithStartWorkflowOperation(conventionWorkflow,
 *   { ...conventionStartOptions(input), taskQueue }) })` → the first `ConventionView` (201). A second create of the
 *   same reference with another (or no) key fails with DUPLICATE (→ 409) while the convention runs; once it has
 *   completed, the start itself fails (REJECT_DUPLICATE id reuse → WorkflowExecutionAlreadyStartedError → 409).
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
 *   When the child is not found (WorkflowNotFoundError) the API queries the parent's `getStateQuery` and answers with
 *   `yearNotStartedProblem(conventionView, year)`: 404 when the year is not one of the convention's, otherwise 409
 *   "not in effect yet" for a change; for a GET it answers `pendingYearView(conventionView, year)` (stage NOT_STARTED).
 *   Parent not found → 404.
 * - Errors: ApplicationFailure `type`s of workflows/failures.ts: INVALID_TRANSITION (stage does not accept it),
 *   CLOSED, DUPLICATE (payment reference reused with another amount/date; idempotency key reused for another kind of
 *   request), CONFLICT (payment over the year's remaining amount), RULE_VIOLATION (deliberation rules, date order;
 *   `details[0].code` names the rule), BAD_INPUT. A closed year and a completed convention COMPLETE their workflow:
 *   an update then fails as "workflow execution already completed" → 409 `closed`; queries still answer.
 * - Idempotency: pass the Idempotency-Key as the Temporal `updateId` AND as `idempotencyKey` in the input; each
 *   workflow keeps its last keys with their first answer across continue-as-new. A payment's `reference` is
 *   idempotent by itself: the same reference (same amount and date) answers the first answer, counted once.
 * - Settings travel in the input; build them with `conventionSettingsFrom(config)` (src/config/convention.env.ts).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import {
  DEFAULT_TRANCHES,
  finalReportDueOn,
  frEuros,
  reportDueOn,
  requestDueOn,
  type DeliberationBody,
  type DeliberationDecision,
  type DeliberationOutcome,
  type DeliberationResult,
  type IsoDate,
  type Reconciliation,
  type Tranche,
  type TrancheCondition,
} from './convention.rules';
import { PRE_CONVENTION_REF, PRE_FUNDING_STAGE, PRE_FUNDING_YEAR, PRE_NEXT_DEADLINE, PRE_NEXT_DEADLINE_KIND, PRE_OVERDUE } from '../shared/search-attributes';

export {
  DEFAULT_TRANCHES,
  DELIBERATION_DECISIONS,
  DELIBERATION_OUTCOMES,
  PRESIDENT_VOTES,
  TRANCHE_CONDITIONS,
  evaluateDeliberation,
  frEuros,
} from './convention.rules';
export type {
  DeliberationBody,
  DeliberationDecision,
  DeliberationOutcome,
  DeliberationResult,
  IsoDate,
  PresidentVote,
  Reconciliation,
  RuleViolation,
  Tranche,
  TrancheCondition,
} from './convention.rules';
import { ui } from '../shared/ui-text';

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
// Enums
// ---------------------------------------------------------------------------------------------------------

/**
 * Stages of a convention, in order (PreFundingStage of the parent):
 * AWAITING_DELIBERATION (no adopted deliberation approving it; NO_QUORUM and REJECTED sessions stay here) →
 * AWAITING_LEGALITY (adopted; publication and transmission to record) → AWAITING_SIGNATURES (enforceable; both
 * parties to sign, any order) → IN_EFFECT (the later signature: every year's child starts) → COMPLETED (every year closed).
 */
export const CONVENTION_STAGES = ['AWAITING_DELIBERATION', 'AWAITING_LEGALITY', 'AWAITING_SIGNATURES', 'IN_EFFECT', 'COMPLETED'] as const;
export type ConventionStage = (typeof CONVENTION_STAGES)[number];

/**
 * Stages of a funding year (PreFundingStage of the child), the first missing step wins:
 * NOT_STARTED (parent view only: the convention has not taken effect) → AWAITING_AUTHORISATION → AWAITING_REQUEST →
 * AWAITING_REPORT (authorised and requested: payments come in, the CRF is awaited; a RETURNED report comes back here)
 * → REPORT_SUBMITTED → RECONCILING (report accepted, payments not yet reconciled) → CLOSED.
 * Payments are accepted in every open stage (money received is a fact), within the year's remaining amount.
 */
export const FUNDING_YEAR_STAGES = ['NOT_STARTED', 'AWAITING_AUTHORISATION', 'AWAITING_REQUEST', 'AWAITING_REPORT', 'REPORT_SUBMITTED', 'RECONCILING', 'CLOSED'] as const;
export type FundingYearStage = (typeof FUNDING_YEAR_STAGES)[number];

export const SIGNATURE_PARTIES = ['BENEFICIARY', 'STATE'] as const;
export type SignatureParty = (typeof SIGNATURE_PARTIES)[number];

export const REPORT_STATUSES = ['SUBMITTED', 'ACCEPTED', 'RETURNED'] as const;
export type ReportStatusInput = (typeof REPORT_STATUSES)[number];

/** The CRF as it stands; a RETURNED report goes back to AWAITING_SUBMISSION (its return is kept in `returns`). */
export const REPORT_STATES = ['AWAITING_SUBMISSION', 'SUBMITTED', 'ACCEPTED'] as const;
export type ReportState = (typeof REPORT_STATES)[number];

/** Kinds of deadlines (`deadlines[].kind`, PreNextDeadlineKind). */
export const FUNDING_DEADLINE_KINDS = ['SIGNATURES', 'SUBSIDY_REQUEST', 'FINANCIAL_REPORT', 'FINAL_REPORT'] as const;
export type FundingDeadlineKind = (typeof FUNDING_DEADLINE_KINDS)[number];

/**
 * Kinds of notifications (NotificationRequest.kind); report reminders are `REPORT_REMINDER_<days before>` (60, 30, 7
 * by default). Key: `<workflowId>:<kind>:<dueOn>` where dueOn is the deadline the notification is about.
 */
export const CONVENTION_NOTIFICATION_KINDS = ['SIGNATURE_REMINDER', 'REQUEST_REMINDER', 'REQUEST_ESCALATION', 'REPORT_REMINDER', 'REPORT_ESCALATION', 'PAYMENT_AT_RISK'] as const;

// ---------------------------------------------------------------------------------------------------------
// Settings (mirror src/config/convention.env.ts)
// ---------------------------------------------------------------------------------------------------------

/** Every duration of DOMAIN.md §2, passed as workflow input (the API builds it from configuration). */
export interface ConventionSettings {
  /** Reminder this many days after the deliberation became enforceable without both signatures (default 15). */
  signatureReminderDays: number;
  /** Subsidy request due MM-DD of year N (default 01-31). */
  requestDueMonth: number;
  requestDueDay: number;
  /** Request reminders this many days before its due date (default [15]). */
  requestReminderDaysBefore: number[];
  /** Financial report (CRF) due MM-DD of year N+1 (default 06-30). */
  reportDueMonth: number;
  reportDueDay: number;
  /** CRF reminders this many days before its due date (default [60, 30, 7]). */
  reportReminderDaysBefore: number[];
  /** Escalation this many days after a missed due date (request or report; default 1). */
  escalationDaysAfter: number;
  /** The next payment is flagged at risk when the CRF is this many days late (default 60). */
  atRiskDaysLate: number;
  /** Reminders go to (default `role:finance`). */
  financeRecipient: string;
  /** Escalations also go to (default `role:coordinator`). */
  coordinatorRecipient: string;
  /** Tests only: false on a server without the custom search attributes. Default true. */
  searchAttributes?: boolean;
  /** Tests only: continue-as-new after this many applied updates (0/absent: only when Temporal suggests it). */
  continueAsNewAfterUpdates?: number;
}

/** The defaults of DOMAIN.md §2. */
export const DEFAULT_CONVENTION_SETTINGS: ConventionSettings = {
  signatureReminderDays: 15,
  requestDueMonth: 1,
  requestDueDay: 31,
  requestReminderDaysBefore: [15],
  reportDueMonth: 6,
  reportDueDay: 30,
  reportReminderDaysBefore: [60, 30, 7],
  escalationDaysAfter: 1,
  atRiskDaysLate: 60,
  financeRecipient: 'role:finance',
  coordinatorRecipient: 'role:coordinator',
};

/** The settings from the convention env section (field names of src/config/convention.env.ts; absent ones default). */
export function conventionSettingsFrom(env: {
  PRE_SIGNATURE_REMINDER_DAYS: number;
  PRE_REQUEST_DUE_MONTH: number;
  PRE_REQUEST_DUE_DAY: number;
  PRE_REPORT_DUE_MONTH: number;
  PRE_REPORT_DUE_DAY: number;
  PRE_REPORT_AT_RISK_DAYS: number;
  PRE_REQUEST_REMINDER_DAYS?: string | number[];
  PRE_REPORT_REMINDER_DAYS?: string | number[];
  PRE_ESCALATION_DAYS_AFTER?: number;
}): ConventionSettings {
  const list = (v: string | number[] | undefined, d: number[]): number[] =>
    v === undefined ? d : Array.isArray(v) ? v : v.split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
  const d = DEFAULT_CONVENTION_SETTINGS;
  return {
    ...d,
    signatureReminderDays: env.PRE_SIGNATURE_REMINDER_DAYS,
    requestDueMonth: env.PRE_REQUEST_DUE_MONTH,
    requestDueDay: env.PRE_REQUEST_DUE_DAY,
    requestReminderDaysBefore: list(env.PRE_REQUEST_REMINDER_DAYS, d.requestReminderDaysBefore),
    reportDueMonth: env.PRE_REPORT_DUE_MONTH,
    reportDueDay: env.PRE_REPORT_DUE_DAY,
    reportReminderDaysBefore: list(env.PRE_REPORT_REMINDER_DAYS, d.reportReminderDaysBefore),
    escalationDaysAfter: env.PRE_ESCALATION_DAYS_AFTER ?? d.escalationDaysAfter,
    atRiskDaysLate: env.PRE_REPORT_AT_RISK_DAYS,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Inputs (API.md example bodies + what the API stamps)
// ---------------------------------------------------------------------------------------------------------

/** Who did something: JWT `sub` and the role they acted in (`system` for timers). */
export interface Actor {
  sub: string;
  role: string;
}

/** The actor of timer-driven changes. */
export const SYSTEM_ACTOR: Actor = { sub: 'system', role: 'system' };

/** Stamped by the API on every update input. */
export interface UpdateMeta {
  actor: Actor;
  /** ISO instant the API received the request. */
  at: string;
  /** The HTTP Idempotency-Key (also the Temporal update id). */
  idempotencyKey?: string;
}

/** Body of `POST /conventions` (API.md example, as written). */
export interface ConventionTerms {
  reference: string;
  subject: string;
  parties: { state: string; beneficiary: string };
  /** Consecutive, ascending. */
  years: number[];
  annualAmountCents: number;
  /** Shares add up to 1; default DEFAULT_TRANCHES (50 % on authorisation, 50 % after the previous report is accepted). */
  tranches?: Tranche[];
}

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

/** `createConvention`: the update-with-start companion of `POST /conventions`; answers the first view. */
export type CreateConventionInput = UpdateMeta;

/** `POST /conventions/{ref}/deliberations` (the seed session body, as written). */
export interface DeliberationInput extends UpdateMeta, DeliberationBody {}

/** `POST /conventions/{ref}/publication`. */
export interface PublicationInput extends UpdateMeta {
  publishedOn: IsoDate;
}

/** `POST /conventions/{ref}/transmission`. */
export interface TransmissionInput extends UpdateMeta {
  transmittedOn: IsoDate;
  acknowledgementRef: string;
}

/** `POST /conventions/{ref}/signatures`. */
export interface SignatureInput extends UpdateMeta {
  party: SignatureParty;
  signatory: string;
  signedOn: IsoDate;
}

/**
 * `POST /conventions/{ref}/years/{year}/authorisation`: a deliberation body (same rules as the convention's; it must
 * decide AUTHORISE_RECEIPT, and `receiptYear`, when given, must be this year) OR `{ awardNotice, notifiedOn }`.
 * Pass the body's fields as they came; the workflow tells the two apart by `awardNotice`.
 */
export interface AuthorisationInput extends UpdateMeta, Partial<DeliberationBody> {
  awardNotice?: string;
  notifiedOn?: IsoDate;
}

/** `POST /conventions/{ref}/years/{year}/request`. */
export interface SubsidyRequestInput extends UpdateMeta {
  sentOn: IsoDate;
}

/** `POST /conventions/{ref}/years/{year}/payments`. */
export interface PaymentInput extends UpdateMeta {
  reference: string;
  receivedOn: IsoDate;
  amountCents: number;
}

/** `POST /conventions/{ref}/years/{year}/financial-report`: SUBMITTED (with spentCents), then ACCEPTED or RETURNED (with comment). */
export interface FinancialReportInput extends UpdateMeta {
  status: ReportStatusInput;
  on: IsoDate;
  spentCents?: number;
  comment?: string;
}

// ---------------------------------------------------------------------------------------------------------
// Records and views
// ---------------------------------------------------------------------------------------------------------

/** Recorded with every staff change. */
export interface Recorded {
  by: Actor;
  /** ISO instant the workflow recorded it. */
  at: string;
}

/** A deadline as shown in `deadlines` (soonest first). */
export interface DeadlineView {
  kind: FundingDeadlineKind;
  dueOn: IsoDate;
  /** Passed without the expected action. */
  overdue: boolean;
  /** French, e.g. "Compte rendu financier 2024 à remettre". */
  label: string;
  /** For year deadlines shown on the convention. */
  year?: number;
}

/** A recorded board session with its computed result. */
export interface DeliberationRecord extends Recorded {
  /** d1, d2 … in the convention; y2025-d1 … in a year. */
  id: string;
  body: DeliberationBody;
  result: DeliberationResult;
}

/** Publication, transmission and the préfet's window (DOMAIN.md §2.2). */
export interface LegalityView {
  publishedOn: IsoDate | null;
  transmittedOn: IsoDate | null;
  acknowledgementRef: string | null;
  /** The later of the two dates; null until both are recorded. */
  enforceableOn: IsoDate | null;
  enforceable: boolean;
  /** Transmission + 2 months: until then the préfet may challenge the act (shown, blocks nothing). */
  prefetWindowEndsOn: IsoDate | null;
  /** The window is still open today. */
  prefetWindowOpen: boolean;
  publication: Recorded | null;
  transmission: Recorded | null;
}

export interface SignatureRecord extends Recorded {
  party: SignatureParty;
  signatory: string;
  signedOn: IsoDate;
}

/** A year as the convention shows it (API.md: year, stage, grantedCents, receivedCents, deadlines). */
export interface FundingYearSummary {
  year: number;
  workflowId: string;
  stage: FundingYearStage;
  grantedCents: number;
  receivedCents: number;
  deadlines: DeadlineView[];
  nextDeadline: DeadlineView | null;
  overdue: boolean;
  authorised: boolean;
  reportState: ReportState;
  reportDueOn: IsoDate;
  reportAcceptedOn: IsoDate | null;
  nextPaymentAtRisk: boolean;
  /** From the last submitted report; null before. */
  spentCents: number | null;
  /** Set once a report is in: max(0, granted − spent). */
  underUseCents: number | null;
  closedOn: IsoDate | null;
}

/** Payload of `yearChanged` (child → parent): the year's summary and its timeline entries since the last signal. */
export interface YearChange {
  summary: FundingYearSummary;
  events: TimelineEntry[];
}

/** How a year was authorised to receive the subsidy. */
export interface AuthorisationRecord extends Recorded {
  kind: 'DELIBERATION' | 'AWARD_NOTICE';
  /** The session date or the notice's notification date. */
  on: IsoDate;
  /** DELIBERATION: the id of the session (in the convention for the seed year, in the year otherwise). */
  deliberationId?: string;
  /** True when it came from the convention's own deliberation (`receiptYear`). */
  fromConventionDeliberation?: boolean;
  awardNotice?: string;
  notifiedOn?: IsoDate;
}

export interface AuthorisationView {
  authorised: boolean;
  current: AuthorisationRecord | null;
  /** The year's own board sessions (NO_QUORUM and REJECTED ones included), each with its result. */
  sessions: DeliberationRecord[];
}

export interface SubsidyRequestView {
  dueOn: IsoDate;
  sentOn: IsoDate | null;
  overdue: boolean;
  recorded: Recorded | null;
}

export interface PaymentRecord extends Recorded {
  reference: string;
  receivedOn: IsoDate;
  amountCents: number;
}

/** One tranche of the year: NOT_DUE while its condition is not met (a payment may still arrive early). */
export interface TrancheView {
  index: number;
  share: number;
  condition: TrancheCondition;
  amountCents: number;
  due: boolean;
  /** French, why it is not due yet ("en attente de l'acceptation du compte rendu financier 2024"); null when due. */
  waitingFor: string | null;
  /** Received money allocated to the tranches in order. */
  paidCents: number;
  status: 'NOT_DUE' | 'DUE' | 'PARTLY_PAID' | 'PAID';
}

export interface ReportEvent extends Recorded {
  status: ReportStatusInput;
  on: IsoDate;
  spentCents?: number;
  comment?: string;
}

export interface ReportView {
  state: ReportState;
  dueOn: IsoDate;
  submittedOn: IsoDate | null;
  spentCents: number | null;
  acceptedOn: IsoDate | null;
  /** Returns with their comments, oldest first. */
  returns: Array<{ on: IsoDate; comment: string }>;
  /** Days late (on submission, or today while awaited). */
  daysLate: number;
  overdue: boolean;
  history: ReportEvent[];
}

/** A reminder or escalation the year (or convention) decided, sent or skipped. */
export interface ReminderRecord {
  kind: string;
  /** The deadline it is about. */
  dueOn: IsoDate;
  /** The day it was meant for. */
  fireOn: IsoDate;
  /** ISO instant it was handed to the notify activity, or skipped (a later one of the same deadline was due too). */
  at: string;
  skipped: boolean;
}

/** The previous year's state, relayed by the parent (tranches AFTER_PREVIOUS_REPORT_ACCEPTED). */
export interface PreviousYearStatus {
  year: number;
  reportState: ReportState;
  reportAcceptedOn: IsoDate | null;
  nextPaymentAtRisk: boolean;
  closed: boolean;
}

/** Answer of every year update and of `getYearState`: the funding year as it now stands. */
export interface FundingYearView extends FundingYearSummary {
  conventionRef: string;
  conventionWorkflowId: string;
  remainingCents: number;
  authorisation: AuthorisationView;
  request: SubsidyRequestView;
  payments: PaymentRecord[];
  tranches: TrancheView[];
  report: ReportView;
  reminders: ReminderRecord[];
  /** "Next payment at risk": the CRF is `atRiskDaysLate` days late (cleared when it is accepted). */
  nextPaymentAtRisk: boolean;
  reconciliation: Reconciliation;
  /** Null for the convention's first year. */
  previousYear: PreviousYearStatus | null;
  /** Short names of what the year accepts now (the 409 sentence lists the same). */
  accepts: string[];
  startedAt: string | null;
  updatedAt: string | null;
  timeline: { count: number; last: TimelineEntry[] };
}

/** Answer of every convention update and of `getState`. */
export interface ConventionView {
  workflowId: string;
  reference: string;
  subject: string;
  parties: { state: string; beneficiary: string };
  stage: ConventionStage;
  annualAmountCents: number;
  tranches: Tranche[];
  totalGrantedCents: number;
  totalReceivedCents: number;
  years: FundingYearSummary[];
  deliberations: DeliberationRecord[];
  /** The adopted session approving the convention. */
  adoptedDeliberationId: string | null;
  legality: LegalityView;
  signatures: SignatureRecord[];
  /** The later signature date: the convention takes effect, every year starts. */
  effectiveOn: IsoDate | null;
  /** 30 June after the last year, shown from the start. */
  finalReportDueOn: IsoDate;
  /** Open deadlines of the convention and of its years, soonest first. */
  deadlines: DeadlineView[];
  nextDeadline: DeadlineView | null;
  overdue: boolean;
  reminders: ReminderRecord[];
  accepts: string[];
  createdBy: Actor;
  createdAt: string;
  updatedAt: string;
  completedOn: IsoDate | null;
  timeline: { count: number; last: TimelineEntry[] };
}

/** Answer of `recordDeliberation` (201): the computed result at the top level (API.md) and the convention. */
export interface DeliberationAnswer extends DeliberationResult {
  deliberationId: string;
  convention: ConventionView;
}

// ---------------------------------------------------------------------------------------------------------
// Timeline
// ---------------------------------------------------------------------------------------------------------

export const CONVENTION_TIMELINE_TYPES = [
  'CONVENTION_CREATED',
  'DELIBERATION_RECORDED',
  'PUBLISHED',
  'TRANSMITTED',
  'SIGNED',
  'TOOK_EFFECT',
  'YEAR_STARTED',
  'YEAR_CLOSED',
  'YEAR_OPENED',
  'AUTHORISATION_RECORDED',
  'REQUEST_RECORDED',
  'PAYMENT_RECORDED',
  'REPORT_SUBMITTED',
  'REPORT_ACCEPTED',
  'REPORT_RETURNED',
  'PREVIOUS_YEAR_UPDATED',
  'PAYMENT_AT_RISK',
  'REMINDER_SENT',
  'ESCALATION_SENT',
  'REMINDERS_SKIPPED',
  'COMPLETED',
] as const;
export type ConventionTimelineType = (typeof CONVENTION_TIMELINE_TYPES)[number];

/** One recorded change: who, when, what (French summary, no personal data beyond the signatories' office). */
export interface TimelineEntry {
  /** 1, 2, 3 … across continue-as-new. */
  seq: number;
  /** ISO instant the workflow recorded it. */
  at: string;
  /** ISO instant of the HTTP request, for staff changes. */
  requestedAt?: string;
  actor: Actor;
  type: ConventionTimelineType;
  summary: string;
  /** Stage after the change (convention or year). */
  stage: string;
  year?: number;
  /** The business date the entry is about. */
  onDate?: IsoDate;
  idempotencyKey?: string;
}

// ---------------------------------------------------------------------------------------------------------
// Carried state, child input, results
// ---------------------------------------------------------------------------------------------------------

/** One remembered idempotency key with its first answer. */
export interface IdempotencyEntry<A> {
  key: string;
  /** Wire name of the update it answered. */
  update: string;
  answer: A;
}

/** What the convention carries across continue-as-new (opaque to the API). */
export interface ConventionCarriedState {
  state: unknown;
  run: number;
}

/** What a funding year carries across continue-as-new (opaque to the API). */
export interface FundingYearCarriedState {
  state: unknown;
  run: number;
}

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

/** The funding year as it stands (also once closed). Wire name distinct from the convention's `getState`. */
export const getYearStateQuery = defineQuery<FundingYearView, [], 'getYearState'>('getYearState');
/** The funding year's timeline, oldest first. */
export const getYearTimelineQuery = defineQuery<TimelineEntry[], [], 'getYearTimeline'>('getYearTimeline');

/** Child → parent, after every change of a year (internal: the API never sends it). */
export const yearChangedSignal = defineSignal<[YearChange], 'yearChanged'>('yearChanged');
/** Parent → child, when the previous year changes (internal). */
export const previousYearChangedSignal = defineSignal<[PreviousYearStatus], 'previousYearChanged'>('previousYearChanged');

export const CONVENTION_UPDATE_NAMES = ['createConvention', 'recordDeliberation', 'recordPublication', 'recordTransmission', 'recordSignature'] as const;
export type ConventionUpdateName = (typeof CONVENTION_UPDATE_NAMES)[number];
export const FUNDING_YEAR_UPDATE_NAMES = ['recordAuthorisation', 'recordRequest', 'recordPayment', 'recordFinancialReport'] as const;
export type FundingYearUpdateName = (typeof FUNDING_YEAR_UPDATE_NAMES)[number];

// ---------------------------------------------------------------------------------------------------------
// Helpers for the API and the workflows (pure)
// ---------------------------------------------------------------------------------------------------------

/** The tranches a convention uses (its own, or the default). */
export function tranchesOf(terms: Pick<ConventionTerms, 'tranches'>): Tranche[] {
  return terms.tranches && terms.tranches.length > 0 ? terms.tranches : DEFAULT_TRANCHES;
}

/** `CPO PRE 2024–2026` from `CPO-PRE-2024-2026` (a reference without a year range gets the convention's years). */
export function conventionLabel(terms: Pick<ConventionTerms, 'reference' | 'years'>): string {
  const m = /^(.*?)-?(\d{4})-(\d{4})$/.exec(terms.reference);
  if (m) return `${m[1].replace(/-/g, ' ')} ${m[2]}–${m[3]}`.trim();
  const first = Math.min(...terms.years);
  const last = Math.max(...terms.years);
  return `${terms.reference.replace(/-/g, ' ')} ${first === last ? first : `${first}–${last}`}`;
}

/** The convention's static summary for the Temporal UI: `CPO PRE 2024–2026 · État / CCAS de Dijon · 200 000 €/an`. */
export function conventionStaticSummary(terms: Pick<ConventionTerms, 'reference' | 'years' | 'parties' | 'annualAmountCents'>): string {
  return `${conventionLabel(terms)} · État / ${terms.parties.beneficiary} · ${frEuros(terms.annualAmountCents)}/an`;
}

/** A year's static summary: `Année 2024 · CPO-PRE-2024-2026 · 200 000 €` (the parent passes it to `startChild`). */
export function fundingYearStaticSummary(reference: string, year: number, grantedCents: number): string {
  return `Année ${year} · ${reference} · ${frEuros(grantedCents)}`;
}

/** Midnight UTC of a date, the form PreNextDeadline takes. */
export function searchAttributeDate(date: IsoDate): Date {
  return new Date(`${date}T00:00:00.000Z`);
}

/** The search attributes to start a convention with; the workflow upserts them again at each change. */
export function conventionSearchAttributes(terms: Pick<ConventionTerms, 'reference'>): SearchAttributePair[] {
  return [
    { key: PRE_CONVENTION_REF, value: terms.reference },
    { key: PRE_FUNDING_STAGE, value: 'AWAITING_DELIBERATION' },
    { key: PRE_OVERDUE, value: false },
  ];
}

/** The search attributes a year's child starts with (the parent uses it in `startChild`). */
export function fundingYearSearchAttributes(reference: string, year: number, stage: FundingYearStage, next: DeadlineView | null): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: PRE_CONVENTION_REF, value: reference },
    { key: PRE_FUNDING_YEAR, value: year },
    { key: PRE_FUNDING_STAGE, value: stage },
    { key: PRE_OVERDUE, value: next?.overdue ?? false },
  ];
  if (next) {
    pairs.push({ key: PRE_NEXT_DEADLINE, value: searchAttributeDate(next.dueOn) });
    pairs.push({ key: PRE_NEXT_DEADLINE_KIND, value: next.kind });
  }
  return pairs;
}

/**
 * Options for `new WithStartWorkflowOperation(conventionWorkflow, { ...conventionStartOptions(input), taskQueue })`:
 * id, args, search attributes, static summary, and the policies that make `POST /conventions` idempotent (a
 * running convention is reused so its `createConvention` answers; a completed one is never started again).
 */
export function conventionStartOptions(input: ConventionInput) {
  return {
    workflowId: conventionWorkflowId(input.convention.reference),
    args: [input] as [ConventionInput],
    typedSearchAttributes: input.settings.searchAttributes === false ? [] : conventionSearchAttributes(input.convention),
    staticSummary: ui(conventionStaticSummary(input.convention)),
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
    workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
  };
}

/** Request and report deadlines of a year, computed from the settings (the parent shows them before the year starts). */
export function yearDueDates(year: number, s: ConventionSettings): { requestDueOn: IsoDate; reportDueOn: IsoDate } {
  return { requestDueOn: requestDueOn(year, s.requestDueMonth, s.requestDueDay), reportDueOn: reportDueOn(year, s.reportDueMonth, s.reportDueDay) };
}

/** The final report due date of a convention: 30 June after its last year by default. */
export function conventionFinalReportDueOn(years: readonly number[], s: ConventionSettings): IsoDate {
  return finalReportDueOn(years, s.reportDueMonth, s.reportDueDay);
}

/** What the API answers when a year's child workflow does not exist (see the routing note at the top). */
export function yearNotStartedProblem(convention: ConventionView, year: number): { status: 404 | 409; type: string; detail: string } {
  if (!convention.years.some((y) => y.year === year)) {
    return { status: 404, type: 'NotFound', detail: `Convention ${convention.reference} has no funding year ${year}; its years are ${convention.years.map((y) => y.year).join(', ')}.` };
  }
  return {
    status: 409,
    type: 'InvalidTransition',
    detail: `Convention ${convention.reference} is in stage ${convention.stage}: its funding years start when both parties have signed.`,
  };
}

/** A year's view before its workflow starts (stage NOT_STARTED), from the convention's view. */
export function pendingYearView(convention: ConventionView, year: number): FundingYearView | null {
  const summary = convention.years.find((y) => y.year === year);
  if (!summary) return null;
  const tranches = convention.tranches;
  const amounts = tranches.map((t) => Math.floor(summary.grantedCents * t.share + 1e-9));
  if (amounts.length > 0) amounts[amounts.length - 1] += summary.grantedCents - amounts.reduce((a, b) => a + b, 0);
  const requestDeadline = summary.deadlines.find((d) => d.kind === 'SUBSIDY_REQUEST');
  return {
    ...summary,
    conventionRef: convention.reference,
    conventionWorkflowId: convention.workflowId,
    remainingCents: summary.grantedCents - summary.receivedCents,
    authorisation: { authorised: false, current: null, sessions: [] },
    request: { dueOn: requestDeadline?.dueOn ?? `${year}-01-31`, sentOn: null, overdue: requestDeadline?.overdue ?? false, recorded: null },
    payments: [],
    tranches: tranches.map((t, index) => ({ index, share: t.share, condition: t.condition, amountCents: amounts[index], due: false, waitingFor: "en attente de la prise d'effet de la convention", paidCents: 0, status: 'NOT_DUE' as const })),
    report: { state: 'AWAITING_SUBMISSION', dueOn: summary.reportDueOn, submittedOn: null, spentCents: null, acceptedOn: null, returns: [], daysLate: 0, overdue: false, history: [] },
    reminders: [],
    reconciliation: { grantedCents: summary.grantedCents, receivedCents: 0, spentCents: null, expectedCents: null, outstandingCents: null, underUseCents: null, overpaidCents: null, underUse: false, reconciled: false },
    previousYear: null,
    accepts: [],
    startedAt: null,
    updatedAt: null,
    timeline: { count: 0, last: [] },
  };
}

/** The decisions a convention deliberation must include to approve it. */
export const APPROVAL_DECISION: DeliberationDecision = 'APPROVE_CONVENTION';
/** The decision that authorises a year's receipt. */
export const RECEIPT_DECISION: DeliberationDecision = 'AUTHORISE_RECEIPT';
/** Outcome that counts as a decision taken. */
export const ADOPTED: DeliberationOutcome = 'ADOPTED';
