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

/** Minimum days between a session without quorum and the session reconvened on the same agenda. */
export const CONVOCATION_MIN_DAYS = 3;
/**
 * Default convocation delay in jours francs: whole days between the sending day and the session day, neither counted
 * (sent 28 June for 3 July: 29, 30 June, 1, 2 July = 4 clear days). Configurable (`PRE_CONVOCATION_CLEAR_DAYS`).
 */
export const DEFAULT_CONVOCATION_CLEAR_DAYS = 3;

/** Jours francs between two dates: the days strictly between them (neither the first nor the last day counts). */
export function clearDaysBetween(from: IsoDate, to: IsoDate): number {
  return daysBetween(from, to) - 1;
}
/** A holder carries at most this many proxies. */
export const MAX_PROXIES_PER_HOLDER = 1;

/** A board (CA) session's record: the body of `POST /conventions/{ref}/deliberations` (API.md, as written). */
export interface DeliberationBody {
  /** The deliberation's number in the board's register (e.g. "D2024-41"), as the State and the CCAS cite it. */
  number?: string;
  sessionDate: IsoDate;
  convocationDate: IsoDate;
  membersInOffice: number;
  /** The member presiding the session (must be present); their vote settles a tie. */
  president: string;
  present: string[];
  /** `member` represented by `holder` (a present member). */
  proxies?: Array<{ member: string; holder: string }>;
  excused?: string[];
  /**
   * Members who do not take part in the vote (conflict of interest): each is present or represented, counts for the
   * quorum if present, but neither votes nor abstains (not among `votes`).
   */
  nonParticipating?: string[];
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
  /** Its agenda: the waiver applies only to a session reconvened on the same decisions (and receipt year). */
  decisions: readonly DeliberationDecision[];
  receiptYear?: number;
}

/** The board rules a convention was started with (its settings). */
export interface SessionRules {
  /** Convocation delay in jours francs (default DEFAULT_CONVOCATION_CLEAR_DAYS). */
  convocationClearDays?: number;
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
    /**
     * True when the session is reconvened on the same agenda as the previous session, which lacked quorum, at least
     * 3 days after it: it deliberates whatever the attendance.
     */
    waived: boolean;
  };
  /** Members recorded as not taking part in the vote (conflict of interest). */
  nonParticipating: number;
  /** voters − abstentions (= for + against); 0 when the session is void (NO_QUORUM). */
  votesCast: number;
  /** Members who could vote: present + proxies − non-participating. */
  voters: number;
  /** Votes needed for an absolute majority of votes cast: floor(votesCast / 2) + 1. */
  majority: number;
  votes: { for: number; against: number; abstain: number };
  outcome: DeliberationOutcome;
  /** Adopted with no vote against. */
  unanimous: boolean;
  /** The president's vote that settled a tie between votes cast, null otherwise (no tie, or no vote cast). */
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
    | 'NON_PARTICIPANT_ABSENT'
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

/** Same agenda: the same decisions (in any order) and the same receipt year. */
function sameAgenda(body: DeliberationBody, previous: PreviousSession): boolean {
  const a = [...new Set(body.decisions)].sort();
  const b = [...new Set(previous.decisions)].sort();
  return a.length === b.length && a.every((d, i) => d === b[i]) && (body.receiptYear ?? null) === (previous.receiptYear ?? null);
}

/** Whether the quorum is waived: the previous session lacked quorum, this one is on its agenda, ≥ 3 days later. */
export function quorumWaived(body: DeliberationBody, previous?: PreviousSession | null): boolean {
  return !!previous && previous.outcome === 'NO_QUORUM' && daysBetween(previous.sessionDate, body.sessionDate) >= CONVOCATION_MIN_DAYS && sameAgenda(body, previous);
}

/**
 * Checks a session's record and computes its quorum and outcome (DOMAIN.md §2.1). Consistency rules (convocation
 * delay in jours francs, names, proxies, non-participating members, vote counts, missing casting vote) give a
 * violation; a missing quorum gives the recorded outcome NO_QUORUM (vote counts of a void session are not checked).
 * `previous`: the board's previous session recorded in the same workflow, if any; `rules`: the convention's settings.
 */
