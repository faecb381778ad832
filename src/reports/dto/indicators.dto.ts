import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { QPV_CODES, SEXES } from '../../../workflows/parcours/parcours.contract';
import { AGE_BANDS } from '../../../workflows/parcours/parcours.rules';
import { MAX_REPORT_YEAR, MIN_REPORT_YEAR, PERIOD_KINDS, type PeriodKind } from '../indicators';

/** `GET /reports/indicators` query. */
export class IndicatorsQuery {
  @ApiProperty({
    type: 'integer',
    minimum: MIN_REPORT_YEAR,
    maximum: MAX_REPORT_YEAR,
    example: 2025,
    description:
      'The year. civil: January → December of that year. school: the school year that ENDS in that year (year=2025 is 1 September 2024 → 31 August 2025). ' +
      'The subsidy figures are always those of the funding (civil) year `year`.',
  })
  @Type(() => Number)
  @IsInt({ message: 'year must be a whole number such as 2025' })
  @Min(MIN_REPORT_YEAR, { message: `year must be between ${MIN_REPORT_YEAR} and ${MAX_REPORT_YEAR}` })
  @Max(MAX_REPORT_YEAR, { message: `year must be between ${MIN_REPORT_YEAR} and ${MAX_REPORT_YEAR}` })
  year!: number;

  @ApiPropertyOptional({
    enum: [...PERIOD_KINDS],
    default: 'civil',
    description: 'civil: snapshot of active parcours on 31 December; school: on 31 August (end of the school year).',
  })
  @IsOptional()
  @IsIn([...PERIOD_KINDS], { message: `period must be one of: ${PERIOD_KINDS.join(', ')}` })
  period?: PeriodKind;
}

const CELL_SCHEMA = {
  oneOf: [{ type: 'number' }, { type: 'string', enum: ['<5'] }],
  nullable: true,
  description:
    'A number; "<5" when the cell is hidden: fewer than 5 children stand behind it, or it is hidden so that no hidden cell can be narrowed to fewer than 5 values from everything published (this report and the earlier ones); null for a median without any case or an amount not reported yet.',
};

function breakdownSchema(keys: readonly string[], what: string): ApiPropertyOptions {
  return {
    type: 'object',
    description: `By ${what}; absent for figures that are not about children (meetings, amounts).`,
    properties: Object.fromEntries(keys.map((k) => [k, CELL_SCHEMA])),
    additionalProperties: false,
  } as ApiPropertyOptions;
}

/** One figure with its total and its breakdowns. */
export class FigureReportDto {
  @ApiProperty({ example: 'referrals.received', description: 'Stable code of the figure' }) code!: string;
  @ApiProperty({ example: 'Orientations reçues' }) label!: string;
  @ApiProperty({ enum: ['children', 'actions', 'days', 'meetings', 'cents', 'cells'] }) unit!: string;
  @ApiProperty(CELL_SCHEMA as ApiPropertyOptions) total!: number | string | null;
  @ApiPropertyOptional(breakdownSchema(QPV_CODES, 'QPV of residence at the referral (OTHER: outside any QPV)')) byQpv?: Record<string, number | string | null>;
  @ApiPropertyOptional(breakdownSchema(AGE_BANDS, 'age band on the referral date (0-1: referrals of children under 2)')) byAgeBand?: Record<string, number | string | null>;
  @ApiPropertyOptional(breakdownSchema(SEXES, 'sex')) bySex?: Record<string, number | string | null>;
}

/** `GET /reports/indicators` (JSON). */
export class IndicatorsReportDto {
  @ApiProperty({ example: 2025 }) year!: number;
  @ApiProperty({ enum: [...PERIOD_KINDS] }) period!: string;
  @ApiProperty({ example: 'année civile 2025' }) periodLabel!: string;
  @ApiProperty({ format: 'date', example: '2025-01-01' }) from!: string;
  @ApiProperty({ format: 'date', example: '2025-12-31' }) to!: string;
  @ApiProperty({ format: 'date', example: '2025-12-31', description: 'Date of the "children in an active parcours" snapshot' }) snapshotOn!: string;
  @ApiProperty({ example: 2025, description: 'Funding (civil) year of the subsidy figures' }) fundingYear!: number;
  @ApiProperty({ type: [String], example: ['CPO-2024-2026-DIJON'], description: 'Conventions funding that year' }) conventions!: string[];
  @ApiProperty({ example: 5 }) smallCellThreshold!: number;
  @ApiProperty({ example: '<5' }) suppressedMarker!: string;
  @ApiProperty({
    type: [FigureReportDto],
    description:
      'Every figure, in a fixed order: referrals and their outcome, children active on the snapshot date, entries, exits (total and by closure reason), ' +
      'medians (days), actions by type, EPS meetings and cases examined, subsidy granted/received/spent (integer cents), and how many cells are hidden (secrecy.smallCells: fewer than 5 children; secrecy.protectionCells: hidden on top to protect them).',
  })
  figures!: FigureReportDto[];
}
