import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { DELIBERATION_DECISIONS, PRESIDENT_VOTES, type DeliberationDecision, type PresidentVote } from '../../../workflows/convention/convention.contract';
import { IsCalendarDate } from '../../common/calendar-date';
import { CleanText, IsLine, IsText, MaxChars } from '../../common/text';
import { MAX_REFERENCE_LENGTH } from '../../../workflows/convention/convention.checks';
import { IsYear } from './year-number';


const MAX_MEMBERS = 200;

export class ProxyDto {
  @IsLine(120, { description: 'The member represented', example: 'M. REBSAMEN' })
  member!: string;

  @IsLine(120, { description: 'The present member holding the proxy', example: 'M. HOAREAU' })
  holder!: string;
}

export class VotesDto {
  @ApiProperty({ name: 'for', type: 'integer', minimum: 0, example: 13 })
  @IsInt({ message: 'votes.for must be an integer' })
  @Min(0, { message: 'votes.for must not be negative' })
  @Max(MAX_MEMBERS * 2, { message: `votes.for must not exceed ${MAX_MEMBERS * 2}` })
  for!: number;

  @ApiProperty({ type: 'integer', minimum: 0, example: 0 })
  @IsInt({ message: 'votes.against must be an integer' })
  @Min(0, { message: 'votes.against must not be negative' })
  @Max(MAX_MEMBERS * 2, { message: `votes.against must not exceed ${MAX_MEMBERS * 2}` })
  against!: number;

  @ApiProperty({ type: 'integer', minimum: 0, example: 0 })
  @IsInt({ message: 'votes.abstain must be an integer' })
  @Min(0, { message: 'votes.abstain must not be negative' })
  @Max(MAX_MEMBERS * 2, { message: `votes.abstain must not exceed ${MAX_MEMBERS * 2}` })
  abstain!: number;
}

const NAME_LIST = { type: String, isArray: true, maxItems: MAX_MEMBERS } as const;

function nameList(property: string) {
  return [
    IsArray({ message: `${property} must be an array of names` }),
    ArrayMaxSize(MAX_MEMBERS, { message: `${property} must list at most ${MAX_MEMBERS} names` }),
    IsString({ each: true, message: `each name in ${property} must be a string` }),
    Matches(/\S/, { each: true, message: `each name in ${property} must not be blank` }),
    MaxChars(120, { each: true, message: `each name in ${property} must be at most 120 characters` }),
    CleanText({ each: true }),
  ];
}
function NameList(property: string): PropertyDecorator {
  return (target, key) => nameList(property).forEach((d) => d(target, key));
}

/**
 * A board (CA) session's record, `POST /conventions/{ref}/deliberations` and a year's authorisation. The
 * consistency rules (convocation delay, proxies, quorum, vote counts) are domain rules: breaking one is a 422
 * with the reason, a missing quorum is a recorded `NO_QUORUM` outcome.
 */
export class DeliberationDto {
  @ApiPropertyOptional({ type: String, maxLength: MAX_REFERENCE_LENGTH, example: 'D2024-41', description: "The deliberation's number in the board's register, as the State and the CCAS cite it" })
  @IsOptional()
  @IsText(MAX_REFERENCE_LENGTH)
  number?: string;

  @ApiProperty({ example: '2024-07-03', format: 'date' })
  @IsCalendarDate()
  sessionDate!: string;

  @ApiProperty({ example: '2024-06-28', format: 'date', description: 'At least 3 days before the session' })
  @IsCalendarDate()
  convocationDate!: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_MEMBERS, example: 17 })
  @IsInt({ message: 'membersInOffice must be an integer' })
  @Min(1, { message: 'membersInOffice must be at least 1' })
  @Max(MAX_MEMBERS, { message: `membersInOffice must not exceed ${MAX_MEMBERS}` })
  membersInOffice!: number;

  @IsLine(120, { example: 'M. HOAREAU', description: 'The president of the session' })
  president!: string;

  @ApiProperty({ ...NAME_LIST, example: ['M. HOAREAU', 'Mme TENENBAUM'], description: 'Members present' })
  @NameList('present')
  present!: string[];

  @ApiPropertyOptional({ type: [ProxyDto], description: 'Members represented, each by a present holder' })
  @IsOptional()
  @IsArray({ message: 'proxies must be an array' })
  @ArrayMaxSize(MAX_MEMBERS, { message: `proxies must list at most ${MAX_MEMBERS} proxies` })
  @ValidateNested({ each: true })
  @Type(() => ProxyDto)
  proxies?: ProxyDto[];

  @ApiPropertyOptional({ ...NAME_LIST, example: ['M. MEZUI'], description: 'Members excused' })
  @IsOptional()
  @NameList('excused')
  excused?: string[];

  @ApiPropertyOptional({
    ...NAME_LIST,
    example: ['Mme GINDRE'],
    description: 'Members who do not take part in the vote (conflict of interest): each present or represented; counted for the quorum if present, not among the votes',
  })
  @IsOptional()
  @NameList('nonParticipating')
  nonParticipating?: string[];

  @ApiProperty({ type: VotesDto })
  @IsObject({ message: 'votes must be an object' })
  @ValidateNested()
  @Type(() => VotesDto)
  votes!: VotesDto;

  @ApiProperty({ enum: DELIBERATION_DECISIONS, isArray: true, example: ['APPROVE_CONVENTION', 'AUTHORISE_SIGNATURE', 'AUTHORISE_RECEIPT'] })
  @IsArray({ message: 'decisions must be an array' })
  @ArrayMinSize(1, { message: 'decisions must list at least one decision' })
  @ArrayMaxSize(DELIBERATION_DECISIONS.length, { message: `decisions must list at most ${DELIBERATION_DECISIONS.length} decisions` })
  @IsIn(DELIBERATION_DECISIONS, { each: true, message: `each decision must be one of: ${DELIBERATION_DECISIONS.join(', ')}` })
  decisions!: DeliberationDecision[];

  @ApiPropertyOptional({ type: 'integer', example: 2024, description: 'The funding year whose receipt this session authorises' })
  @IsOptional()
  @IsYear()
  receiptYear?: number;

  @ApiPropertyOptional({ enum: PRESIDENT_VOTES, description: "The president's casting vote; required only on a tie" })
  @IsOptional()
  @IsIn(PRESIDENT_VOTES, { message: 'presidentVote must be FOR or AGAINST' })
  presidentVote?: PresidentVote;
}
