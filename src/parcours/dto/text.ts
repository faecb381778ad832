import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';

import { CleanText, MaxChars } from '../../common/text';

/** A required, non-blank line of text (a name, a provider, a label): the one text rule of every DTO. */
export { IsLine as Text } from '../../common/text';

/** A required, non-blank free text (a summary, a written motive): tabs and line breaks allowed. */
export { IsFreeText as FreeText } from '../../common/text';

/**
 * An optional free text. A blank value is let through on purpose: where the domain requires it (a derogation's
 * motive, a refusal's motive) the workflow's rule answers 422 with a sentence, as DOMAIN.md asks.
 */
export function OptionalText(max: number, doc: { example?: string; description?: string } = {}, multiline = true): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: String, maxLength: max, ...doc }),
    IsOptional(),
    IsString({ message: '$property must be a string' }),
    MaxChars(max, { message: `$property must be at most ${max} characters` }),
    CleanText({ multiline }),
  );
}

/** An optional line (a second address line, an organisation, a service): as OptionalText, without line breaks. */
export function OptionalLine(max: number, doc: { example?: string; description?: string } = {}): PropertyDecorator {
  return OptionalText(max, doc, false);
}

/** A staff user id, as in the JWT `sub` (e.g. `u-ref-1`). */
export const STAFF_ID = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,63}$/;

/** A required staff id. */
export function StaffId(doc: { example?: string; description?: string } = {}): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ type: String, pattern: STAFF_ID.source, ...doc }),
    IsString({ message: '$property must be a string' }),
    Matches(STAFF_ID, { message: '$property must be a staff id (letters, digits and . _ @ : -, at most 64)' }),
  );
}

/** An optional staff id. */
export function OptionalStaffId(doc: { example?: string; description?: string } = {}): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: String, pattern: STAFF_ID.source, ...doc }),
    IsOptional(),
    IsString({ message: '$property must be a string' }),
    Matches(STAFF_ID, { message: '$property must be a staff id (letters, digits and . _ @ : -, at most 64)' }),
  );
}

/** Maximum lengths shared by the DTOs. */
export const MAX = { name: 100, line: 200, label: 300, note: 2000, summary: 4000, context: 4000 } as const;
