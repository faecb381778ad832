import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, ValidateIf } from 'class-validator';
import { MAX_REFERENCE_LENGTH } from '../../../workflows/convention/convention.checks';
import { REPORT_STATUSES, type ReportStatusInput } from '../../../workflows/convention/convention.contract';
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
}

/** `POST /conventions/{ref}/years/{year}/request`: the subsidy request was sent. */
export class SubsidyRequestDto {
  @ApiProperty({ example: '2025-01-20', format: 'date' })
  @IsCalendarDate()
  sentOn!: string;

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

  @ValidateIf((o: FinancialReportDto) => o.status === 'SUBMITTED' || o.spentCents !== undefined)
  @IsCents(0, { required: false, example: 19850000, description: 'Amount spent in the year, in euro cents (required with SUBMITTED)' }, 'is required when the report is SUBMITTED')
  spentCents?: number;

  @ApiPropertyOptional({ maxLength: 2000, description: 'Why the report is returned (required with RETURNED)' })
  @ValidateIf((o: FinancialReportDto) => o.status === 'RETURNED' || o.comment !== undefined)
  @IsText(2000, { missing: 'is required when the report is RETURNED', multiline: true })
  comment?: string;
}
