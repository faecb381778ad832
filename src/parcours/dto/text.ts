import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, registerDecorator, type ValidationArguments } from 'class-validator';

function textProblem(value: unknown, max: number): string | undefined {
  if (value === undefined || value === null) return 'is required';
  if (typeof value !== 'string') return 'must be a string';
  if (!/\S/.test(value)) return 'must not be blank';
  if (value.length > max) return `must be at most ${max} characters`;
  return undefined;
}

/** class-validator: a non-blank string of at most `max` characters (one message saying what is wrong). */
export function IsText(max: number): PropertyDecorator {
  return (target: object, key: string | symbol) =>
    registerDecorator({
      name: 'isText',
      target: target.constructor,
      propertyName: String(key),
      validator: {
        validate: (value: unknown) => textProblem(value, max) === undefined,
        defaultMessage: (args?: ValidationArguments) => `${args?.property} ${textProblem(args?.value, max)}`,
      },
    });
}

/** A required, non-blank line of text (a name, a provider, a label). */
export function Text(max: number, doc: { example?: string; description?: string } = {}): PropertyDecorator {
  return applyDecorators(ApiProperty({ type: String, maxLength: max, ...doc }), IsText(max));
}

/**
 * An optional free text. A blank value is let through on purpose: where the domain requires it (a derogation's
 * motive, a refusal's motive) the workflow's rule answers 422 with a sentence, as DOMAIN.md asks.
 */
export function OptionalText(max: number, doc: { example?: string; description?: string } = {}): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: String, maxLength: max, ...doc }),
    IsOptional(),
    IsString({ message: '$property must be a string' }),
    MaxLength(max, { message: `$property must be at most ${max} characters` }),
  );
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
