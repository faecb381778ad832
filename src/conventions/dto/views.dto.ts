import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CONVENTION_STAGES, DELIBERATION_OUTCOMES, FUNDING_DEADLINE_KINDS, FUNDING_YEAR_STAGES } from '../../../workflows/convention/convention.contract';

/** OpenAPI documentation of the answers (the workflow's views; these classes are never instantiated). */
export class DeadlineDto {
  @ApiProperty({ enum: FUNDING_DEADLINE_KINDS, example: 'FINANCIAL_REPORT' }) kind!: string;
  @ApiProperty({ example: '2025-06-30', format: 'date' }) dueOn!: string;
  @ApiProperty({ example: false, description: 'Passed without the expected action' }) overdue!: boolean;
  @ApiProperty({ example: 'Compte rendu financier 2024 à remettre' }) label!: string;
  @ApiPropertyOptional({ example: 2024 }) year?: number;
}

export class FundingYearSummaryDto {
  @ApiProperty({ example: 2024 }) year!: number;
  @ApiProperty({ example: 'convention-CPO-PRE-2024-2026-2024' }) workflowId!: string;
  @ApiProperty({ enum: FUNDING_YEAR_STAGES, example: 'AWAITING_REPORT' }) stage!: string;
  @ApiProperty({ example: 20000000, description: 'Amount granted for the year, in euro cents' }) grantedCents!: number;
  @ApiProperty({ example: 10000000, description: 'Total received so far, in euro cents' }) receivedCents!: number;
  @ApiProperty({ type: [DeadlineDto] }) deadlines!: DeadlineDto[];
  @ApiProperty({ example: true }) authorised!: boolean;
  @ApiProperty({ example: 'AWAITING_SUBMISSION' }) reportState!: string;
  @ApiProperty({ example: '2025-06-30', format: 'date' }) reportDueOn!: string;
  @ApiProperty({ example: false, description: 'The CRF is 60 days late or more' }) nextPaymentAtRisk!: boolean;
  @ApiProperty({ type: 'integer', example: 150000, nullable: true, description: 'Granted minus spent, once the report is in' }) underUseCents!: number | null;
  @ApiProperty({ type: String, example: null, nullable: true, format: 'date' }) closedOn!: string | null;
}

export class FundingYearViewDto extends FundingYearSummaryDto {
  @ApiProperty({ example: 'CPO-PRE-2024-2026' }) conventionRef!: string;
  @ApiProperty({ example: 10000000 }) remainingCents!: number;
  @ApiProperty({ description: 'Authorised by a board session or an award notice; the year’s own sessions' }) authorisation!: object;
  @ApiProperty({ description: 'dueOn (the date to meet: the statutory date or its catch-up date), statutoryDueOn, catchUp, sentOn, portalDossierNumber, overdue' }) request!: object;
  @ApiProperty({ description: 'Payments received: reference, receivedOn, amountCents, by, at', type: 'array', items: { type: 'object' } }) payments!: object[];
  @ApiProperty({ description: 'Each tranche: share, condition, amountCents, due, waitingFor, paidCents, status', type: 'array', items: { type: 'object' } })
  tranches!: object[];
  @ApiProperty({ description: 'The CRF: state, dueOn (the date to meet: statutory, catch-up or resubmission), statutoryDueOn, catchUp, resubmissionOf, submittedOn, spentCents, acceptedOn, returns, daysLate' }) report!: object;
  @ApiProperty({ type: String, example: '2024-07-12', nullable: true, format: 'date', description: 'The day the year opened (its convention took effect): a deadline already past then gets a catch-up date' }) openedOn!: string | null;
  @ApiProperty({ description: "Granted, received, spent, this subsidy's use, what the State owes, outstanding, under-use, over-payment, reduced, rejected, to repay, repaid, what the year awaits" }) reconciliation!: object;
  @ApiProperty({ description: "The State's settlement decisions and repayment orders: decision, amountCents, decidedOn, reference, dueOn", type: 'array', items: { type: 'object' } }) settlements!: object[];
  @ApiProperty({ description: 'Money repaid against the repayment orders: repaidOn, amountCents, reference', type: 'array', items: { type: 'object' } }) repayments!: object[];
  @ApiProperty({ type: [String], example: ['payment', 'financial report'], description: 'What the year accepts now' }) accepts!: string[];
}

