import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOptional, IsString, Matches } from 'class-validator';
import { MaxChars } from '../../common/text';
import { PageSizeQuery } from '../../common/page-query';
import { CONVENTION_REFERENCE } from './create-convention.dto';
import { IsYear } from './year-number';

/** `{ref}` of the convention paths. */
export class ConventionParams {
  @ApiProperty({ example: 'CPO-PRE-2024-2026', pattern: CONVENTION_REFERENCE.source })
  @IsString()
  @Matches(CONVENTION_REFERENCE, { message: 'ref must be a convention reference (upper-case letters, digits and dashes)' })
  ref!: string;
}

/** `{ref}` and `{year}` of the funding-year paths. */
export class YearParams extends ConventionParams {
  @ApiProperty({ example: 2024, type: 'integer' })
  @Type(() => Number)
  @IsYear()
  year!: number;
}

/** `GET /conventions` query: pagination (and an optional stage filter). */
export class ListConventionsQuery extends PageSizeQuery {

  @ApiPropertyOptional({ description: 'The nextPageToken of the previous page' })
  @IsOptional()
  @IsString()
  @MaxChars(4096)
  pageToken?: string;

  @ApiPropertyOptional({ description: 'Only conventions in this stage', example: 'IN_EFFECT' })
  @IsOptional()
  @Matches(/^[A-Z_]{2,40}$/, { message: 'stage must be a stage name in upper case' })
  stage?: string;
}
