/**
 * Pure rules of the funding convention (DOMAIN.md §2): board deliberations (§2.1), legality dates (§2.2),
 * tranches, deadlines and reconciliation of a funding year (§2.4). No Temporal import: the API, the workflows
 * and the unit tests share these functions (the calendar is shared/calendar.ts).
 */

import { addDays, addMonths, dateOfYmd, daysBetween, isValidDate, maxDate, type IsoDate } from '../shared/calendar';
import type { DeliberationDecision, DeliberationOutcome, PresidentVote, TrancheCondition } from './convention.codes';

/** Euro cents in French: `200 000 €`, `1 500,50 €` (ordinary spaces, so the text is the same everywhere). */
export function frEuros(cents: number): string {
  const neg = cents < 0;
  const abs = Math.abs(Math.round(cents));
  const euros = Math.floor(abs / 100);
  const rest = abs % 100;
  const grouped = String(euros).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return `${neg ? '-' : ''}${grouped}${rest ? `,${String(rest).padStart(2, '0')}` : ''} €`;
}

// ---------------------------------------------------------------------------------------------------------
// Deliberations (DOMAIN.md §2.1)
// ---------------------------------------------------------------------------------------------------------

/** Minimum days between convocation and session, and between a session without quorum and the next one. */
export const CONVOCATION_MIN_DAYS = 3;
/** A holder carries at most this many proxies. */
export const MAX_PROXIES_PER_HOLDER = 1;

/** A board (CA) session's record: the body of `POST /conventions/{ref}/deliberations` (API.md, as written). */
export interface DeliberationBody {
  sessionDate: IsoDate;
  convocationDate: IsoDate;
  membersInOffice: number;
  /** The member presiding the session (must be present); their vote settles a tie. */
  president: string;
  present: string[];
  /** `member` represented by `holder` (a present member). */
  proxies?: Array<{ member: string; holder: string }>;
  excused?: string[];
  votes: { for: number; against: number; abstain: number };
  decisions: DeliberationDecision[];
  /** The funding year whose receipt this session authorises (with AUTHORISE_RECEIPT). */
  receiptYear?: number;
  /** The president's casting vote: required on a tie only (ignored otherwise). */
  presidentVote?: PresidentVote;
}

/** The previous session of the same board, for the "no quorum needed after a void session" rule. */
export interface PreviousSession {
  sessionDate: IsoDate;
  outcome: DeliberationOutcome;
}

/** The computed quorum and outcome of a session (API.md: at least quorum, votesCast, outcome, unanimous). */
export interface DeliberationResult {
  quorum: {
    /** floor(inOffice / 2) + 1. */
    required: number;
    /** Members present (proxies never count). */
    present: number;
    /** Present ≥ required, or waived. */
    met: boolean;
    /** True when the session follows a session without quorum (≥ 3 days later): it deliberates whatever the attendance. */
    waived: boolean;
  };
  /** present + proxies − abstentions (= for + against); 0 when the session is void (NO_QUORUM). */
  votesCast: number;
  /** Members who could vote: present + proxies. */
  voters: number;
  /** Votes needed for an absolute majority of votes cast: floor(votesCast / 2) + 1. */
  majority: number;
  votes: { for: number; against: number; abstain: number };
  outcome: DeliberationOutcome;
  /** Adopted with no vote against. */
  unanimous: boolean;
  /** The president's vote that settled a tie, null when there was no tie. */
  casting: PresidentVote | null;
  /** French, for the timeline and the UI: "Adoptée à l'unanimité (13 voix pour, quorum 9/9)". */
  summary: string;
}

