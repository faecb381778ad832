import { applyDecorators } from '@nestjs/common';
import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import { registerDecorator, type ValidationArguments } from 'class-validator';

function textProblem(value: unknown, max: number, missing: string): string | undefined {
  if (value === undefined || value === null) return missing;
  if (typeof value !== 'string') return 'must be a string';
  if (!/\S/.test(value)) return 'must not be blank';
  if (value.length > max) return `must be at most ${max} characters`;
  return undefined;
}

/** A non-blank string of at most `max` characters; one message per field saying what is wrong. */
export function IsText(max: number, opts: { missing?: string } = {}): PropertyDecorator {
  const missing = opts.missing ?? 'is required';
  return (target: object, key: string | symbol) =>
    registerDecorator({
      name: 'isText',
      target: target.constructor,
      propertyName: String(key),
      validator: {
        validate: (value: unknown) => textProblem(value, max, missing) === undefined,
        defaultMessage: (args?: ValidationArguments) => `${args?.property} ${textProblem(args?.value, max, missing)}`,
      },
    });
}

/** A required, non-blank line of text (a name, a party, a provider, a label), documented for OpenAPI. */
export function IsLine(max: number, doc: ApiPropertyOptions = {}): PropertyDecorator {
  return applyDecorators(ApiProperty({ type: String, maxLength: max, ...doc } as ApiPropertyOptions), IsText(max));
}