export class LedgerEntryDto {
  @ApiProperty({ example: 2025 }) year!: number;
  @ApiProperty({ enum: ['GRANTED', 'REQUESTED', 'RECEIVED', 'BALANCE_REDUCED', 'EXPENSES_REJECTED', 'TO_REPAY', 'REPAID'], example: 'GRANTED' }) kind!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date', example: '2025-03-12' }) on!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'Arrêté 2025-117' }) reference!: string | null;
  @ApiProperty({ type: 'integer', example: 18500000 }) amountCents!: number;
  @ApiPropertyOptional({ format: 'date', example: '2027-11-30', description: 'TO_REPAY: the repayment due date' }) dueOn?: string;
}

export class LedgerTotalsDto {
  @ApiProperty({ type: 'integer', example: 58500000 }) grantedCents!: number;
  @ApiProperty({ type: 'integer', example: 60000000 }) requestedCents!: number;
  @ApiProperty({ type: 'integer', example: 56500000 }) receivedCents!: number;
  @ApiProperty({ type: 'integer', example: 2000000 }) reducedCents!: number;
  @ApiProperty({ type: 'integer', example: 0 }) rejectedCents!: number;
  @ApiProperty({ type: 'integer', example: 1500000 }) toRepayCents!: number;
  @ApiProperty({ type: 'integer', example: 1500000 }) repaidCents!: number;
  @ApiProperty({ type: 'integer', example: 55000000, description: 'Received − repaid' }) keptCents!: number;
  @ApiProperty({ type: 'integer', example: 55000000, description: 'What the State owes in the end (years whose report is in)' }) owedCents!: number;
  @ApiProperty({ type: 'integer', example: 0, description: 'Kept − owed' }) differenceCents!: number;
  @ApiProperty({ example: true, description: 'Every year: its report is in and kept = owed, to the cent' }) balanced!: boolean;
}

export class LedgerYearDto extends LedgerTotalsDto {
  @ApiProperty({ example: 2025 }) year!: number;
  @ApiProperty({ enum: FUNDING_YEAR_STAGES, example: 'CLOSED' }) stage!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date', example: '2026-07-01' }) closedOn!: string | null;
  @ApiProperty({ type: [LedgerEntryDto] }) entries!: LedgerEntryDto[];
}

/** `GET /conventions/{ref}/ledger`. */
export class LedgerDto {
  @ApiProperty({ example: 'CPO-PRE-2024-2026' }) reference!: string;
  @ApiProperty({ type: [LedgerYearDto] }) years!: LedgerYearDto[];
  @ApiProperty({ type: LedgerTotalsDto }) totals!: LedgerTotalsDto;
}

export class ConventionViewDto {
  @ApiProperty({ example: 'CPO-PRE-2024-2026' }) reference!: string;
  @ApiProperty({ example: 'convention-CPO-PRE-2024-2026' }) workflowId!: string;
  @ApiProperty({ enum: CONVENTION_STAGES, example: 'AWAITING_DELIBERATION' }) stage!: string;
  @ApiProperty({ example: "Programme de réussite éducative — Convention pluriannuelle d'objectifs 2024-2026" }) subject!: string;
  @ApiProperty({ example: { state: "Préfet de la Côte-d'Or", beneficiary: 'CCAS de Dijon' } }) parties!: object;
  @ApiProperty({ example: 20000000 }) annualAmountCents!: number;
  @ApiProperty({ example: [{ share: 0.5, condition: 'ON_AUTHORISATION' }], type: 'array', items: { type: 'object' } }) tranches!: object[];
  @ApiProperty({ example: 60000000 }) totalGrantedCents!: number;
  @ApiProperty({ example: 0 }) totalReceivedCents!: number;
  @ApiProperty({ type: [FundingYearSummaryDto] }) years!: FundingYearSummaryDto[];
  @ApiProperty({ description: 'Board sessions with their computed result', type: 'array', items: { type: 'object' } }) deliberations!: object[];
  @ApiProperty({ description: "Publication, transmission, enforceability and the préfet's two-month window" }) legality!: object;
  @ApiProperty({ description: 'Signatures: party, signatory, signedOn, notifiedOn', type: 'array', items: { type: 'object' } }) signatures!: object[];
  @ApiProperty({ type: String, example: null, nullable: true, format: 'date', description: 'The date the signed convention was notified' }) notifiedOn!: string | null;
  @ApiProperty({ type: String, example: null, nullable: true, format: 'date', description: 'The later signature' }) effectiveOn!: string | null;
  @ApiProperty({ example: '2027-06-30', format: 'date' }) finalReportDueOn!: string;
  @ApiProperty({ type: [DeadlineDto] }) deadlines!: DeadlineDto[];
  @ApiProperty({ type: [String], example: ['deliberation'] }) accepts!: string[];
}

