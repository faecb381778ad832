import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsObject, IsOptional, IsString, Matches, ValidateIf, ValidateNested } from 'class-validator';
import {
  CO_FINANCER_KINDS,
  EXPENSE_CATEGORIES,
  INCOME_CATEGORIES,
  REPORT_STATUSES,
  SETTLEMENT_DECISIONS,
  type CoFinancerKind,
  type ExpenseCategory,
  type IncomeCategory,
  type ReportStatusInput,
  type SettlementDecision,
} from '../../../workflows/convention/convention.contract';
import { MAX_REFERENCE_LENGTH } from '../../../workflows/convention/convention.checks';
import { IsCalendarDate } from '../../common/calendar-date';
import { IsCents } from './money';
import { IsLine, IsText } from '../../common/text';

/** A year's authorisation by award notice (the other form is a board deliberation, see DeliberationDto). */
export class AwardNoticeDto {
  @IsLine(200, { example: 'Arrêté préfectoral 2025-0142', description: 'Reference of the award notice' })
  awardNotice!: string;

  @ApiProperty({ example: '2025-02-14', format: 'date' })
  @IsCalendarDate()
  notifiedOn!: string;

  @ValidateIf((o: AwardNoticeDto) => o.grantedCents !== undefined)
  @IsCents(1, { required: false, example: 18500000, description: "The amount granted for this year, in euro cents (absent: the convention's annual amount)" })
  grantedCents?: number;
}

/** `POST /conventions/{ref}/years/{year}/request`: the subsidy request was sent. */
export class SubsidyRequestDto {
  @ApiProperty({ example: '2025-01-20', format: 'date' })
  @IsCalendarDate()
  sentOn!: string;

  @ValidateIf((o: SubsidyRequestDto) => o.amountCents !== undefined)
  @IsCents(1, { required: false, example: 20000000, description: "The amount requested, in euro cents (absent: the year's award)" })
  amountCents?: number;

  @ApiPropertyOptional({ type: String, maxLength: MAX_REFERENCE_LENGTH, example: 'PV-2025-021-00417', description: "The request's dossier number on the State's subsidy portal" })
  @IsOptional()
  @IsText(MAX_REFERENCE_LENGTH)
  portalDossierNumber?: string;
}

export const PAYMENT_REFERENCE = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/;

/** `POST /conventions/{ref}/years/{year}/payments`: a payment received; its reference makes it idempotent. */
export class PaymentDto {
  @ApiProperty({ example: 'VIR-2024-0001', pattern: PAYMENT_REFERENCE.source, description: 'The bank reference; the same reference twice is recorded once' })
  @IsString({ message: 'reference must be a string' })
  @Matches(PAYMENT_REFERENCE, { message: 'reference must be 1 to 64 letters, digits or . _ / -, starting with a letter or digit' })
  reference!: string;

  @ApiProperty({ example: '2024-09-15', format: 'date' })
  @IsCalendarDate()
  receivedOn!: string;

  @IsCents(1, { example: 10000000, description: 'Amount received, in euro cents' })
  amountCents!: number;
}


const MAX_BUDGET_LINES = 50;

function BudgetLines(property: string, type: () => new () => object): PropertyDecorator {
  return (target, key) =>
    [
      IsArray({ message: `budget.${property} must be an array` }),
      ArrayMaxSize(MAX_BUDGET_LINES, { message: `budget.${property} must list at most ${MAX_BUDGET_LINES} lines` }),
      ValidateNested({ each: true }),
      Type(type),
    ].forEach((d) => d(target, key));
}

export class ExpenseLineDto {
  @ApiProperty({ enum: EXPENSE_CATEGORIES, example: 'STAFF', description: 'The account of the State form (CERFA 15059): 60 PURCHASES … 68 DEPRECIATION' })
  @IsIn(EXPENSE_CATEGORIES, { message: `category must be one of: ${EXPENSE_CATEGORIES.join(', ')}` })
  category!: ExpenseCategory;

  @IsCents(0, { example: 15000000 })
  amountCents!: number;
}

export class IncomeLineDto {
  @ApiProperty({ enum: INCOME_CATEGORIES, example: 'OWN_FUNDS', description: 'Income other than subsidies, own funds included' })
  @IsIn(INCOME_CATEGORIES, { message: `category must be one of: ${INCOME_CATEGORIES.join(', ')}` })
  category!: IncomeCategory;

  @IsCents(0, { example: 1000000 })
  amountCents!: number;
}

export class CoFinancerDto {
  @ApiProperty({ enum: CO_FINANCER_KINDS, example: 'COMMUNE' })
  @IsIn(CO_FINANCER_KINDS, { message: `kind must be one of: ${CO_FINANCER_KINDS.join(', ')}` })
  kind!: CoFinancerKind;

