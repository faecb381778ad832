/**
 * What a convention and its years hold and answer (DOMAIN.md §2): records, the views every update and query answer,
 * the signals between a convention and its years, the timeline. Part of the contract (convention.contract.ts).
 */
import type { IsoDate } from '../shared/calendar';
import type { Actor, Deadline, Recorded, TimelineEntry as SharedTimelineEntry, TimelineTail } from '../shared/messages';
import type { ConventionStage, ConventionTimelineType, FundingDeadlineKind, FundingYearStage, ReportState, ReportStatusInput, SettlementDecision, SignatureParty, TrancheCondition } from './convention.codes';
import type { CrfBudget } from './convention.inputs';
import type { DeliberationBody, DeliberationResult, Reconciliation, Tranche } from './convention.rules';

// ---------------------------------------------------------------------------------------------------------
// Records and views
// ---------------------------------------------------------------------------------------------------------

/** A deadline as shown in `deadlines` (soonest first). */
export interface DeadlineView extends Deadline<FundingDeadlineKind> {
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
  /** The date the signed convention was notified, when given with this signature. */
  notifiedOn?: IsoDate;
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
  /** DELIBERATION: the deliberation's number in the board's register, when recorded. */
  deliberationNumber?: string;
  /** True when it came from the convention's own deliberation (`receiptYear`). */
  fromConventionDeliberation?: boolean;
  awardNotice?: string;
  notifiedOn?: IsoDate;
  /** The amount granted for the year by this act; absent: the convention's annual amount. */
  grantedCents?: number;
}

export interface AuthorisationView {
  authorised: boolean;
  current: AuthorisationRecord | null;
  /** The year's own board sessions (NO_QUORUM and REJECTED ones included), each with its result. */
  sessions: DeliberationRecord[];
}

export interface SubsidyRequestView {
  /** The date to meet: the statutory date, or its catch-up date when it was past on the year's opening. */
  dueOn: IsoDate;
  /** 31 January N (the settings' date). */
  statutoryDueOn: IsoDate;
  /** `dueOn` is a catch-up date (the statutory one was past when the year opened). */
  catchUp: boolean;
  sentOn: IsoDate | null;
  /** The amount requested (the year's grant when the request did not say); null before the request. */
  amountCents: number | null;
  /** The request's dossier number on the State's subsidy portal, when recorded. */
  portalDossierNumber: string | null;
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
  budget?: CrfBudget;
}

/** The CRF's budget with what is computed from it (issue 15 item 10). */
export interface BudgetView extends CrfBudget {
  expensesCents: number;
  incomeCents: number;
  coFinancingCents: number;
  /** This subsidy's use: the expenses not covered by the income and the co-financers, at most the amount granted. */
  subsidyUsedCents: number;
  /** Its share of the expenses, in percent (two decimals). */
  subsidySharePercent: number;
}

/** A decision of the State on a year whose CRF is accepted (issue 15 items 2, 3). */
export interface SettlementRecord extends Recorded {
  decision: SettlementDecision;
  amountCents: number;
  decidedOn: IsoDate;
  reference: string;
  /** REPAYMENT_ORDERED: when the repayment is due. */
  dueOn?: IsoDate;
}

/** Money repaid to the State against its repayment orders. */
export interface RepaymentRecord extends Recorded {
  repaidOn: IsoDate;
  amountCents: number;
  reference: string;
}

export interface ReportView {
  state: ReportState;
  /** The date to meet (lateness counts from it): the statutory date, its catch-up date, or the resubmission date. */
  dueOn: IsoDate;
  /** 30 June N+1 (the settings' date). */
  statutoryDueOn: IsoDate;
  /** The statutory date was past when the year opened: `dueOn` is (or was, before a return) its catch-up date. */
  catchUp: boolean;
  /** The return `dueOn` counts from (a returned report is due again `resubmissionDays` after it), null otherwise. */
  resubmissionOf: IsoDate | null;
  submittedOn: IsoDate | null;
  spentCents: number | null;
  acceptedOn: IsoDate | null;
  /** Returns with their comments, oldest first. */
  returns: Array<{ on: IsoDate; comment: string }>;
  /** Days late (on submission, or today while awaited). */
  daysLate: number;
  overdue: boolean;
  history: ReportEvent[];
  /** The budget of the last submitted report, when it gave one. */
  budget: BudgetView | null;
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
  /** The State's settlement decisions and repayment orders, oldest first. */
  settlements: SettlementRecord[];
  /** Money repaid against the repayment orders, oldest first. */
  repayments: RepaymentRecord[];
  reminders: ReminderRecord[];
  /** "Next payment at risk": the CRF is `atRiskDaysLate` days late (cleared when it is accepted). */
  nextPaymentAtRisk: boolean;
  reconciliation: Reconciliation;
  /** The day the year opened (its convention took effect): a deadline already past then gets a catch-up date. */
  openedOn: IsoDate | null;
  /** Null for the convention's first year. */
  previousYear: PreviousYearStatus | null;
  /** Short names of what the year accepts now (the 409 sentence lists the same). */
  accepts: string[];
  startedAt: string | null;
  updatedAt: string | null;
  timeline: TimelineTail<TimelineEntry>;
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
  /** The date the signed convention was notified (given with a signature), null until then. */
  notifiedOn: IsoDate | null;
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
  timeline: TimelineTail<TimelineEntry>;
}

/** Answer of `recordDeliberation` (201): the computed result at the top level (API.md) and the convention. */
export interface DeliberationAnswer extends DeliberationResult {
  deliberationId: string;
  convention: ConventionView;
}


// ---------------------------------------------------------------------------------------------------------
// Timeline
// ---------------------------------------------------------------------------------------------------------

/** One recorded change of a convention or year (the shared timeline entry, with the convention's types). */
export type TimelineEntry = SharedTimelineEntry<ConventionTimelineType>;