export function evaluateDeliberation(body: DeliberationBody, previous?: PreviousSession | null, rules: SessionRules = {}): DeliberationEvaluation {
  if (!isValidDate(body.sessionDate) || !isValidDate(body.convocationDate)) {
    return fail('INVALID_DATE', 'The session and convocation dates must be real dates written YYYY-MM-DD.');
  }
  const clearDays = rules.convocationClearDays ?? DEFAULT_CONVOCATION_CLEAR_DAYS;
  const notice = clearDaysBetween(body.convocationDate, body.sessionDate);
  if (notice < clearDays) {
    return fail(
      'CONVOCATION_TOO_LATE',
      `The convocation (${body.convocationDate}) was sent ${notice < 0 ? 'after the session' : `with ${plural(notice, 'clear day', 'clear days')} before the session`} (${body.sessionDate}); it must be sent at least ${plural(clearDays, 'clear day', 'clear days')} (jours francs, neither the sending day nor the session day counted) before.`,
    );
  }
  if (!Number.isInteger(body.membersInOffice) || body.membersInOffice < 1) {
    return fail('INVALID_MEMBERS', 'membersInOffice must be a positive whole number.');
  }
  if (!body.decisions || body.decisions.length === 0) return fail('NO_DECISION', 'A deliberation must record at least one decision.');

  const present = body.present.map(normaliseName);
  const excused = (body.excused ?? []).map(normaliseName);
  const aside = (body.nonParticipating ?? []).map(normaliseName);
  const proxies = (body.proxies ?? []).map((p) => ({ member: normaliseName(p.member), holder: normaliseName(p.holder), raw: p }));

  const dupPresent = present.find((n, i) => present.indexOf(n) !== i);
  if (dupPresent) return fail('DUPLICATE_NAME', `${body.present[present.indexOf(dupPresent)]} is listed twice among the members present.`);
  const dupExcused = excused.find((n, i) => excused.indexOf(n) !== i);
  if (dupExcused) return fail('DUPLICATE_NAME', `${body.excused![excused.indexOf(dupExcused)]} is listed twice among the members excused.`);
  const dupAside = aside.find((n, i) => aside.indexOf(n) !== i);
  if (dupAside) return fail('DUPLICATE_NAME', `${body.nonParticipating![aside.indexOf(dupAside)]} is listed twice among the members not taking part in the vote.`);

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
  const absent = aside.findIndex((n) => !presentSet.has(n) && !represented.has(n));
  if (absent >= 0) {
    return fail('NON_PARTICIPANT_ABSENT', `${body.nonParticipating![absent]} is listed as not taking part in the vote but is neither present nor represented.`);
  }
  const president = normaliseName(body.president);
  if (!presentSet.has(president)) return fail('PRESIDENT_NOT_PRESENT', `The president ${body.president} is not listed as present.`);

  // An excused member who gave a proxy is counted once.
  const named = new Set([...present, ...represented, ...excused]).size;
  if (named > body.membersInOffice) {
    return fail('MORE_MEMBERS_THAN_IN_OFFICE', `${named} different members are named (present, represented or excused) but only ${body.membersInOffice} are in office.`);
  }

  const required = quorumRequired(body.membersInOffice);
  const waived = quorumWaived(body, previous);
  const met = present.length >= required || waived;
  const quorum = { required, present: present.length, met, waived };
  const votes = { for: body.votes.for, against: body.votes.against, abstain: body.votes.abstain };
  const voters = present.length + proxies.length - aside.length;
  const nonParticipating = aside.length;
  if (!met) {
    return {
      ok: true,
      result: {
        quorum,
        nonParticipating,
        votesCast: 0,
        voters,
        majority: 0,
        votes,
        outcome: 'NO_QUORUM',
        unanimous: false,
        casting: null,
        summary: `Quorum non atteint (${present.length} présents pour ${required} requis) : séance à reconvoquer sur le même ordre du jour au moins ${CONVOCATION_MIN_DAYS} jours plus tard, sans condition de quorum`,
      },
    };
  }

  const counts = [votes.for, votes.against, votes.abstain];
  if (!counts.every((n) => Number.isInteger(n) && n >= 0)) return fail('VOTES_DO_NOT_ADD_UP', 'Votes for, against and abstentions must be whole numbers, zero or more.');
  const total = votes.for + votes.against + votes.abstain;
  if (total !== voters) {
    const asideText = aside.length > 0 ? ` less ${aside.length} not taking part` : '';
    return fail(
      'VOTES_DO_NOT_ADD_UP',
      `${votes.for} for, ${votes.against} against and ${votes.abstain} abstaining make ${total} votes, but ${present.length} members present and ${plural(proxies.length, 'proxy', 'proxies')}${asideText} make ${voters}.`,
    );
  }
  const votesCast = votes.for + votes.against;
  const majority = Math.floor(votesCast / 2) + 1;
  const presidentVotes = !aside.includes(president);
  let outcome: DeliberationOutcome;
  let casting: PresidentVote | null = null;
  let why = '';
  if (votesCast === 0) {
    // No vote cast: nothing is adopted; there is no tie for the president to settle.
    outcome = 'REJECTED';
    why = ', aucun suffrage exprimé';
  } else if (votes.for >= majority) outcome = 'ADOPTED';
  else if (votes.against >= majority) outcome = 'REJECTED';
  else if (!presidentVotes) {
    // A tie, and the president takes no part in the vote: no casting vote, the proposal is not adopted.
    outcome = 'REJECTED';
    why = ', partage des voix sans voix prépondérante (le président ne prend pas part au vote)';
  } else {
    // for === against > 0: a tie between votes cast, settled by the president's vote.
    if (!body.presidentVote) {
      return fail('PRESIDENT_VOTE_REQUIRED', `The vote is tied (${votes.for} for, ${votes.against} against): the president's casting vote (presidentVote FOR or AGAINST) is required.`);
    }
    casting = body.presidentVote;
    outcome = casting === 'FOR' ? 'ADOPTED' : 'REJECTED';
  }
  const unanimous = outcome === 'ADOPTED' && votes.against === 0;
  const how = unanimous ? "Adoptée à l'unanimité" : outcome === 'ADOPTED' ? 'Adoptée' : votesCast === 0 || why ? 'Non adoptée' : 'Rejetée';
  const tie = casting ? `, partage des voix tranché par la voix du président (${casting === 'FOR' ? 'pour' : 'contre'})` : why;
  const quorumText = waived ? 'sans condition de quorum après une séance sans quorum' : `quorum ${present.length}/${required}`;
  const asideText = aside.length > 0 ? `, ${aside.length} ne prenant pas part au vote` : '';
  return {
    ok: true,
    result: {
      quorum,
      nonParticipating,
      votesCast,
      voters,
      majority,
      votes,
      outcome,
      unanimous,
      casting,
      summary: `${how} (${votes.for} pour, ${votes.against} contre, ${votes.abstain} abstention${votes.abstain > 1 ? 's' : ''}${asideText} ; ${quorumText}${tie})`,
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

// The year's reconciliation (what the State owes, under-use, over-payment, settlement) is funding-year.reconciliation.ts.
export { NO_SETTLEMENT, reconcile, type Reconciliation, type ReconciliationAwaits, type SettlementFacts } from './funding-year.reconciliation';
