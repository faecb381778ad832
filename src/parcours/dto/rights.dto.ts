import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsObject, IsOptional, IsString, Matches, ValidateNested } from 'class-validator';
import { OptionalCalendarDate } from '../../common/calendar-date';
import { IsText } from '../../common/text';
import {
  PRIORITY_EDUCATION,
  QPV_CODES,
  SEXES,
  type ChildRectification,
  type PriorityEducation,
  type QpvCode,
  type RectificationInput,
  type Sex,
} from '../../../workflows/parcours/parcours.contract';
import { OptionalOneOf } from './enum';
import { GuardianDto } from './referral.dto';
import type { StaffFields } from './staff-fields';
import { MAX, OptionalLine, OptionalText } from './text';
import { ActorDto, ParcoursViewDto, TimelineEntryDto } from './views.dto';

/** An optional line that, when given, is a clean non-blank line (a corrected name is never blank). */
function OptionalNonBlankLine(max: number, doc: ApiPropertyOptions = {}): PropertyDecorator {
  return applyDecorators(ApiPropertyOptional({ type: String, maxLength: max, ...doc } as ApiPropertyOptions), IsOptional(), IsText(max));
}

export class AddressRectificationDto {
  @OptionalNonBlankLine(MAX.line, { example: '3 rue Marcel Sembat' }) line1?: string;
  @OptionalLine(MAX.line, { description: 'null removes the second line' }) line2?: string | null;

  @ApiPropertyOptional({ example: '21000', pattern: '^[0-9A-Za-z -]{3,10}$' })
  @IsOptional()
  @IsString()
  @Matches(/^[0-9A-Za-z -]{3,10}$/, { message: 'postcode must be a postal code (3 to 10 letters or digits), e.g. 21000' })
  postcode?: string;

  @OptionalNonBlankLine(MAX.name, { example: 'Dijon' }) city?: string;
}

export class SchoolRectificationDto {
  @OptionalNonBlankLine(MAX.line, { example: 'École élémentaire Les Grésilles' }) name?: string;
  @OptionalNonBlankLine(20, { example: 'CM1', description: 'The level alone changes without a motive (each September)' }) level?: string;
  @OptionalOneOf(PRIORITY_EDUCATION, { example: 'REP+' }) priorityEducation?: PriorityEducation;
}

export class ChildRectificationDto implements ChildRectification {
  @OptionalNonBlankLine(MAX.name, { example: 'Lina' }) firstName?: string;
  @OptionalNonBlankLine(MAX.name, { example: 'Benali' }) lastName?: string;
  @OptionalCalendarDate({ example: '2016-03-14', kind: 'birth', description: 'From 1900-01-01 to today; the eligibility is checked again' }) birthDate?: string;
  @OptionalOneOf(SEXES, { example: 'F' }) sex?: Sex;

  @ApiPropertyOptional({ type: AddressRectificationDto, description: 'Only the fields given change' })
  @IsOptional()
  @IsObject({ message: '$property must be an object' })
  @ValidateNested()
  @Type(() => AddressRectificationDto)
  address?: AddressRectificationDto;

  @OptionalOneOf(QPV_CODES, { example: 'GRESILLES', description: 'The eligibility is checked again' }) qpv?: QpvCode;

  @ApiPropertyOptional({ type: SchoolRectificationDto, description: 'Only the fields given change' })
  @IsOptional()
  @IsObject({ message: '$property must be an object' })
  @ValidateNested()
  @Type(() => SchoolRectificationDto)
  school?: SchoolRectificationDto;
}

/**
 * Body of `POST /parcours/{dossierId}/rectifications` (GDPR art. 16): only the fields given change, e.g.
 * `{ "child": { "address": { "line1": "3 rue Marcel Sembat" } }, "motive": "Nouvelle adresse communiquée par la mère" }`.
 */
export class RectificationDto implements StaffFields<Omit<RectificationInput, 'childKey'>> {
  @ApiPropertyOptional({ type: ChildRectificationDto })
  @IsOptional()
  @IsObject({ message: '$property must be an object' })
  @ValidateNested()
  @Type(() => ChildRectificationDto)
  child?: ChildRectificationDto;

  @ApiPropertyOptional({ type: [GuardianDto], minItems: 1, maxItems: 6, description: 'The family contacts as they now are: the whole list replaces the recorded one' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1, { message: 'guardians must name at least one family contact' })
  @ArrayMaxSize(6)
  @ValidateNested({ each: true })
  @Type(() => GuardianDto)
  guardians?: GuardianDto[];

  @OptionalText(MAX.note, { example: 'Nouvelle adresse communiquée par la mère', description: 'Required (422 otherwise), except for a change of the school level alone' }) motive?: string;
}

/** One notification recorded about the case (names the dossier, never the child). */
export class ExportNotificationDto {
  @ApiProperty({ example: 'CONSENT_REMINDER' }) kind!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiPropertyOptional({ format: 'date' }) dueOn?: string;
  @ApiProperty({ type: [String], example: ['u-ref-1', 'role:coordinator'] }) recipients!: string[];
  @ApiProperty() subject!: string;
  @ApiProperty() body!: string;
}

/** `GET /parcours/{dossierId}/export`: everything the service holds about the child and the family (GDPR art. 15). */
export class DataExportDto {
  @ApiProperty({ example: 'D-7K3M9QX2TB' }) dossierId!: string;
  @ApiProperty({ format: 'date-time' }) exportedAt!: string;
  @ApiProperty({ type: ActorDto }) exportedBy!: ActorDto;
  @ApiProperty({ example: 'RGPD art. 15' }) legalBasis!: string;
  @ApiProperty({ type: ParcoursViewDto, description: 'The case record: child, family, orienteur, consent, EPS decisions, objectives, actions, reassessments, suspensions, life events, derogations, rectifications, closure' })
  case!: ParcoursViewDto;
  @ApiProperty({ type: [TimelineEntryDto], description: 'Every recorded change, this export included' }) timeline!: TimelineEntryDto[];
  @ApiProperty({ type: [ExportNotificationDto], description: 'The notifications recorded about the case' }) notifications!: ExportNotificationDto[];
}
