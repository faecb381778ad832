/**
 * Checks the convention's validators and its years' share (DOMAIN.md §2.1): dates, board sessions in order and by
 * the rules, and the refusal of an Idempotency-Key reused for another request. Each throws the ApplicationFailure
 * the API turns into 400/409/422.
 */
import type { ApplicationFailure } from '@temporalio/common';
import { isValidDate, type IsoDate } from '../shared/calendar';
import { FailureType, failure } from '../shared/failures';
import type { DeliberationRecord } from './convention.records';
import { evaluateDeliberation, type DeliberationBody, type DeliberationResult, type PreviousSession, type SessionRules } from './convention.rules';

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

/** At most this many characters in a reference the State or the CCAS gives (a deliberation's or a dossier's number). */
export const MAX_REFERENCE_LENGTH = 50;

/** BAD_INPUT unless an optional reference is absent (or null), or a non-blank line of at most MAX_REFERENCE_LENGTH characters. */
export function assertReference(value: unknown, field: string): void {
  if (value === undefined || value === null) return;
  // eslint-disable-next-line no-control-regex -- a reference is one line of visible text
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_REFERENCE_LENGTH || /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/.test(value)) {
    throw failure(FailureType.BAD_INPUT, `${field} must be one line of at most ${MAX_REFERENCE_LENGTH} characters.`, { field });
  }
}

/** The deliberation body of an input (check missingDeliberationFields first), without the input's other fields. */
export function deliberationBodyOf(i: Partial<DeliberationBody>): DeliberationBody {
  assertReference(i.number, 'number');
  const b: DeliberationBody = {
    sessionDate: i.sessionDate!,
    convocationDate: i.convocationDate!,
    membersInOffice: i.membersInOffice!,
    president: i.president!,
    present: i.present!,
    votes: i.votes!,
    decisions: i.decisions!,
  };
  if (i.number !== undefined && i.number !== null) b.number = i.number;
  if (i.proxies) b.proxies = i.proxies;
  if (i.excused) b.excused = i.excused;
  if (i.nonParticipating) b.nonParticipating = i.nonParticipating;
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

/** The board's last recorded session, as the quorum waiver reads it (its date, outcome and agenda). */
export function previousSession(sessions: readonly DeliberationRecord[]): PreviousSession | null {
  const last = sessions[sessions.length - 1];
  if (!last) return null;
  const p: PreviousSession = { sessionDate: last.body.sessionDate, outcome: last.result.outcome, decisions: last.body.decisions };
  if (last.body.receiptYear !== undefined) p.receiptYear = last.body.receiptYear;
  return p;
}

/**
 * The session's quorum and outcome, after the board's previous session; RULE_VIOLATION (with its `code`) when its
 * record breaks a rule. `rules`: the convention's settings (convocation delay in jours francs).
 */
export function sessionResult(body: DeliberationBody, sessions: readonly DeliberationRecord[], rules: SessionRules = {}): DeliberationResult {
  const ev = evaluateDeliberation(body, previousSession(sessions), rules);
  if (!ev.ok) throw failure(FailureType.RULE_VIOLATION, ev.violation.message, { code: ev.violation.code });
  return ev.result;
}

/** The dates a year's money and report may carry (DOMAIN.md §2.4 "Dates in their window"). */
export interface DateWindow {
  from: IsoDate;
  /** Absent: open-ended. */
  to?: IsoDate;
  /** Why `from` (and `to`): shown in the refusal. */
  why: string;
}

/** A year's CRF is about a finished year: submitted from 1 January N+1. */
export function reportWindow(year: number): DateWindow {
  return { from: `${year + 1}-01-01`, why: `a report on ${year} is submitted after the year's end` };
}

/**
 * A payment for a year falls within the convention's life (from its taking effect to the end of the year after its
 * last year, when the last balance is paid) and not before the year's authorisation, when recorded.
 */
export function paymentWindow(effectiveOn: IsoDate, years: readonly number[], authorisedOn: IsoDate | null): DateWindow {
  const to = `${Math.max(...years) + 1}-12-31`;
  if (authorisedOn && authorisedOn > effectiveOn) {
    return { from: authorisedOn, to, why: `not before the year's authorisation (${authorisedOn}) nor after the end of the year following the convention's last year` };
  }
  return { from: effectiveOn, to, why: `within the convention's life: from its taking effect (${effectiveOn})${authorisedOn ? ` and the year's authorisation (${authorisedOn})` : ''} to the end of the year following its last year` };
}

/** RULE_VIOLATION `DATE_WINDOW` (422) naming the window, unless `on` falls in it. */
export function assertInWindow(on: IsoDate, w: DateWindow, what: string, field: string): void {
  if (on >= w.from && (w.to === undefined || on <= w.to)) return;
  const span = w.to ? `from ${w.from} to ${w.to}` : `from ${w.from}`;
  throw failure(FailureType.RULE_VIOLATION, `${what} cannot be dated ${on}: its window is ${span} (${w.why}).`, {
    code: 'DATE_WINDOW',
    field,
    window: w.to ? { from: w.from, to: w.to } : { from: w.from },
  });
}