/** Why a deliberation record is refused (→ 422 RULE_VIOLATION with `code` in the problem body). */
export interface RuleViolation {
  code:
    | 'CONVOCATION_TOO_LATE'
    | 'INVALID_DATE'
    | 'INVALID_MEMBERS'
    | 'DUPLICATE_NAME'
    | 'PRESENT_AND_EXCUSED'
    | 'PRESENT_AND_REPRESENTED'
    | 'REPRESENTED_TWICE'
    | 'HOLDER_NOT_PRESENT'
    | 'HOLDER_WITH_TOO_MANY_PROXIES'
    | 'PRESIDENT_NOT_PRESENT'
    | 'MORE_MEMBERS_THAN_IN_OFFICE'
    | 'VOTES_DO_NOT_ADD_UP'
    | 'PRESIDENT_VOTE_REQUIRED'
    | 'NO_DECISION'
    | 'RECEIPT_YEAR';
  /** An English sentence a staff member understands (the problem's `detail`). */
  message: string;
}

export type DeliberationEvaluation = { ok: true; result: DeliberationResult } | { ok: false; violation: RuleViolation };

/** Names compare without case and extra spaces ("M.  Hoareau" is "M. HOAREAU"). */
export function normaliseName(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toUpperCase();
}

/** floor(inOffice / 2) + 1. */
export function quorumRequired(membersInOffice: number): number {
  return Math.floor(membersInOffice / 2) + 1;
}

function fail(code: RuleViolation['code'], message: string): DeliberationEvaluation {
  return { ok: false, violation: { code, message } };
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Checks a session's record and computes its quorum and outcome (DOMAIN.md §2.1). Consistency rules (convocation
 * delay, names, proxies, vote counts, missing casting vote) give a violation; a missing quorum gives the recorded
 * outcome NO_QUORUM (vote counts of a void session are not checked). `previous`: the board's previous session
 * recorded in the same workflow, if any.
 */
