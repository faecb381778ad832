import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsOptional, ValidateNested } from 'class-validator';
import { CalendarDate } from '../../common/calendar-date';
import { CONSENT_DECISIONS, GUARDIAN_RELATIONSHIPS, type ConsentDecision, type ConsentInput, type GuardianRelationship } from '../../../workflows/parcours/parcours.contract';
import { OneOf } from './enum';
import { MAX, OptionalText, Text } from './text';
import type { StaffFields } from './staff-fields';

export class SignatoryDto {
  @Text(MAX.line, { example: 'Samira Benali' }) name!: string;
  @OneOf(GUARDIAN_RELATIONSHIPS, { example: 'MOTHER' }) relationship!: GuardianRelationship;
}

/** Body of `POST /parcours/{dossierId}/consent`. */
export class ConsentDto implements StaffFields<ConsentInput> {
  @OneOf(CONSENT_DECISIONS, { example: 'GRANTED' }) decision!: ConsentDecision;
  @CalendarDate({ example: '2026-11-25', description: 'Date of the signature (or of the refusal)' }) signedOn!: string;

  @ApiPropertyOptional({ type: [SignatoryDto], description: 'Holders of parental authority who signed (at least one when GRANTED)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(4)
  @ValidateNested({ each: true })
  @Type(() => SignatoryDto)
  signedBy?: SignatoryDto[];

  @ApiPropertyOptional({ example: true, description: 'The family was told what is shared within the EPS (required true to record GRANTED)' })
  @IsOptional()
  @IsBoolean()
  dataSharingInformed?: boolean;

  @OptionalText(MAX.note) note?: string;
}
