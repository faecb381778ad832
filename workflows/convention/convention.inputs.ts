/**
 * What the API sends a convention and its years (DOMAIN.md §2): the settings, the terms that create a convention, and
 * the body of each staff update with what the API stamps on it. Part of the contract (convention.contract.ts).
 */
import { DEFAULT_TIMER_LOCAL_HOUR, type IsoDate } from '../shared/calendar';
import type { UpdateMeta } from '../shared/messages';
import type { CoFinancerKind, ExpenseCategory, IncomeCategory, ReportStatusInput, SettlementDecision, SignatureParty } from './convention.codes';
import type { DeliberationBody, Tranche } from './convention.rules';

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
  /**
   * A returned CRF is due again this many days after its return, and not before its own due date (default 30;
   * absent in conventions started before it: 30).
   */
  resubmissionDays?: number;
  /** Reminders of a returned CRF, this many days before its resubmission date (default [7]). */
  resubmissionReminderDaysBefore?: number[];
  /**
   * A year's deadline already past when the year opens (the convention takes effect after it) is due this many days
   * after the opening instead: its catch-up date (default 30; absent in conventions started before it: 30).
   */
  catchUpDays?: number;
  /** Convocation delay of a board session in jours francs (default 3; absent in conventions started before it: 3). */
  convocationClearDays?: number;
  /** Hour, in Paris, at which the reminders fire (`PRE_TIMER_LOCAL_HOUR`; absent in conventions started before it: 06:00 UTC, `timerHourOf`). */
  timerLocalHour?: number;
  /** Reminders go to (default `role:finance`). */
  financeRecipient: string;
  /** Escalations also go to (default `role:coordinator`). */
  coordinatorRecipient: string;
  /** Days after the CRF's acceptance by which the State's balance or settlement is expected (default 90; absent in years started before it: 90). */
  settlementDays?: number;
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
  resubmissionDays: 30,
  resubmissionReminderDaysBefore: [7],
  catchUpDays: 30,
  convocationClearDays: 3,
  settlementDays: 90,
  financeRecipient: 'role:finance',
  coordinatorRecipient: 'role:coordinator',
  timerLocalHour: DEFAULT_TIMER_LOCAL_HOUR,
};


// ---------------------------------------------------------------------------------------------------------
// Terms and update inputs (API.md example bodies + what the API stamps)
// ---------------------------------------------------------------------------------------------------------

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
  /** The date the signed convention was notified (not before `signedOn`). */
  notifiedOn?: IsoDate;
}

/**
 * `POST /conventions/{ref}/years/{year}/authorisation`: a deliberation body (same rules as the convention's; it must
 * decide AUTHORISE_RECEIPT, and `receiptYear`, when given, must be this year) OR `{ awardNotice, notifiedOn }`.
 * Pass the body's fields as they came; the workflow tells the two apart by `awardNotice`.
 */
export interface AuthorisationInput extends UpdateMeta, Partial<DeliberationBody> {
  awardNotice?: string;
  notifiedOn?: IsoDate;
  /** The amount granted for this year (issue 15 item 1); absent: the convention's annual amount. */
  grantedCents?: number;
}

/** `POST /conventions/{ref}/years/{year}/request`. */
export interface SubsidyRequestInput extends UpdateMeta {
  sentOn: IsoDate;
  /** The amount requested; absent: the year's amount granted (or the convention's annual amount). */
  amountCents?: number;
  /** The request's dossier number on the State's subsidy portal. */
  portalDossierNumber?: string;
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
  /** The amount spent; with a `budget`, its total expenses (given, it must be equal). */
  spentCents?: number;
  comment?: string;
  /** The action's actual budget as the State's form asks (SUBMITTED only): the subsidy's use is computed from it. */
  budget?: CrfBudget;
}

/** The CRF's budget (CERFA 15059): actual expenses and income by category, the co-financers and their amounts. */
export interface CrfBudget {
  expenses: Array<{ category: ExpenseCategory; amountCents: number }>;
  /** Income other than subsidies (own funds included). */
  income: Array<{ category: IncomeCategory; amountCents: number }>;
  coFinancers: Array<{ kind: CoFinancerKind; name?: string; amountCents: number }>;
}

/** `POST /conventions/{ref}/years/{year}/settlement`: the State's decision on the year, after the CRF is accepted. */
export interface SettlementInput extends UpdateMeta {
  decision: SettlementDecision;
  amountCents: number;
  decidedOn: IsoDate;
  /** The act: the préfecture's letter, the titre de perception's number. */
  reference: string;
  /** REPAYMENT_ORDERED only: the date the repayment is due. */
  dueOn?: IsoDate;
}

/** `POST /conventions/{ref}/years/{year}/repayment`: money repaid to the State against a repayment order. */
export interface RepaymentInput extends UpdateMeta {
  repaidOn: IsoDate;
  amountCents: number;
  reference: string;
}

