/**
 * Checks the convention's validators and its years' share (DOMAIN.md §2.1): dates, board sessions in order and by
 * the rules, and the refusal of an Idempotency-Key reused for another request. Each throws the ApplicationFailure
 * the API turns into 400/409/422.
 */
import type { ApplicationFailure } from '@temporalio/common';
import { isValidDate, type IsoDate } from '../shared/calendar';
import { FailureType, failure } from '../shared/failures';
import type { DeliberationRecord } from './convention.records';
import { evaluateDeliberation, type DeliberationBody, type DeliberationResult } from './convention.rules';

/** The refusal (422) of a key already used for another request or body (the convention's and the years' journals). */
export function reusedKey(key: string, firstUpdate: string, sameUpdate: boolean): ApplicationFailure {
  const what = sameUpdate ? `a request with another body (${firstUpdate})` : `another request (${firstUpdate})`;
  return failure(FailureType.IDEMPOTENCY_KEY_REUSED, `The Idempotency-Key ${key} was already used for ${what}; use a new key for this one.`, { idempotencyKey: key, firstRequest: firstUpdate });
}

/** BAD_INPUT unless `value` is a real date written YYYY-MM-DD. */
export function assertDate(value: unknown, field: string): asserts value is IsoDate {
  if (!isValidDate(value)) throw failure(FailureType.BAD_INPUT, `${field} must be a real date written YYYY-MM-DD.`, { field });
}

const REQUIRED_FIELDS = ['sessionDate', 'convocationDate', 'membersInOffice', 'president', 'present', 'votes', 'decisions'] as const;

/** The fields a deliberation record needs that `i` lacks. */
export function missingDeliberationFields(i: Partial<DeliberationBody>): string[] {
  return REQUIRED_FIELDS.filter((f) => i[f] === undefined || i[f] === null);
}

/** The deliberation body of an input (check missingDeliberationFields first), without the input's other fields. */
export function deliberationBodyOf(i: Partial<DeliberationBody>): DeliberationBody {
  const b: DeliberationBody = {
    sessionDate: i.sessionDate!,
    convocationDate: i.convocationDate!,
    membersInOffice: i.membersInOffice!,
    president: i.president!,
    present: i.present!,
    votes: i.votes!,
    decisions: i.decisions!,
  };
  if (i.proxies) b.proxies = i.proxies;
  if (i.excused) b.excused = i.excused;
  if (i.receiptYear !== undefined) b.receiptYear = i.receiptYear;
  if (i.presidentVote) b.presidentVote = i.presidentVote;
  return b;
}

/** RULE_VIOLATION unless the session comes after the board's last recorded one. */
export function assertSessionOrder(sessionDate: IsoDate, sessions: readonly DeliberationRecord[]): void {
  const last = sessions[sessions.length - 1];
  if (last && sessionDate <= last.body.sessionDate) {
    throw failure(FailureType.RULE_VIOLATION, `The session of ${sessionDate} is not after the last recorded session (${last.body.sessionDate}).`, { code: 'SESSION_ORDER' });
  }
}

/** The session's quorum and outcome, after the board's previous session; RULE_VIOLATION (with its `code`) when its record breaks a rule. */
export function sessionResult(body: DeliberationBody, sessions: readonly DeliberationRecord[]): DeliberationResult {
  const last = sessions[sessions.length - 1];
  const ev = evaluateDeliberation(body, last ? { sessionDate: last.body.sessionDate, outcome: last.result.outcome } : null);
  if (!ev.ok) throw failure(FailureType.RULE_VIOLATION, ev.violation.message, { code: ev.violation.code });
  return ev.result;
}
