/**
 * The one builder of visibility queries (Temporal's list filter), for the API and the activities alike. A query is
 * made of terms; every value goes through `literal`, which quotes and escapes it, so that no value — a token's
 * `sub`, a filter, a reference — can end its string and add a condition of its own (`x' OR PreReferentId != 'zz`
 * stays one string). Field names are fixed identifiers of the code, checked too. No raw string is accepted where a
 * term is expected: a term is only made here.
 *
 * Temporal's parser (a SQL dialect) reads `\\` as a backslash and `\'` as a quote inside a single-quoted string.
 * A NUL character has no place in any identifier the project stores and is refused (QueryValueError), as is a lone
 * UTF-16 surrogate (gRPC would send it as U+FFFD: a different value).
 */

/** A value a query may compare a field with. */
export type QueryValue = string | number | boolean | Date;

/** A value the builder cannot put into a query (a NUL or a lone surrogate, a non-finite number). */
export class QueryValueError extends RangeError {
  constructor(reason: string) {
    super(`Not a value a visibility query accepts: ${reason}`);
    this.name = 'QueryValueError';
  }
}

const TERM = Symbol('visibility-term');

/** One condition of a visibility query; built only by the functions of this module. */
export interface Term {
  readonly [TERM]: true;
  readonly text: string;
}

function term(text: string): Term {
  return { [TERM]: true, text };
}

const FIELD = /^[A-Z][A-Za-z0-9]{0,63}$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function field(name: string): string {
  if (!FIELD.test(name)) throw new QueryValueError(`field name ${JSON.stringify(name.slice(0, 80))}`);
  return name;
}

/** A value as a query literal: a quoted, escaped string, a finite number, true/false, or a quoted ISO datetime. */
export function literal(value: QueryValue): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new QueryValueError('a non-finite number');
    return String(value);
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new QueryValueError('an invalid date');
    return `'${value.toISOString()}'`;
  }
  if (typeof value !== 'string') throw new QueryValueError(`a ${typeof value}`);
  if (value.includes('\u0000')) throw new QueryValueError('a NUL character');
  if (LONE_SURROGATE.test(value)) throw new QueryValueError('a lone surrogate');
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Can this value go into a query at all? (A value that cannot matches no stored attribute either.) */
export function isQueryable(value: QueryValue): boolean {
  try {
    literal(value);
    return true;
  } catch (e) {
    if (e instanceof QueryValueError) return false;
    throw e;
  }
}

export const eq = (name: string, value: QueryValue): Term => term(`${field(name)} = ${literal(value)}`);
export const ne = (name: string, value: QueryValue): Term => term(`${field(name)} != ${literal(value)}`);
export const lt = (name: string, value: QueryValue): Term => term(`${field(name)} < ${literal(value)}`);
export const lte = (name: string, value: QueryValue): Term => term(`${field(name)} <= ${literal(value)}`);
export const isNull = (name: string): Term => term(`${field(name)} IS NULL`);
export const isNotNull = (name: string): Term => term(`${field(name)} IS NOT NULL`);

/** `field IN (…)` of one or more values. */
export function oneOf(name: string, values: readonly QueryValue[]): Term {
  if (values.length === 0) throw new QueryValueError('an empty IN list');
  return term(`${field(name)} IN (${values.map(literal).join(', ')})`);
}

/** Either term (parenthesised). */
export function anyOf(...terms: Term[]): Term {
  return term(`(${terms.map((t) => t.text).join(' OR ')})`);
}

/** Every term (parenthesised: a group inside an OR). */
export function allOf(...terms: Term[]): Term {
  return term(`(${terms.map((t) => t.text).join(' AND ')})`);
}

/** The workflows of one type (or of several). */
export function workflowType(...types: string[]): Term {
  return types.length === 1 ? eq('WorkflowType', types[0]!) : oneOf('WorkflowType', types);
}

/** Only this deployment's workflows (its task queue): several deployments may share a namespace. */
export const onTaskQueue = (taskQueue: string): Term => eq('TaskQueue', taskQueue);
/** Running executions only. */
export const running = (): Term => eq('ExecutionStatus', 'Running');
/** Every execution but the runs a case closed by continuing as new (a long case has several runs: the latest counts). */
export const latestRuns = (): Term => ne('ExecutionStatus', 'ContinuedAsNew');
/** One workflow id (every run of it). */
export const workflowIdIs = (workflowId: string): Term => eq('WorkflowId', workflowId);

/** The query: every given term (false/undefined ones skipped), joined by AND. */
export function visibilityQuery(...terms: Array<Term | false | undefined | null>): string {
  const kept = terms.filter((t): t is Term => t !== false && t !== undefined && t !== null);
  if (kept.some((t) => typeof t !== 'object' || t[TERM] !== true)) throw new QueryValueError('a term not made by the builder');
  if (kept.length === 0) throw new QueryValueError('no term');
  return kept.map((t) => t.text).join(' AND ');
}
