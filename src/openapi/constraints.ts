/**
 * The request schemas say exactly what the validators accept: the constraints are read from class-validator's
 * metadata (the DTO decorators, the one source of truth) and written into the schemas @nestjs/swagger built from
 * the same classes. Nothing here is a second copy of a rule: a decorator changed is a schema changed.
 */
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { MAX_YEAR, MIN_YEAR } from '../conventions/dto/year-number';

/** A DTO class (class-validator keys its metadata by constructor). */
export type DtoClass = abstract new (...args: never[]) => unknown;

/** A JSON Schema fragment (OpenAPI 3.0 dialect). */
export type SchemaFragment = Record<string, unknown>;

/** What a named class-validator constraint means as a schema fragment, from its constraints array. */
type FragmentOf = (constraints: unknown[]) => SchemaFragment;

const regexSource = (c: unknown): string => (c instanceof RegExp ? c.source : String(c));

/**
 * Every validation the request DTOs use, by class-validator name. A name missing here fails
 * test/unit/openapi.spec.ts, so a new decorator cannot leave the document looser than the pipe.
 * `{}` means "no JSON Schema equivalent; the schema already says it or a description does".
 */
const FRAGMENTS: Record<string, FragmentOf> = {
  isString: () => ({ type: 'string' }),
  isInt: () => ({ type: 'integer' }),
  isNumber: () => ({ type: 'number' }),
  isBoolean: () => ({ type: 'boolean' }),
  isObject: () => ({ type: 'object' }),
  isArray: () => ({ type: 'array' }),
  isEmail: () => ({ type: 'string', format: 'email' }),
  // strict ISO 8601: an instant (or a date); validator.js reads years below 100 as 19xx and refuses them
  isIso8601: () => ({ type: 'string', format: 'date-time', pattern: '^(0[1-9]|[1-9]\\d)\\d{2}-' }),
  isUrl: () => ({ type: 'string', format: 'uri' }),
  matches: ([re]) => ({ type: 'string', pattern: regexSource(re) }),
  maxLength: ([n]) => ({ maxLength: n }),
  minLength: ([n]) => ({ minLength: n }),
  isLength: ([min, max]) => ({ minLength: min, ...(max === undefined ? {} : { maxLength: max }) }),
  isNotEmpty: () => ({ minLength: 1 }),
  min: ([n]) => ({ minimum: n }),
  max: ([n]) => ({ maximum: n }),
  isPositive: () => ({ exclusiveMinimum: true, minimum: 0 }),
  arrayMinSize: ([n]) => ({ minItems: n }),
  arrayMaxSize: ([n]) => ({ maxItems: n }),
  arrayNotEmpty: () => ({ minItems: 1 }),
  arrayUnique: () => ({ uniqueItems: true }),
  isIn: ([values]) => ({ enum: [...(values as unknown[])] }),
  isEnum: ([entity]) => ({ enum: Object.values(entity as object) }),
  // nested objects: their own schema ($ref) says it
  nestedValidation: () => ({}),
  // cross-field and whole-object rules JSON Schema cannot say: each DTO's description says them
  customValidation: () => ({}),
};

/** A fragment registered by a custom decorator of the project (IsText, IsCalendarDate, IsYear, …). */
const custom = new Map<string, FragmentOf>();

/**
 * Called once by a custom class-validator decorator: what its constraint means in JSON Schema, from the
 * `constraints` it registered. The decorator keeps its own validation; this only documents it.
 */
export function registerSchemaFragment(name: string, fragment: FragmentOf): void {
  custom.set(name, fragment);
}

/** JavaScript's \s (what src/common/text.ts calls blank), written out: Python's \s, which a fuzzer uses, differs. */
const BLANK = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
/**
 * What src/common/text.ts#hygieneProblem refuses: controls (a free text keeps tab and line breaks), bidi controls.
 * Lone surrogates too, but a pattern cannot name them (Rust and ECMA engines refuse surrogate escapes): JSON text
 * from a Unicode string never holds one.
 */
const LINE_FORBIDDEN = '\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069';
const TEXT_FORBIDDEN = '\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069';

/** Clean text (no forbidden character); with `nonBlank`, at least one character that is not blank. */
export function textPattern(multiline: boolean, nonBlank: boolean): string {
  const forbidden = multiline ? TEXT_FORBIDDEN : LINE_FORBIDDEN;
  const allowed = `[^${forbidden}]`;
  return nonBlank ? `^${allowed}*[^${forbidden}${BLANK}]${allowed}*$` : `^${allowed}*$`;
}

