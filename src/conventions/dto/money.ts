import { applyDecorators } from '@nestjs/common';
import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import { registerDecorator, type ValidationArguments } from 'class-validator';

/** The largest amount the API takes: one billion euros, far above any subsidy (guards against typos in cents). */
export const MAX_CENTS = 100_000_000_000;

function centsProblem(value: unknown, min: number, missing = 'is required'): string | undefined {
  if (value === undefined || value === null) return missing;
  if (typeof value !== 'number' || !Number.isInteger(value)) return 'must be an integer number of euro cents';
  if (value < min) return min === 0 ? 'must not be negative' : 'must be a positive number of cents';
  if (value > MAX_CENTS) return `must not exceed ${MAX_CENTS} cents`;
  return undefined;
}

/**
 * An amount in integer euro cents, between `min` and MAX_CENTS: a negative, fractional, non-numeric or absurd
 * amount is a 400 (one message per field, saying which), never a rounding.
 */
export function IsCents(min: 0 | 1, doc: ApiPropertyOptions = {}, missing?: string): PropertyDecorator {
  return applyDecorators(ApiProperty({ type: 'integer', minimum: min, maximum: MAX_CENTS, ...doc } as ApiPropertyOptions), (target: object, key: string | symbol) =>
    registerDecorator({
      name: 'isCents',
      target: target.constructor,
      propertyName: String(key),
      validator: {
        validate: (value: unknown) => centsProblem(value, min, missing) === undefined,
        defaultMessage: (args?: ValidationArguments) => `${args?.property} ${centsProblem(args?.value, min, missing)}`,
      },
    }),
  );
}
