import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, registerDecorator, type ValidationOptions } from 'class-validator';

const SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when `value` is a `YYYY-MM-DD` string naming a day that exists (2026-02-30 and 2025-02-29 do not). */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = SHAPE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Date.UTC rolls 30 February over to March: a real date survives the round trip unchanged
  const date = new Date(Date.UTC(y, mo - 1, d));
  return y >= 1900 && date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** class-validator: a calendar date `YYYY-MM-DD` that exists (a business date, no time zone). */
export function IsCalendarDate(options: ValidationOptions = {}): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isCalendarDate',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: '$property must be a real calendar date YYYY-MM-DD', ...options },
      validator: { validate: (value: unknown) => isCalendarDate(value) },
    });
}

/** A required `YYYY-MM-DD` date, validated and documented for OpenAPI. */
export function CalendarDate(doc: { example?: string; description?: string } = {}): PropertyDecorator {
  return applyDecorators(ApiProperty({ type: String, format: 'date', ...doc }), IsCalendarDate());
}

/** An optional `YYYY-MM-DD` date, validated and documented for OpenAPI. */
export function OptionalCalendarDate(doc: { example?: string; description?: string } = {}): PropertyDecorator {
  return applyDecorators(ApiPropertyOptional({ type: String, format: 'date', ...doc }), IsOptional(), IsCalendarDate());
}