export function evaluateDeliberation(body: DeliberationBody, previous?: PreviousSession | null): DeliberationEvaluation {
  if (!isValidDate(body.sessionDate) || !isValidDate(body.convocationDate)) {
    return fail('INVALID_DATE', 'The session and convocation dates must be real dates written YYYY-MM-DD.');
  }
  const notice = daysBetween(body.convocationDate, body.sessionDate);
  if (notice < CONVOCATION_MIN_DAYS) {
    return fail(
      'CONVOCATION_TOO_LATE',
      `The convocation (${body.convocationDate}) was sent ${notice < 0 ? 'after the session' : plural(notice, 'day', 'days') + ' before the session'} (${body.sessionDate}); it must be sent at least ${CONVOCATION_MIN_DAYS} days before.`,
    );
  }
  if (!Number.isInteger(body.membersInOffice) || body.membersInOffice < 1) {
    return fail('INVALID_MEMBERS', 'membersInOffice must be a positive whole number.');
  }
  if (!body.decisions || body.decisions.length === 0) return fail('NO_DECISION', 'A deliberation must record at least one decision.');

  const present = body.present.map(normaliseName);
  const excused = (body.excused ?? []).map(normaliseName);
  const proxies = (body.proxies ?? []).map((p) => ({ member: normaliseName(p.member), holder: normaliseName(p.holder), raw: p }));

  const dupPresent = present.find((n, i) => present.indexOf(n) !== i);
  if (dupPresent) return fail('DUPLICATE_NAME', `${body.present[present.indexOf(dupPresent)]} is listed twice among the members present.`);
  const dupExcused = excused.find((n, i) => excused.indexOf(n) !== i);
  if (dupExcused) return fail('DUPLICATE_NAME', `${body.excused![excused.indexOf(dupExcused)]} is listed twice among the members excused.`);

  const presentSet = new Set(present);
  const both = excused.findIndex((n) => presentSet.has(n));
  if (both >= 0) return fail('PRESENT_AND_EXCUSED', `${body.excused![both]} is listed both as present and as excused; a member is one or the other.`);

  const represented = new Set<string>();
  const held = new Map<string, number>();
  for (const p of proxies) {
    if (presentSet.has(p.member)) return fail('PRESENT_AND_REPRESENTED', `${p.raw.member} is listed as present and as represented by ${p.raw.holder}; a present member needs no proxy.`);
    if (represented.has(p.member)) return fail('REPRESENTED_TWICE', `${p.raw.member} gave more than one proxy; a member is represented once.`);
    represented.add(p.member);
    if (!presentSet.has(p.holder)) return fail('HOLDER_NOT_PRESENT', `The proxy holder ${p.raw.holder} (for ${p.raw.member}) is not listed as present; a proxy is carried by a present member.`);
    held.set(p.holder, (held.get(p.holder) ?? 0) + 1);
  }
  for (const [holder, n] of held) {
    if (n > MAX_PROXIES_PER_HOLDER) {
      const raw = proxies.find((p) => p.holder === holder)!.raw.holder;
      return fail('HOLDER_WITH_TOO_MANY_PROXIES', `${raw} holds ${n} proxies; a member may carry at most ${MAX_PROXIES_PER_HOLDER}.`);
    }
  }
  if (!presentSet.has(normaliseName(body.president))) return fail('PRESIDENT_NOT_PRESENT', `The president ${body.president} is not listed as present.`);

  // An excused member who gave a proxy is counted once.
  const named = new Set([...present, ...represented, ...excused]).size;
  if (named > body.membersInOffice) {
    return fail('MORE_MEMBERS_THAN_IN_OFFICE', `${named} different members are named (present, represented or excused) but only ${body.membersInOffice} are in office.`);
  }

  const required = quorumRequired(body.membersInOffice);
  const waived = !!previous && previous.outcome === 'NO_QUORUM' && daysBetween(previous.sessionDate, body.sessionDate) >= CONVOCATION_MIN_DAYS;
  const met = present.length >= required || waived;
  const quorum = { required, present: present.length, met, waived };
  const votes = { for: body.votes.for, against: body.votes.against, abstain: body.votes.abstain };
  const voters = present.length + proxies.length;
  if (!met) {
    return {
      ok: true,
      result: {
        quorum,
        votesCast: 0,
        voters,
        majority: 0,
        votes,
        outcome: 'NO_QUORUM',
        unanimous: false,
        casting: null,
        summary: `Quorum non atteint (${present.length} présents pour ${required} requis) : séance à reconvoquer au moins ${CONVOCATION_MIN_DAYS} jours plus tard, sans condition de quorum`,
      },
    };
  }

  const counts = [votes.for, votes.against, votes.abstain];
  if (!counts.every((n) => Number.isInteger(n) && n >= 0)) return fail('VOTES_DO_NOT_ADD_UP', 'Votes for, against and abstentions must be whole numbers, zero or more.');
  const total = votes.for + votes.against + votes.abstain;
  if (total !== voters) {
    return fail(
      'VOTES_DO_NOT_ADD_UP',
      `${votes.for} for, ${votes.against} against and ${votes.abstain} abstaining make ${total} votes, but ${present.length} members present and ${plural(proxies.length, 'proxy', 'proxies')} make ${voters}.`,
    );
  }
  const votesCast = voters - votes.abstain;
  const majority = Math.floor(votesCast / 2) + 1;
  let outcome: DeliberationOutcome;
  let casting: PresidentVote | null = null;
  if (votes.for >= majority) outcome = 'ADOPTED';
  else if (votes.against >= majority) outcome = 'REJECTED';
  else {
    // for === against: a tie (including no vote cast), settled by the president's vote.
    if (!body.presidentVote) {
      return fail('PRESIDENT_VOTE_REQUIRED', `The vote is tied (${votes.for} for, ${votes.against} against): the president's casting vote (presidentVote FOR or AGAINST) is required.`);
    }
    casting = body.presidentVote;
    outcome = casting === 'FOR' ? 'ADOPTED' : 'REJECTED';
  }
  const unanimous = outcome === 'ADOPTED' && votes.against === 0;
  const how = unanimous ? "Adoptée à l'unanimité" : outcome === 'ADOPTED' ? 'Adoptée' : 'Rejetée';
  const tie = casting ? `, partage des voix tranché par la voix du président (${casting === 'FOR' ? 'pour' : 'contre'})` : '';
  const quorumText = waived ? 'sans condition de quorum après une séance sans quorum' : `quorum ${present.length}/${required}`;
  return {
    ok: true,
    result: {
      quorum,
      votesCast,
      voters,
      majority,
      votes,
      outcome,
      unanimous,
      casting,
      summary: `${how} (${votes.for} pour, ${votes.against} contre, ${votes.abstain} abstention${votes.abstain > 1 ? 's' : ''} ; ${quorumText}${tie})`,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Legality (DOMAIN.md §2.2)
// ---------------------------------------------------------------------------------------------------------

/** The préfet may challenge an act within this many months of its transmission. */
export const PREFET_REVIEW_MONTHS = 2;

/** Enforceable on the later of publication and transmission; null until both are recorded. */
export function enforceableOn(publishedOn: IsoDate | null, transmittedOn: IsoDate | null): IsoDate | null {
  return publishedOn && transmittedOn ? maxDate(publishedOn, transmittedOn) : null;
}

/** Last day of the préfet's review window: 2 months after transmission (shown, blocks nothing). */
export function prefetWindowEndsOn(transmittedOn: IsoDate): IsoDate {
  return addMonths(transmittedOn, PREFET_REVIEW_MONTHS);
}

// ---------------------------------------------------------------------------------------------------------
// Funding year: deadlines, tranches, reconciliation (DOMAIN.md §2.4, §2.5)
// ---------------------------------------------------------------------------------------------------------

export interface Tranche {
  /** Share of the year's amount in (0, 1]; the shares of a convention add up to 1. */
  share: number;
  condition: TrancheCondition;
}

/** DOMAIN.md default: up to 50 % advance on authorisation, the balance after the previous year's report is accepted. */
export const DEFAULT_TRANCHES: Tranche[] = [
  { share: 0.5, condition: 'ON_AUTHORISATION' },
  { share: 0.5, condition: 'AFTER_PREVIOUS_REPORT_ACCEPTED' },
];

/** The tranches a convention uses (its own, or the default). */
export function tranchesOf(terms: { tranches?: Tranche[] }): Tranche[] {
  return terms.tranches && terms.tranches.length > 0 ? terms.tranches : DEFAULT_TRANCHES;
}

/** Request due date of year N: MM-DD of N (default 31 January). */
export function requestDueOn(year: number, month: number, day: number): IsoDate {
  return dateOfYmd(year, month, day);
}

/** Financial report (CRF) due date of year N: MM-DD of N+1 (default 30 June). */
export function reportDueOn(year: number, month: number, day: number): IsoDate {
  return dateOfYmd(year + 1, month, day);
}

/** The convention's final report: the report date after its last year (30 June 2027 for 2024–2026). */
export function finalReportDueOn(years: readonly number[], month: number, day: number): IsoDate {
  return reportDueOn(Math.max(...years), month, day);
}

/** Whether each tranche condition is met, from the year's facts. */
export interface TrancheFacts {
  authorised: boolean;
  requestSent: boolean;
  reportAccepted: boolean;
  /** True for the convention's first year (no previous report is owed under it). */
  previousReportAccepted: boolean;
}

export function trancheConditionMet(condition: TrancheCondition, f: TrancheFacts): boolean {
  switch (condition) {
    case 'ON_AUTHORISATION':
      return f.authorised;
    case 'ON_REQUEST':
      return f.authorised && f.requestSent;
    case 'AFTER_PREVIOUS_REPORT_ACCEPTED':
      return f.authorised && f.previousReportAccepted;
    case 'AFTER_REPORT_ACCEPTED':
      return f.authorised && f.reportAccepted;
  }
}

/** French reason a tranche is not due yet. */
export function trancheWaitingFor(condition: TrancheCondition, f: TrancheFacts, year: number): string | null {
  if (trancheConditionMet(condition, f)) return null;
  if (!f.authorised) return `en attente de l'autorisation de l'année ${year}`;
  switch (condition) {
    case 'ON_REQUEST':
      return `en attente de la demande de subvention ${year}`;
    case 'AFTER_PREVIOUS_REPORT_ACCEPTED':
      return `en attente de l'acceptation du compte rendu financier ${year - 1}`;
    case 'AFTER_REPORT_ACCEPTED':
      return `en attente de l'acceptation du compte rendu financier ${year}`;
    default:
      return null;
  }
}

/** Each tranche's amount in cents: floor of the share, the last tranche takes the rounding remainder. */
export function trancheAmounts(grantedCents: number, tranches: readonly Tranche[]): number[] {
  const amounts = tranches.map((t) => Math.floor(grantedCents * t.share + 1e-9));
  const sum = amounts.reduce((a, b) => a + b, 0);
  if (amounts.length > 0) amounts[amounts.length - 1] += grantedCents - sum;
  return amounts;
}

/** Received money allocated to the tranches in order: how much of each is paid. */
export function allocatePayments(amounts: readonly number[], receivedCents: number): number[] {
  let left = receivedCents;
  return amounts.map((a) => {
    const paid = Math.min(a, Math.max(0, left));
    left -= paid;
    return paid;
  });
}

/** What is left to receive for the year. A payment above it is refused (409). */
export function remainingCents(grantedCents: number, receivedCents: number): number {
  return Math.max(0, grantedCents - receivedCents);
}

/**
 * Reminder dates of a deadline: `daysBefore` (e.g. [60, 30, 7]) before it, the escalation `escalationDaysAfter`
 * after it, and optionally the at-risk flag `atRiskDaysLate` after it.
 */
export function reminderDates(dueOn: IsoDate, daysBefore: readonly number[], escalationDaysAfter: number): Array<{ days: number; on: IsoDate }> {
  return [...daysBefore].sort((a, b) => b - a).map((d) => ({ days: d, on: addDays(dueOn, -d) })).concat([{ days: -escalationDaysAfter, on: addDays(dueOn, escalationDaysAfter) }]);
}

/** Days late of a report due on `dueOn`: on its submission date, or today while not submitted. 0 when on time. */
export function daysLate(dueOn: IsoDate, submittedOn: IsoDate | null, today: IsoDate): number {
  return Math.max(0, daysBetween(dueOn, submittedOn ?? today));
}

/** The year's money once the report is in: what was spent, what was owed, what is left over. */
export interface Reconciliation {
  grantedCents: number;
  receivedCents: number;
  /** From the last submitted report; null before. */
  spentCents: number | null;
  /** What the State owes in the end: min(granted, spent); null before a report. */
  expectedCents: number | null;
  /** Still to receive: max(0, expected − received). */
  outstandingCents: number | null;
  /** Subsidy not used: max(0, granted − spent) (flagged, with its amount). */
  underUseCents: number | null;
  /** Received beyond what was spent: max(0, received − spent) (the State may claim it back). */
  overpaidCents: number | null;
  underUse: boolean;
  /** Report accepted and nothing outstanding: the year can close. */
  reconciled: boolean;
}

export function reconcile(grantedCents: number, receivedCents: number, spentCents: number | null, reportAccepted: boolean): Reconciliation {
  if (spentCents === null) {
    return { grantedCents, receivedCents, spentCents, expectedCents: null, outstandingCents: null, underUseCents: null, overpaidCents: null, underUse: false, reconciled: false };
  }
  const expected = Math.min(grantedCents, spentCents);
  const outstanding = Math.max(0, expected - receivedCents);
  const underUse = Math.max(0, grantedCents - spentCents);
  return {
    grantedCents,
    receivedCents,
    spentCents,
    expectedCents: expected,
    outstandingCents: outstanding,
    underUseCents: underUse,
    overpaidCents: Math.max(0, receivedCents - spentCents),
    underUse: underUse > 0,
    reconciled: reportAccepted && outstanding === 0,
  };
}
