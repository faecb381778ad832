import { applyDecorators } from '@nestjs/common';
import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import { registerDecorator, type ValidationArguments } from 'class-validator';

/**
 * Input hygiene (DOMAIN.md "Clean text"): characters no person types and that hide or disguise what a text says.
 * - control characters: C0 (U+0000–U+001F), DEL and C1 (U+007F–U+009F); a free text keeps tab, line feed and
 *   carriage return, a line keeps none;
 * - bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069): they reorder what the next reader sees;
 * - lone surrogates (U+D800–U+DFFF not paired): not Unicode text at all, they do not survive encoding.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const LINE_CONTROLS = /[\u0000-\u001F\u007F-\u009F]/;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const TEXT_CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Why a string is not clean text (`multiline`: a free text, where tabs and line breaks are allowed), or undefined. */
export function hygieneProblem(value: string, multiline: boolean): string | undefined {
  if ((multiline ? TEXT_CONTROLS : LINE_CONTROLS).test(value)) {
    return multiline ? 'must not contain control characters (other than tab and line breaks)' : 'must not contain control characters or line breaks';
  }
  if (BIDI_CONTROLS.test(value)) return 'must not contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069)';
  if (LONE_SURROGATE.test(value)) return 'must not contain unpaired surrogates (invalid Unicode)';
  return undefined;
}

/** The number of Unicode code points of `value` (a surrogate pair counts once). */
export function codePoints(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i += 1) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
      const d = value.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i += 1;
    }
    n += 1;
  }
  return n;
}

function textProblem(value: unknown, max: number, missing: string, multiline: boolean): string | undefined {
  if (value === undefined || value === null) return missing;
  if (typeof value !== 'string') return 'must be a string';
  // characters are Unicode code points, as JSON Schema's maxLength counts them (an emoji is one character)
  if (value.length > max && codePoints(value) > max) return `must be at most ${max} characters`;
  if (!/\S/.test(value)) return 'must not be blank';
  return hygieneProblem(value, multiline);
}

/**
 * A non-blank, clean string of at most `max` characters; one message per field saying what is wrong. A line by
 * default; `multiline: true` for a free text (tabs and line breaks allowed).
 */
export function IsText(max: number, opts: { missing?: string; multiline?: boolean } = {}): PropertyDecorator {
  const missing = opts.missing ?? 'is required';
  const multiline = opts.multiline ?? false;
  return (target: object, key: string | symbol) =>
    registerDecorator({
      name: 'isText',
      target: target.constructor,
      propertyName: String(key),
      constraints: [max, multiline], // read by the OpenAPI document (src/openapi/constraints.ts)
      validator: {
        validate: (value: unknown) => textProblem(value, max, missing, multiline) === undefined,
        defaultMessage: (args?: ValidationArguments) => `${args?.property} ${textProblem(args?.value, max, missing, multiline)}`,
      },
    });
}

/**
 * Only the hygiene rule, for strings whose type and length other decorators check (an optional text, a list of
 * names): a value that is not a string passes here. `each` checks every element of an array.
 */
export function CleanText(opts: { multiline?: boolean; each?: boolean } = {}): PropertyDecorator {
  const multiline = opts.multiline ?? false;
  const problemOf = (value: unknown): string | undefined => {
    if (typeof value === 'string') return hygieneProblem(value, multiline);
    // with `each`, a message is built with the whole array: it names the first bad element's problem
    if (Array.isArray(value)) return value.map(problemOf).find((p) => p !== undefined);
    return undefined;
  };
  return (target: object, key: string | symbol) =>
    registerDecorator({
      name: 'cleanText',
      target: target.constructor,
      propertyName: String(key),
      constraints: [multiline], // read by the OpenAPI document (src/openapi/constraints.ts)
      options: { each: opts.each },
      validator: {
        validate: (value: unknown) => problemOf(value) === undefined,
        defaultMessage: (args?: ValidationArguments) => `${opts.each ? `each value in ${args?.property}` : args?.property} ${problemOf(args?.value) ?? 'must be clean text'}`,
      },
    });
}

/** A required, non-blank line of text (a name, a party, a provider, a label), documented for OpenAPI. */
export function IsLine(max: number, doc: ApiPropertyOptions = {}): PropertyDecorator {
  return applyDecorators(ApiProperty({ type: String, maxLength: max, ...doc } as ApiPropertyOptions), IsText(max));
}

/** A required, non-blank free text (a summary, a motive): tabs and line breaks allowed, documented for OpenAPI. */
export function IsFreeText(max: number, doc: ApiPropertyOptions = {}): PropertyDecorator {
  return applyDecorators(ApiProperty({ type: String, maxLength: max, ...doc } as ApiPropertyOptions), IsText(max, { multiline: true }));
}

/**
 * At most `max` characters, counted as Unicode code points as JSON Schema's maxLength counts them. Replaces
 * class-validator's MaxLength, which counts a variation selector (U+FE0E, U+FE0F) as nothing: a string of them passed
 * any limit. A value that is not a string passes here (another decorator checks the type).
 */
export function MaxChars(max: number, opts: { each?: boolean; message?: string } = {}): PropertyDecorator {
  const tooLong = (value: unknown): boolean => {
    if (typeof value === 'string') return value.length > max && codePoints(value) > max;
    return opts.each === true && Array.isArray(value) && value.some(tooLong);
  };
  return (target: object, key: string | symbol) =>
    registerDecorator({
      name: 'maxLength', // the OpenAPI document reads it as maxLength (src/openapi/constraints.ts)
      target: target.constructor,
      propertyName: String(key),
      constraints: [max],
      options: { each: opts.each },
      validator: {
        validate: (value: unknown) => !tooLong(value),
        defaultMessage: (args?: ValidationArguments) => opts.message?.replace('$property', String(args?.property)) ?? `${args?.property} must be at most ${max} characters`,
      },
    });
}
