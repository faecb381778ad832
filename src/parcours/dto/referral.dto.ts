import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsEmail, IsIn, IsObject, IsOptional, IsString, Matches, ValidateNested } from 'class-validator';
import { MaxChars } from '../../common/text';
import { CalendarDate } from '../../common/calendar-date';
import {
  GUARDIAN_RELATIONSHIPS,
  ORIENTEUR_TYPES,
  PRIORITY_EDUCATION,
  QPV_CODES,
  REFERRAL_REASONS,
  SEXES,
  type AddressInput,
  type ChildInput,
  type GuardianInput,
  type GuardianRelationship,
  type OrienteurInput,
  type OrienteurType,
  type PriorityEducation,
  type QpvCode,
  type ReferralInput,
  type ReferralReason,
  type SchoolInput,
  type Sex,
} from '../../../workflows/parcours/parcours.contract';
import { OneOf, OptionalOneOf } from './enum';
import { FreeText, MAX, OptionalLine, OptionalText, Text } from './text';

export class AddressDto implements AddressInput {
  @Text(MAX.line, { example: '12 rue Jean de Cirey' }) line1!: string;
  @OptionalLine(MAX.line) line2?: string;

  @ApiProperty({ example: '21000', pattern: '^[0-9A-Za-z -]{3,10}$' })
  @IsString()
  @Matches(/^[0-9A-Za-z -]{3,10}$/, { message: 'postcode must be a postal code (3 to 10 letters or digits), e.g. 21000' })
  postcode!: string;

  @Text(MAX.name, { example: 'Dijon' }) city!: string;
}

export class SchoolDto implements SchoolInput {
  @Text(MAX.line, { example: 'École élémentaire Les Grésilles' }) name!: string;
  @Text(20, { example: 'CE2', description: 'PS, MS, GS, CP, CE1, CE2, CM1, CM2, 6e … 3e, or another level' }) level!: string;
  @OptionalOneOf(PRIORITY_EDUCATION, { example: 'REP+' }) priorityEducation?: PriorityEducation;
}

export class ChildDto implements ChildInput {
  @Text(MAX.name, { example: 'Lina' }) firstName!: string;
  @Text(MAX.name, { example: 'Benali' }) lastName!: string;
  @CalendarDate({ example: '2016-03-14', kind: 'birth', description: 'From 1900-01-01 to today' }) birthDate!: string;
  @OneOf(SEXES, { example: 'F' }) sex!: Sex;

  @ApiProperty({ type: AddressDto })
  @IsObject({ message: '$property must be an object' })
  @ValidateNested()
  @Type(() => AddressDto)
  address!: AddressDto;

  @OneOf(QPV_CODES, { example: 'GRESILLES', description: 'QPV of residence (OTHER: outside any priority neighbourhood); the eligible list is configuration' })
  qpv!: QpvCode;

  @ApiPropertyOptional({ type: SchoolDto })
  @IsOptional()
  @IsObject({ message: '$property must be an object' })
  @ValidateNested()
  @Type(() => SchoolDto)
  school?: SchoolDto;
}

export class GuardianDto implements GuardianInput {
  @Text(MAX.name, { example: 'Samira' }) firstName!: string;
  @Text(MAX.name, { example: 'Benali' }) lastName!: string;
  @OneOf(GUARDIAN_RELATIONSHIPS, { example: 'MOTHER' }) relationship!: GuardianRelationship;

  @ApiPropertyOptional({ example: '+33612345678' })
  @IsOptional()
  @IsString()
  @Matches(/^\+?[0-9][0-9 .()-]{5,19}$/, { message: 'phone must be a phone number, e.g. +33612345678' })
  phone?: string;

  @ApiPropertyOptional({ example: 'famille@example.org' })
  @IsOptional()
  @IsEmail({}, { message: 'email must be an e-mail address' })
  @MaxChars(254, { message: 'email must be at most 254 characters' })
  email?: string;
}

export class OrienteurDto implements OrienteurInput {
  @OneOf(ORIENTEUR_TYPES, { example: 'SCHOOL' }) type!: OrienteurType;
  @OptionalLine(MAX.line, { example: 'École élémentaire Les Grésilles' }) organisation?: string;
}

export class EligibilityDerogationDto {
  @FreeText(MAX.note, { description: 'Written motive of the eligibility override' }) motive!: string;
}

/** Body of `POST /parcours`: the API.md example works as written. */
export class ReferralDto implements ReferralInput {
  @CalendarDate({ example: '2026-11-20' }) referredOn!: string;

  @ApiProperty({ type: ChildDto })
  @IsObject({ message: '$property must be an object' })
  @ValidateNested()
  @Type(() => ChildDto)
  child!: ChildDto;

  @ApiProperty({ type: [GuardianDto], minItems: 1, maxItems: 6 })
  @IsArray()
  @ArrayMinSize(1, { message: 'guardians must name at least one family contact' })
  @ArrayMaxSize(6)
  @ValidateNested({ each: true })
  @Type(() => GuardianDto)
  guardians!: GuardianDto[];

  @ApiProperty({ type: OrienteurDto })
  @IsObject({ message: '$property must be an object' })
  @ValidateNested()
  @Type(() => OrienteurDto)
  orienteur!: OrienteurDto;

  @ApiProperty({ enum: [...REFERRAL_REASONS], isArray: true, example: ['SCHOOL_RESULTS', 'SOCIAL_ISOLATION'] })
  @IsArray()
  @ArrayMinSize(1, { message: 'reasons must list at least one reason' })
  @ArrayMaxSize(REFERRAL_REASONS.length)
  @ArrayUnique({ message: 'reasons must not repeat a reason' })
  @IsIn([...REFERRAL_REASONS], { each: true, message: `each value in reasons must be one of the following values: ${REFERRAL_REASONS.join(', ')}` })
  reasons!: ReferralReason[];

  @OptionalText(MAX.context, { example: 'Free text from the orienteur.' }) context?: string;

  @ApiPropertyOptional({ type: EligibilityDerogationDto, description: 'Coordinator only: an eligibility override, applied when the referral is not eligible' })
  @IsOptional()
  @IsObject({ message: '$property must be an object' })
  @ValidateNested()
  @Type(() => EligibilityDerogationDto)
  derogation?: EligibilityDerogationDto;
}
