import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { addDays, addMonths, parisDateOf } from '../../workflows/shared/calendar';

const SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A `YYYY-MM-DD` string naming a day that exists, in any year from 1000 (the window says which years are plausible). */
function isRealDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = SHAPE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Date.UTC rolls 30 February over to March: a real date survives the round trip unchanged
  const date = new Date(Date.UTC(y, mo - 1, d));
  return y >= 1000 && date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** True when `value` is a `YYYY-MM-DD` string naming a day that exists (2026-02-30 and 2025-02-29 do not), from 1900. */
export function isCalendarDate(value: unknown): value is string {
  return isRealDate(value) && value >= '1900-01-01';
}

/**
 * Which window a date must fall in (DOMAIN.md "Plausible dates"):
 * - `business`: something that happened or is decided (a referral, a consent, an event, a meeting, a payment, a
 *   report, an action's start): from the configured earliest date to `maxMonthsAhead` months after today;
 * - `plan`: a planned end (an action's end, a suspension's expected end, an age derogation's limit): from the
 *   earliest date to `planMaxMonthsAhead` months after today;
 * - `birth`: a birth date, from 1900-01-01 to today.
 */
export type DateKind = 'business' | 'plan' | 'birth';

/** The window's settings (src/config/dates.env.ts). */
export interface DateWindowSettings {
  earliest: string;
  maxMonthsAhead: number;
  planMaxMonthsAhead: number;
}

export const DEFAULT_DATE_WINDOW: DateWindowSettings = { earliest: '2000-01-01', maxMonthsAhead: 12, planMaxMonthsAhead: 60 };
export const EARLIEST_BIRTH_DATE = '1900-01-01';

let settings: DateWindowSettings = DEFAULT_DATE_WINDOW;
let clock: () => number = Date.now;

/** Sets the window of the process (the validation pipe does, from the configuration). */
export function configureDateWindow(next: DateWindowSettings, now: () => number = Date.now): void {
  settings = next;
  clock = now;
}

/** Today in Paris (the staff's day) by the process clock. */
export function todayInParis(): string {
  return parisDateOf(clock());
}

/** The first and last date accepted for a kind of date, today. */
export function dateWindow(kind: DateKind, today = todayInParis()): { from: string; to: string } {
  switch (kind) {
    case 'birth':
      return { from: EARLIEST_BIRTH_DATE, to: today };
    case 'plan':
      return { from: settings.earliest, to: addMonths(today, settings.planMaxMonthsAhead) };
    default:
      return { from: settings.earliest, to: addMonths(today, settings.maxMonthsAhead) };
  }
}

/** Why `value` is not an acceptable date of this kind, or undefined when it is. */
export function dateProblem(value: unknown, kind: DateKind): string | undefined {
  if (!isRealDate(value)) return 'must be a real calendar date YYYY-MM-DD';
  const { from, to } = dateWindow(kind);
  if (value < from) return kind === 'birth' ? `must not be before ${from}` : `must not be before ${from} (PRE_DATES_EARLIEST)`;
  if (value > to) return kind === 'birth' ? `must not be in the future (after ${to})` : `must not be after ${to} (${kind === 'plan' ? 'PRE_PLAN_DATES_MAX_MONTHS_AHEAD' : 'PRE_DATES_MAX_MONTHS_AHEAD'} months from today)`;
  return undefined;
}

/** class-validator: a calendar date `YYYY-MM-DD` that exists and falls in the window of its kind (default business). */
export function IsCalendarDate(options: ValidationOptions & { kind?: DateKind } = {}): PropertyDecorator {
  const { kind = 'business', ...validationOptions } = options;
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isCalendarDate',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: (args: ValidationArguments) => `${args.property} ${dateProblem(args.value, kind) ?? 'must be a real calendar date YYYY-MM-DD'}`, ...validationOptions },
      validator: { validate: (value: unknown) => dateProblem(value, kind) === undefined },
    });
}

type DateDoc = { example?: string; description?: string; kind?: DateKind };

/** A required `YYYY-MM-DD` date, validated and documented for OpenAPI. */
export function CalendarDate(doc: DateDoc = {}): PropertyDecorator {
  const { kind, ...api } = doc;
  return applyDecorators(ApiProperty({ type: String, format: 'date', ...api }), IsCalendarDate({ kind }));
}

/** An optional `YYYY-MM-DD` date, validated and documented for OpenAPI. */
export function OptionalCalendarDate(doc: DateDoc = {}): PropertyDecorator {
  const { kind, ...api } = doc;
  return applyDecorators(ApiPropertyOptional({ type: String, format: 'date', ...api }), IsOptional(), IsCalendarDate({ kind }));
}

/**
 * class-validator: an ISO 8601 instant whose Paris day falls in the business window (a schedule's backfill range).
 * Its shape is checked by `@IsISO8601`; this one only says when a well-formed instant is out of the window.
 */
export function IsInstantInWindow(): PropertyDecorator {
  const problemOf = (value: unknown): string | undefined => {
    if (typeof value !== 'string') return undefined;
    const ms = Date.parse(value);
    if (!Number.isFinite(ms)) return undefined;
    const { from, to } = dateWindow('business');
    // the window's days in Paris (+01:00 is close enough at its edges: a day early or late is still out)
    if (ms < Date.parse(`${from}T00:00:00+01:00`)) return `must not be before ${from} (PRE_DATES_EARLIEST)`;
    if (ms >= Date.parse(`${addDays(to, 1)}T00:00:00+01:00`)) return `must not be after ${to} (PRE_DATES_MAX_MONTHS_AHEAD months from today)`;
    return undefined;
  };
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isInstantInWindow',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: (args: ValidationArguments) => `${args.property} ${problemOf(args.value) ?? 'is out of the window'}` },
      validator: { validate: (value: unknown) => problemOf(value) === undefined },
    });
}
