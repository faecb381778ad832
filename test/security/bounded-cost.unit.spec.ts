/**
 * Bounded cost, by construction (issue 13 #3): every array of every DTO has an @ArrayMaxSize, every string a
 * length bound (a MaxLength, IsText/IsLine, a closed list, a calendar date, or a pattern without unbounded
 * repetition), and the pipe refuses a body over its shape bounds before any class is built. Read from
 * class-validator's metadata over every module of every dto/ folder, so a field added without a bound fails here.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { VALIDATION_BOUNDS, checkShape, validationPipe } from '../../src/common/validation';
import { ConsentDto } from '../../src/parcours/dto/consent.dto';
import { CONSENT } from '../support/api-examples';

const ROOT = join(__dirname, '..', '..', 'src');
const DTO_FILES = [
  ...['parcours', 'conventions', 'notifications', 'tasks', 'reports', 'schedules'].flatMap((d) =>
    readdirSync(join(ROOT, d, 'dto'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(ROOT, d, 'dto', f)),
  ),
  join(ROOT, 'common', 'page-query.ts'),
];

/** The classes with validation rules, from every DTO module. */
function dtoClasses(): Array<new () => object> {
  const classes = new Set<new () => object>();
  for (const file of DTO_FILES) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(file) as Record<string, unknown>;
    for (const v of Object.values(mod)) if (typeof v === 'function' && /^class /.test(Function.prototype.toString.call(v))) classes.add(v as new () => object);
  }
  return [...classes].filter((c) => getMetadataStorage().getTargetValidationMetadatas(c, '', true, false).length > 0);
}

const STRING_BOUNDS = new Set(['maxLength', 'isText', 'isIn', 'isCalendarDate', 'isISO8601', 'isYear', 'isCents', 'isInt', 'isNumber', 'isBoolean', 'isObject', 'isArray', 'arrayMaxSize', 'isEnum']);
/** A pattern that cannot match a long string: anchored, and every repetition bounded ({m,n}). */
const boundedPattern = (re: RegExp) => re.source.startsWith('^') && re.source.endsWith('$') && !/(^|[^\\])[*+]|\{\d+,\}/.test(re.source);

describe('every DTO bounds its arrays and strings', () => {
  const classes = dtoClasses();

  it('finds the DTO classes of every dto/ folder', () => {
    const names = classes.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['ReferralDto', 'ConsentDto', 'CreateConventionDto', 'DeliberationDto', 'PaymentDto', 'BackfillDto', 'ListParcoursQuery', 'ListNotificationsQuery', 'IndicatorsQuery', 'ListTasksQuery']));
    expect(classes.length).toBeGreaterThan(30);
  });

  it('every array property has an @ArrayMaxSize', () => {
    const missing: string[] = [];
    for (const c of classes) {
      const metas = getMetadataStorage().getTargetValidationMetadatas(c, '', true, false);
      const byProperty = new Map<string, ValidationMetadata[]>();
      for (const m of metas) byProperty.set(m.propertyName, [...(byProperty.get(m.propertyName) ?? []), m]);
      for (const [property, ms] of byProperty) {
        const isArray = ms.some((m) => m.name === 'isArray' || m.each === true);
        if (isArray && !ms.some((m) => m.name === 'arrayMaxSize')) missing.push(`${c.name}.${property}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every string property has a length bound', () => {
    const unbounded: string[] = [];
    for (const c of classes) {
      const metas = getMetadataStorage().getTargetValidationMetadatas(c, '', true, false);
      const byProperty = new Map<string, ValidationMetadata[]>();
      for (const m of metas) byProperty.set(m.propertyName, [...(byProperty.get(m.propertyName) ?? []), m]);
      for (const [property, ms] of byProperty) {
        if (ms.some((m) => m.type === 'nestedValidation')) continue; // an object: its own class is checked
        const bounded = ms.some((m) => STRING_BOUNDS.has(m.name ?? m.type) || (m.name === 'matches' && boundedPattern(m.constraints[0] as RegExp)));
        const conditionalOnly = ms.every((m) => m.type === 'conditionalValidation' || m.type === 'isDefined' || m.name === 'cleanText' || m.name === 'awardNoticeAlone');
        if (!bounded && !conditionalOnly) unbounded.push(`${c.name}.${property} (${ms.map((m) => m.name ?? m.type).join(', ')})`);
      }
    }
    expect(unbounded).toEqual([]);
  });
});

describe('the pipe measures the shape first', () => {
  it(`refuses more than ${VALIDATION_BOUNDS.depth} levels of nesting and more than ${VALIDATION_BOUNDS.values} values, without recursion`, () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => checkShape(deep)).toThrow(expect.objectContaining({ problemBody: expect.objectContaining({ status: 400, detail: `The request nests objects or arrays deeper than ${VALIDATION_BOUNDS.depth} levels.` }) }));
    expect(() => checkShape({ a: Array.from({ length: VALIDATION_BOUNDS.values }, () => 0) })).toThrow(
      expect.objectContaining({ problemBody: expect.objectContaining({ detail: `The request holds more than ${VALIDATION_BOUNDS.values} values.` }) }),
    );
    expect(() => checkShape({ a: Array.from({ length: VALIDATION_BOUNDS.values - 10 }, () => 0) })).not.toThrow();
  });

  it('an array over its @ArrayMaxSize is refused before its elements are validated (1 900 bad signatories: one error, fast)', async () => {
    const started = performance.now();
    const e = (await validationPipe()
      .transform({ ...CONSENT, signedBy: Array.from({ length: 1900 }, () => 0) }, { type: 'body', metatype: ConsentDto })
      .catch((err: unknown) => err)) as { problemBody: { errors: unknown[] } };
    expect(performance.now() - started).toBeLessThan(200);
    expect(e.problemBody.errors).toEqual([{ field: 'signedBy', message: 'signedBy must contain at most 4 items' }]);
  });
});