/** A started funding year on a convention of the list. */
export class ConventionListYearDto {
  @ApiProperty({ example: 2024 }) year!: number;
  @ApiProperty({ example: 'AUTHORISED' }) stage!: string;
}

/** One convention of `GET /conventions`, from search attributes (the whole convention: `GET /conventions/{ref}`). */
export class ConventionListItemDto {
  @ApiProperty({ example: 'CPO-PRE-2024-2026' }) reference!: string;
  @ApiProperty({ enum: CONVENTION_STAGES, example: 'IN_EFFECT' }) stage!: string;
  @ApiProperty({ nullable: true, example: { kind: 'FINANCIAL_REPORT', dueOn: '2025-06-30' } }) nextDeadline!: { kind: string; dueOn: string } | null;
  @ApiProperty({ example: false }) overdue!: boolean;
  @ApiProperty({ type: [ConventionListYearDto], description: 'The funding years started so far' }) years!: ConventionListYearDto[];
  @ApiProperty({ example: 'RUNNING' }) workflowStatus!: string;
  @ApiProperty({ example: '2024-11-04T09:12:00.000Z' }) startedAt!: string;
}

export class ConventionListDto {
  @ApiProperty({ type: [ConventionListItemDto] }) items!: ConventionListItemDto[];
  @ApiPropertyOptional({ description: 'Pass as ?pageToken= for the next page; absent on the last page' }) nextPageToken?: string;
}

export class QuorumDto {
  @ApiProperty({ example: 9 }) required!: number;
  @ApiProperty({ example: 9 }) present!: number;
  @ApiProperty({ example: true }) met!: boolean;
}

export class DeliberationResultDto {
  @ApiProperty({ type: QuorumDto }) quorum!: QuorumDto;
  @ApiProperty({ example: 13 }) votesCast!: number;
  @ApiProperty({ enum: DELIBERATION_OUTCOMES, example: 'ADOPTED' }) outcome!: string;
  @ApiProperty({ example: true, description: 'No vote against' }) unanimous!: boolean;
  @ApiProperty({ example: 'd1' }) deliberationId!: string;
  @ApiProperty({ type: ConventionViewDto, description: 'The convention as it now stands' }) convention!: ConventionViewDto;
}

export class ActorDto {
  @ApiProperty({ example: 'u-fin-1' }) sub!: string;
  @ApiProperty({ example: 'finance' }) role!: string;
}

export class TimelineEntryDto {
  @ApiProperty({ example: 1 }) seq!: number;
  @ApiProperty({ example: '2024-07-03T09:12:00.000Z', description: 'When the workflow recorded it' }) at!: string;
  @ApiProperty({ type: ActorDto }) actor!: ActorDto;
  @ApiProperty({ example: 'DELIBERATION_RECORDED' }) type!: string;
  @ApiProperty({ example: 'Séance du 3 juillet 2024 : adoptée à l’unanimité' }) summary!: string;
  @ApiProperty({ example: 'AWAITING_LEGALITY' }) stage!: string;
  @ApiPropertyOptional({ example: 2024 }) year?: number;
  @ApiPropertyOptional({ example: '2024-07-03', format: 'date' }) onDate?: string;
}