  @ApiPropertyOptional({ maxLength: 200, example: 'Ville de Dijon' })
  @ValidateIf((o: CoFinancerDto) => o.name !== undefined)
  @IsText(200)
  name?: string;

  @IsCents(0, { example: 3000000 })
  amountCents!: number;
}

/** The action's actual budget as the State's form asks: expenses and income by category, the co-financers. */
export class CrfBudgetDto {
  @ApiProperty({ type: [ExpenseLineDto], minItems: 1, maxItems: MAX_BUDGET_LINES })
  @BudgetLines('expenses', () => ExpenseLineDto)
  @ArrayMinSize(1, { message: 'budget.expenses must list at least one line' })
  expenses!: ExpenseLineDto[];

  @ApiProperty({ type: [IncomeLineDto], maxItems: MAX_BUDGET_LINES })
  @BudgetLines('income', () => IncomeLineDto)
  income!: IncomeLineDto[];

  @ApiProperty({ type: [CoFinancerDto], maxItems: MAX_BUDGET_LINES })
  @BudgetLines('coFinancers', () => CoFinancerDto)
  coFinancers!: CoFinancerDto[];
}

/**
 * `POST /conventions/{ref}/years/{year}/financial-report`: the CRF submitted (with the amount spent), then
 * accepted, or returned with a comment.
 */
export class FinancialReportDto {
  @ApiProperty({ enum: REPORT_STATUSES, example: 'SUBMITTED' })
  @IsIn(REPORT_STATUSES, { message: 'status must be one of: SUBMITTED, ACCEPTED, RETURNED' })
  status!: ReportStatusInput;

  @ApiProperty({ example: '2025-06-10', format: 'date', description: 'Date of the submission, acceptance or return' })
  @IsCalendarDate()
  on!: string;

  @ValidateIf((o: FinancialReportDto) => (o.status === 'SUBMITTED' && o.budget === undefined) || o.spentCents !== undefined)
  @IsCents(0, { required: false, example: 19850000, description: 'Amount spent in the year, in euro cents (required with SUBMITTED without a budget; with one, its total expenses)' }, 'is required when the report is SUBMITTED')
  spentCents?: number;

  @ApiPropertyOptional({ type: CrfBudgetDto, description: "SUBMITTED only: the action's budget; the amount spent, this subsidy's use, the under-use and the over-payment are computed from it" })
  @IsOptional()
  @IsObject({ message: 'budget must be an object' })
  @ValidateNested()
  @Type(() => CrfBudgetDto)
  budget?: CrfBudgetDto;

  @ApiPropertyOptional({ maxLength: 2000, description: 'Why the report is returned (required with RETURNED)' })
  @ValidateIf((o: FinancialReportDto) => o.status === 'RETURNED' || o.comment !== undefined)
  @IsText(2000, { missing: 'is required when the report is RETURNED', multiline: true })
  comment?: string;
}

/**
 * `POST /conventions/{ref}/years/{year}/settlement`: the State's decision on a year whose CRF is accepted — the
 * balance reduced, expenses rejected, or a repayment order (titre de perception, with its due date).
 */
export class SettlementDto {
  @ApiProperty({ enum: SETTLEMENT_DECISIONS, example: 'BALANCE_REDUCED' })
  @IsIn(SETTLEMENT_DECISIONS, { message: `decision must be one of: ${SETTLEMENT_DECISIONS.join(', ')}` })
  decision!: SettlementDecision;

  @IsCents(1, { example: 2000000, description: 'The amount of the decision, in euro cents' })
  amountCents!: number;

  @ApiProperty({ example: '2027-09-01', format: 'date' })
  @IsCalendarDate()
  decidedOn!: string;

  @IsLine(200, { example: 'Courrier préfecture 2027-88', description: "The act: the State's letter, the titre de perception's number" })
  reference!: string;

  @ApiPropertyOptional({ example: '2027-11-30', format: 'date', description: 'REPAYMENT_ORDERED only (required then: 422 REPAYMENT_DUE_DATE without it): the date the repayment is due' })
  @IsOptional()
  @IsCalendarDate()
  dueOn?: string;
}

/** `POST /conventions/{ref}/years/{year}/repayment`: money repaid to the State against its repayment order. */
export class RepaymentDto {
  @ApiProperty({ example: '2027-11-15', format: 'date' })
  @IsCalendarDate()
  repaidOn!: string;

  @IsCents(1, { example: 150000, description: 'The amount repaid, in euro cents' })
  amountCents!: number;

  @IsLine(200, { example: 'Mandat 2027-4411', description: 'The reference of the transfer to the Treasury' })
  reference!: string;
}
