import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
  Validate,
} from 'class-validator';
import { TRANCHE_CONDITIONS, type TrancheCondition } from '../../../workflows/convention/convention.contract';
import { IsCents } from './money';
import { IsLine } from '../../common/text';

/** A convention reference: upper-case letters, digits and dashes (it becomes part of workflow ids). */
export const CONVENTION_REFERENCE = /^[A-Z0-9][A-Z0-9-]{2,62}$/;


export class PartiesDto {
  @IsLine(200, { description: "The State's party (who signs for the State)", example: "Préfet de la Côte-d'Or" })
  state!: string;

  @IsLine(200, { description: 'The beneficiary', example: 'CCAS de Dijon' })
  beneficiary!: string;
}

export class TrancheDto {
  @ApiProperty({ description: "Share of the year's amount, in (0, 1]", example: 0.5, minimum: 0, exclusiveMinimum: true, maximum: 1 })
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 4 }, { message: 'share must be a number with at most 4 decimals' })
  @Min(0.0001, { message: 'share must be greater than 0' })
  @Max(1, { message: 'share must not exceed 1' })
  share!: number;

  @ApiProperty({ enum: TRANCHE_CONDITIONS, example: 'ON_AUTHORISATION', description: 'When the tranche may be paid' })
  @IsIn(TRANCHE_CONDITIONS, { message: `condition must be one of: ${TRANCHE_CONDITIONS.join(', ')}` })
  condition!: TrancheCondition;
}

@ValidatorConstraint({ name: 'sharesAddUpToOne' })
class SharesAddUpToOne implements ValidatorConstraintInterface {
  validate(tranches: unknown): boolean {
    if (!Array.isArray(tranches)) return true; // IsArray reports it
    const shares = tranches.map((t) => (t as { share?: unknown })?.share);
    if (!shares.every((s) => typeof s === 'number' && Number.isFinite(s))) return true; // each share reports itself
    return Math.abs((shares as number[]).reduce((a, b) => a + b, 0) - 1) < 1e-9;
  }
  defaultMessage(): string {
    return 'tranches shares must add up to 1';
  }
}

@ValidatorConstraint({ name: 'consecutiveYears' })
class ConsecutiveYears implements ValidatorConstraintInterface {
  validate(years: unknown): boolean {
    if (!Array.isArray(years) || !years.every((y) => Number.isInteger(y))) return true;
    return years.every((y: number, i) => i === 0 || y === years[i - 1] + 1);
  }
  defaultMessage(): string {
    return 'years must be consecutive and in ascending order';
  }
}

/** `POST /conventions`: a multi-year funding convention (CPO). */
export class CreateConventionDto {
  @ApiProperty({ example: 'CPO-PRE-2024-2026', pattern: CONVENTION_REFERENCE.source, description: 'Business key of the convention' })
  @IsString({ message: 'reference must be a string' })
  @Matches(CONVENTION_REFERENCE, { message: 'reference must be 3 to 63 upper-case letters, digits or dashes, starting with a letter or digit' })
  reference!: string;

  @IsLine(500, { example: "Programme de réussite éducative — Convention pluriannuelle d'objectifs 2024-2026" })
  subject!: string;

  @ApiProperty({ type: PartiesDto })
  @IsObject({ message: 'parties must be an object' })
  @ValidateNested()
  @Type(() => PartiesDto)
  parties!: PartiesDto;

  @ApiProperty({ type: [Number], example: [2024, 2025, 2026], description: 'The funding years, consecutive, ascending' })
  @IsArray({ message: 'years must be an array of years' })
  @ArrayMinSize(1, { message: 'years must list at least one year' })
  @ArrayMaxSize(10, { message: 'years must list at most 10 years' })
  @ArrayUnique({ message: 'years must not repeat a year' })
  @IsInt({ each: true, message: 'each of years must be an integer year' })
  @Min(2000, { each: true, message: 'each of years must be 2000 or later' })
  @Max(2100, { each: true, message: 'each of years must be 2100 or earlier' })
  @Validate(ConsecutiveYears)
  years!: number[];

  @IsCents(1, { example: 20000000, description: 'Amount granted per year, in euro cents' })
  annualAmountCents!: number;

  @ApiPropertyOptional({
    type: [TrancheDto],
    description: 'How each year is paid; shares add up to 1. Default: 50 % on authorisation, 50 % after the previous report is accepted.',
    example: [
      { share: 0.5, condition: 'ON_AUTHORISATION' },
      { share: 0.5, condition: 'AFTER_PREVIOUS_REPORT_ACCEPTED' },
    ],
  })
  @IsOptional()
  @IsArray({ message: 'tranches must be an array' })
  @ArrayMinSize(1, { message: 'tranches must list at least one tranche' })
  @ArrayMaxSize(12, { message: 'tranches must list at most 12 tranches' })
  @ValidateNested({ each: true })
  @Type(() => TrancheDto)
  @Validate(SharesAddUpToOne)
  tranches?: TrancheDto[];
}
