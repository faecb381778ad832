/**
 * Helpers of the workflow tests on the time-skipping server (parcours and convention alike): the project's search
 * attributes registered, the clock skipped to a business date, and a real-time poll for activities.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../../workflows/shared/search-attributes';
import { instantOf } from '../../workflows/shared/calendar';

const IVT = temporal.api.enums.v1.IndexedValueType;
const INDEXED_TYPES: Record<string, number> = {
  KEYWORD: IVT.INDEXED_VALUE_TYPE_KEYWORD,
  DATETIME: IVT.INDEXED_VALUE_TYPE_DATETIME,
  BOOL: IVT.INDEXED_VALUE_TYPE_BOOL,
  INT: IVT.INDEXED_VALUE_TYPE_INT,
  TEXT: IVT.INDEXED_VALUE_TYPE_TEXT,
  DOUBLE: IVT.INDEXED_VALUE_TYPE_DOUBLE,
  KEYWORD_LIST: IVT.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** The time-skipping server starts without the custom search attributes: register the project's list. */
export async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTES.map((k) => [k.name, INDEXED_TYPES[k.type]])),
  });
}

/** Skips the clock to `date` at the timers' hour + `hours` (the timers of that date have fired). */
export async function sleepUntil(env: TestWorkflowEnvironment, date: string, hours = 1): Promise<void> {
  const target = instantOf(date) + hours * 3_600_000;
  const now = await env.currentTimeMs();
  if (target > now) await env.sleep(target - now);
}

/** Polls (real time) until `fn` stops throwing: activities finish shortly after the timer that scheduled them. */
export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() - start > timeoutMs) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
