import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { getMetadataStorage, type ValidatorOptions } from 'class-validator';
import { configureDateWindow, type DateWindowSettings } from './calendar-date';
import { problem, ProblemException } from './problem';

/**
 * What one request may cost the validation, whatever its 100 kB body holds (DOMAIN.md "Bounded requests"): the
 * shape is measured first, in one pass without recursion, and a body over these bounds is refused before any
 * class is built or any field validated; an array longer than its DTO's `@ArrayMaxSize` is refused before any of
 * its elements is validated; an answer lists at most `errors` fields.
 */
export const VALIDATION_BOUNDS = {
  /** Objects and arrays inside one another (a referral's child address is at depth 3). */
  depth: 8,
  /** Values of any kind in one body or query (a deliberation with 200 members and 200 proxies holds about 1 000). */
  values: 2_000,
  /** Fields listed in a 400 answer; `errorCount` says how many there were. */
  errors: 20,
} as const;

type FieldError = { field: string; message: string };

const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'];

function tooBig(detail: string, message: string): ProblemException {
  return new ProblemException(problem(400, 'validation', detail, { errors: [{ field: '(body)', message }], errorCount: 1 }));
}

/** One pass over the raw JSON value, iterative (no stack to overflow): depth and number of values. */
export function checkShape(value: unknown): void {
  const stack: Array<[unknown, number]> = [[value, 0]];
  let values = 0;
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    values += 1;
    if (values > VALIDATION_BOUNDS.values) {
      throw tooBig(`The request holds more than ${VALIDATION_BOUNDS.values} values.`, `must hold at most ${VALIDATION_BOUNDS.values} values`);
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= VALIDATION_BOUNDS.depth) {
      throw tooBig(`The request nests objects or arrays deeper than ${VALIDATION_BOUNDS.depth} levels.`, `must nest at most ${VALIDATION_BOUNDS.depth} levels`);
    }
    const children = Array.isArray(v) ? v : Object.values(v);
    if (values + children.length > VALIDATION_BOUNDS.values) {
      throw tooBig(`The request holds more than ${VALIDATION_BOUNDS.values} values.`, `must hold at most ${VALIDATION_BOUNDS.values} values`);
    }
    for (const c of children) stack.push([c, depth + 1]);
  }
}

type Ctor = abstract new (...args: never[]) => unknown;

const arrayLimits = new Map<Ctor, Array<{ property: string; max: number }>>();

/** The `@ArrayMaxSize` of each property of a DTO class (read once from class-validator's metadata). */
function arrayLimitsOf(target: Ctor): Array<{ property: string; max: number }> {
  let limits = arrayLimits.get(target);
  if (!limits) {
    const metas = getMetadataStorage().getTargetValidationMetadatas(target as unknown as new () => object, '', true, false);
    limits = metas.filter((m) => m.name === 'arrayMaxSize' && !m.each).map((m) => ({ property: m.propertyName, max: Number(m.constraints?.[0]) }));
    arrayLimits.set(target, limits);
  }
  return limits;
}

/**
 * The arrays of a transformed DTO (and of the DTOs nested in it) against their `@ArrayMaxSize`, before anything
 * else is validated: 10 000 signatories are one error, "signedBy must contain at most 4 items", at once.
 */
export function oversizedArrays(entity: unknown, path = ''): FieldError[] {
  if (entity === null || typeof entity !== 'object') return [];
  const out: FieldError[] = [];
  for (const { property, max } of arrayLimitsOf(entity.constructor as Ctor)) {
    const v = (entity as Record<string, unknown>)[property];
    if (Array.isArray(v) && v.length > max) out.push({ field: path ? `${path}.${property}` : property, message: `${property} must contain at most ${max} items` });
  }
  if (out.length > 0) return out;
  for (const [key, v] of Object.entries(entity)) {
    const field = path ? `${path}.${key}` : key;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length && out.length < VALIDATION_BOUNDS.errors; i++) {
        if (v[i] !== null && typeof v[i] === 'object' && v[i].constructor !== Object) out.push(...oversizedArrays(v[i], `${field}[${i}]`));
      }
    } else if (v !== null && typeof v === 'object' && v.constructor !== Object) {
      out.push(...oversizedArrays(v, field));
    }
  }
  return out;
}

function flatten(errors: ValidationError[], parent = '', out: FieldError[] = []): FieldError[] {
  for (const e of errors) {
    const field = parent ? (/^\d+$/.test(e.property) ? `${parent}[${e.property}]` : `${parent}.${e.property}`) : e.property;
    for (const message of Object.values(e.constraints ?? {})) {
      out.push({ field, message: message.startsWith('property ') ? `unknown field "${field}" is not allowed` : message });
    }
    flatten(e.children ?? [], field, out);
  }
  return out;
}

/** The 400 problem of a list of field errors: the first VALIDATION_BOUNDS.errors of them, and how many there were. */
export function validationProblem(list: FieldError[]): ProblemException {
  const shown = list.slice(0, VALIDATION_BOUNDS.errors);
  const fields = [...new Set(shown.map((e) => e.field))];
  const more = list.length > shown.length ? ` (the first ${shown.length} of ${list.length} errors)` : '';
  return new ProblemException(problem(400, 'validation', `The request is invalid: ${fields.join(', ')}${more}.`, { errors: shown, ...(more ? { errorCount: list.length } : {}) }));
}

/** The global pipe with the bounds above: the shape first, then the array sizes, then class-validator. */
export class BoundedValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      checkShape(value);
      // the body's JSON reviver refuses these keys; a query string can still carry one, which the pipe would drop
      const key = value !== null && typeof value === 'object' ? FORBIDDEN_KEYS.find((k) => Object.prototype.hasOwnProperty.call(value, k)) : undefined;
      if (key) throw validationProblem([{ field: key, message: `unknown field "${key}" is not allowed` }]);
    }
    return super.transform(value, metadata);
  }

  protected override validate(object: object, validatorOptions?: ValidatorOptions): Promise<ValidationError[]> | ValidationError[] {
    const oversized = oversizedArrays(object);
    if (oversized.length > 0) throw validationProblem(oversized);
    return super.validate(object, validatorOptions);
  }
}

/**
 * The global pipe: whitelist, reject unknown fields (of bodies and queries alike), transform; a 400 problem lists
 * the bad fields (at most VALIDATION_BOUNDS.errors). `dates` sets the window of business dates (src/config).
 */
export function validationPipe(dates?: DateWindowSettings): ValidationPipe {
  if (dates) configureDateWindow(dates);
  return new BoundedValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => validationProblem(flatten(errors)),
  });
}
