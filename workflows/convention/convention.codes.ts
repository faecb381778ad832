/**
 * The codes of the funding convention and its years (DOMAIN.md §2): stages, deliberation decisions and outcomes,
 * parties, report statuses, tranche conditions, deadline kinds, timeline types, update names. Values the API
 * validates input against and the workflows record; their French labels are in convention.labels.ts. Part of the
 * contract (convention.contract.ts).
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
export const FUNDING_DEADLINE_KINDS = ['SIGNATURES', 'SUBSIDY_REQUEST', 'FINANCIAL_REPORT', 'FINAL_REPORT', 'SETTLEMENT', 'REPAYMENT'] as const;
export type FundingDeadlineKind = (typeof FUNDING_DEADLINE_KINDS)[number];

/** What a board session may decide about the convention. */
export const DELIBERATION_DECISIONS = ['APPROVE_CONVENTION', 'AUTHORISE_SIGNATURE', 'AUTHORISE_RECEIPT'] as const;
export type DeliberationDecision = (typeof DELIBERATION_DECISIONS)[number];

/** The president's casting vote on a tie. */
export const PRESIDENT_VOTES = ['FOR', 'AGAINST'] as const;
export type PresidentVote = (typeof PRESIDENT_VOTES)[number];

/** NO_QUORUM is a recorded outcome (the session is void, a new one must be convened), not an error. */
export const DELIBERATION_OUTCOMES = ['ADOPTED', 'REJECTED', 'NO_QUORUM'] as const;
export type DeliberationOutcome = (typeof DELIBERATION_OUTCOMES)[number];

/** When a tranche of a year's amount falls due. */
export const TRANCHE_CONDITIONS = ['ON_AUTHORISATION', 'ON_REQUEST', 'AFTER_PREVIOUS_REPORT_ACCEPTED', 'AFTER_REPORT_ACCEPTED'] as const;
export type TrancheCondition = (typeof TRANCHE_CONDITIONS)[number];

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
  'SETTLEMENT_RECORDED',
  'REPAYMENT_RECORDED',
  'PAYMENT_AT_RISK',
  'REMINDER_SENT',
  'ESCALATION_SENT',
  'REMINDERS_SKIPPED',
  'COMPLETED',
] as const;
export type ConventionTimelineType = (typeof CONVENTION_TIMELINE_TYPES)[number];

export const CONVENTION_UPDATE_NAMES = ['createConvention', 'recordDeliberation', 'recordPublication', 'recordTransmission', 'recordSignature'] as const;
export type ConventionUpdateName = (typeof CONVENTION_UPDATE_NAMES)[number];
export const FUNDING_YEAR_UPDATE_NAMES = ['recordAuthorisation', 'recordRequest', 'recordPayment', 'recordFinancialReport', 'recordSettlement', 'recordRepayment'] as const;
export type FundingYearUpdateName = (typeof FUNDING_YEAR_UPDATE_NAMES)[number];

/**
 * The State's settlement of a year once its CRF is accepted (issue 15 item 2): the balance it owes reduced, expenses it
 * rejects (both lower what it owes), or a repayment order (titre de perception) for money received beyond it.
 */
export const SETTLEMENT_DECISIONS = ['BALANCE_REDUCED', 'EXPENSES_REJECTED', 'REPAYMENT_ORDERED'] as const;
export type SettlementDecision = (typeof SETTLEMENT_DECISIONS)[number];

/** The CRF's expenses by category, as the State's form (CERFA 15059) lists the accounts 60 to 68. */
export const EXPENSE_CATEGORIES = ['PURCHASES', 'EXTERNAL_SERVICES', 'OTHER_EXTERNAL_SERVICES', 'TAXES', 'STAFF', 'OTHER_OPERATING', 'FINANCIAL', 'EXCEPTIONAL', 'DEPRECIATION'] as const;
export type ExpenseCategory = (typeof EXPENSE_CATEGORIES)[number];

/** The CRF's income other than subsidies, by category (accounts 70, 75 to 78, and the beneficiary's own funds). */
export const INCOME_CATEGORIES = ['SALES', 'OTHER_OPERATING', 'FINANCIAL', 'EXCEPTIONAL', 'PROVISIONS_REVERSAL', 'OWN_FUNDS'] as const;
export type IncomeCategory = (typeof INCOME_CATEGORIES)[number];

/** The action's other funders (account 74 besides this subsidy). */
export const CO_FINANCER_KINDS = ['COMMUNE', 'CAF', 'DEPARTMENT', 'REGION', 'EUROPE', 'OTHER'] as const;
export type CoFinancerKind = (typeof CO_FINANCER_KINDS)[number];