/** A calendar date from 1900 (src/common/calendar-date.ts); format `date` rules out 30 February. */
const CALENDAR_DATE = '^(19\\d{2}|[2-9]\\d{3})-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$';

// The project's own decorators (src/common/text.ts, src/common/calendar-date.ts, src/conventions/dto/*.ts):
// their limits travel in their `constraints` or their ApiProperty (maxLength, minimum, maximum); the rest is here.
registerSchemaFragment('isText', ([max, multiline]) => ({
  type: 'string',
  minLength: 1,
  ...(typeof max === 'number' ? { maxLength: max } : {}),
  pattern: textPattern(multiline === true, true),
}));
registerSchemaFragment('cleanText', ([multiline]) => ({ pattern: textPattern(multiline === true, false) }));
// the plausible-date windows move with today: the property's description says them (DOMAIN.md "Plausible dates")
registerSchemaFragment('isInstantInWindow', () => ({}));
registerSchemaFragment('isCalendarDate', () => ({ type: 'string', format: 'date', pattern: CALENDAR_DATE }));
registerSchemaFragment('isYear', () => ({ type: 'integer', minimum: MIN_YEAR, maximum: MAX_YEAR }));
registerSchemaFragment('isCents', () => ({ type: 'integer' }));

/** Whole-object rules (no schema equivalent), named so the check knows they were considered. */
const WHOLE_OBJECT = new Set(['sharesAddUpToOne', 'consecutiveYears', 'awardNoticeAlone']);

export function fragmentFor(m: ValidationMetadata): SchemaFragment | undefined {
  const name = m.name ?? m.type;
  const fn = custom.get(name) ?? FRAGMENTS[name] ?? (WHOLE_OBJECT.has(name) ? () => ({}) : undefined);
  return fn?.(m.constraints ?? []);
}

/** The validation names a class uses that have no fragment (the unit test lists them: it must be empty). */
export function unmappedValidations(cls: DtoClass): string[] {
  return metadataOf(cls)
    .filter((m) => !['conditionalValidation', 'whitelistValidation'].includes(m.type) && fragmentFor(m) === undefined)
    .map((m) => `${cls.name}.${m.propertyName}: ${m.name ?? m.type}`);
}

function metadataOf(cls: DtoClass): ValidationMetadata[] {
  return getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
}

/** The classes class-validator knows (each DTO with at least one decorator). */
export function validatedClasses(): DtoClass[] {
  // MetadataStorage keeps them in a Map keyed by class; getTargetValidationMetadatas answers per class
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<DtoClass | string, ValidationMetadata[]> };
  return [...storage.validationMetadatas.keys()].filter((k): k is DtoClass => typeof k === 'function');
}

function conditionHolds(m: ValidationMetadata, object: Record<string, unknown>): boolean {
  const condition = m.constraints?.[0];
  if (typeof condition !== 'function') return true;
  try {
    return Boolean(condition(object, object[m.propertyName]));
  } catch {
    return true;
  }
}

export interface PropertyRules {
  /** Schema fragment for the value (or each item, see `items`). */
  value: SchemaFragment;
  /** Schema fragment for each item of an array (validators with `each: true`). */
  items: SchemaFragment;
  /** No @IsOptional nor @ValidateIf: the pipe refuses the request without it. */
  required: boolean;
  /** @IsOptional: class-validator lets null through as it lets an absent value through. */
  nullable: boolean;
}

/** Per property of a DTO: what its decorators accept, merged into one fragment. */
export function rulesOf(cls: DtoClass): Map<string, PropertyRules> {
  const out = new Map<string, PropertyRules>();
  for (const m of metadataOf(cls)) {
    if (m.type === 'whitelistValidation') continue;
    const rules = out.get(m.propertyName) ?? { value: {}, items: {}, required: true, nullable: false };
    out.set(m.propertyName, rules);
    if (m.type === 'conditionalValidation') {
      // a @ValidateIf whose condition holds for an empty body still requires the property there
      if (m.name === 'isOptional' || !conditionHolds(m, {})) rules.required = false;
      // @IsOptional skips null; a @ValidateIf skips it when its condition, asked about a lone null, says so
      if (m.name === 'isOptional' || !conditionHolds(m, { [m.propertyName]: null })) rules.nullable = true;
      continue;
    }
    const target = m.each ? rules.items : rules.value;
    for (const [k, v] of Object.entries(fragmentFor(m) ?? {})) {
      // two validators with a pattern (non-blank and clean text): the value must match both
      if (k === 'pattern' && target.pattern !== undefined && target.pattern !== v) {
        target.allOf = [...((target.allOf as unknown[]) ?? []), { pattern: v }];
      } else target[k] = v;
    }
  }
  return out;
}
