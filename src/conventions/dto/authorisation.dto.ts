import { ApiProperty } from '@nestjs/swagger';
import { registerDecorator, ValidateIf, type ValidationArguments } from 'class-validator';
import { IsCalendarDate } from '../../common/calendar-date';
import { DeliberationDto } from './deliberation.dto';
import { IsText } from '../../common/text';
import { IsCents } from './money';

const DELIBERATION_FIELDS = [
  'sessionDate',
  'convocationDate',
  'membersInOffice',
  'president',
  'present',
  'proxies',
  'excused',
  'nonParticipating',
  'votes',
  'decisions',
  'receiptYear',
  'presidentVote',
  'number',
] as const satisfies ReadonlyArray<keyof DeliberationDto>;

/** The body is an award notice when it names one; otherwise it is a board deliberation. */
export function isAwardNotice(body: object): boolean {
  const o = body as Record<string, unknown>;
  return o.awardNotice !== undefined || o.notifiedOn !== undefined;
}

function mixedFields(body: object): string[] {
  return DELIBERATION_FIELDS.filter((f) => (body as Record<string, unknown>)[f] !== undefined);
}

/**
 * `POST /conventions/{ref}/years/{year}/authorisation`: the year's board deliberation (validated by the same
 * rules as the convention's) OR an award notice `{ awardNotice, notifiedOn }` — one or the other, never both.
 * One class because the global pipe validates one type; each half is validated only when the body is of its kind.
 */
export class YearAuthorisationDto extends DeliberationDto {
  @ApiProperty({ example: 'Arrêté préfectoral 2025-0142', required: false })
  @ValidateIf(isAwardNotice)
  @IsText(200)
  awardNotice?: string;

  @ApiProperty({ example: '2025-02-14', format: 'date', required: false })
  @ValidateIf(isAwardNotice)
  @IsCalendarDate()
  notifiedOn?: string;

  @ValidateIf((o: YearAuthorisationDto) => o.grantedCents !== undefined)
  @IsCents(1, { required: false, example: 18500000, description: "The amount granted for this year, in euro cents (absent: the convention's annual amount)" })
  grantedCents?: number;
}

const OPTIONAL_FIELDS: ReadonlySet<string> = new Set(['proxies', 'excused', 'nonParticipating', 'receiptYear', 'presidentVote', 'number']);

// The inherited deliberation fields are checked only when the body is a deliberation. class-validator keeps one
// conditional per property and type (this one replaces the parent's @IsOptional), so optional fields say so again.
for (const field of DELIBERATION_FIELDS) {
  const optional = OPTIONAL_FIELDS.has(field);
  ValidateIf((o: Record<string, unknown>) => !isAwardNotice(o) && (!optional || (o[field] !== undefined && o[field] !== null)))(YearAuthorisationDto.prototype, field);
}

// An award notice carrying deliberation fields is ambiguous: refuse it rather than silently drop half of it.
registerDecorator({
  name: 'awardNoticeAlone',
  target: YearAuthorisationDto,
  propertyName: 'awardNotice',
  validator: {
    validate: (_value: unknown, args?: ValidationArguments) => mixedFields(args?.object ?? {}).length === 0,
    defaultMessage: (args?: ValidationArguments) =>
      `an award notice cannot be combined with deliberation fields (${mixedFields(args?.object ?? {}).join(', ')})`,
  },
});
