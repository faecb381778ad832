/**
 * The anonymised figures of one case, for the yearly indicators (DOMAIN.md §4, `GET /reports/indicators`).
 *
 * The parcours workflow keeps them in its memo under the key `figures` (`upsertMemo({ figures: caseFiguresOf(view) })`
 * at each change), so the report reads a whole year from one visibility listing, without querying any case.
 * A `CaseFigures` stands alone: no dossierId, no name, no birth date, no address, no free text, no staff id — only
 * the neighbourhood, the age band on the referral date (and the month each later band begins, never the day), the sex
 * and the business dates and codes the figures need.
 * That is what lets the retention purge (DOMAIN.md §5) delete a case's personal data and keep its figures, so that
 * a purged case still counts in the years it belongs to.
 *
 * Pure and deterministic (relative imports only, no Node builtins): it runs inside the workflow sandbox.
 */
import type { ActionStatus, ActionType, ClosureReason, ConsentDecision, DerogationKind, OrienteurType, ParcoursStage, ReferralReason, Sex, TeamDecision } from './parcours.codes';
import type { ParcoursView } from './parcours.records';
import { addDays, type IsoDate } from '../shared/calendar';
import { ageBandOf, birthdayOn, type AgeBand } from './parcours.rules';

/** Version of the `CaseFigures` shape; a reader skips (and reports) a version it does not know. */
export const CASE_FIGURES_VERSION = 1;

/** The memo key under which the parcours workflow keeps its `CaseFigures`. */
export const CASE_FIGURES_MEMO_KEY = 'figures';

/**
 * The eligibility check's outcome: ELIGIBLE, INELIGIBLE (closed at once), DEROGATION (ineligible, admitted by a
 * coordinator's derogation), PENDING (not checked yet: the few milliseconds before the activity answers).
 */
export type EligibilityFigure = 'PENDING' | 'ELIGIBLE' | 'DEROGATION' | 'INELIGIBLE';

/** The age band a child is in from `from` on. */
export interface AgeBandChange {
  from: IsoDate;
  band: AgeBand;
}

/** The ages at which the report's age band changes (2, 6, 11, 17). */
const BAND_AGES = [2, 6, 11, 17] as const;

/**
 * The age bands a child referred on `referredOn` reaches afterwards (up to 18, the oldest a case may be kept): each
 * from the first day of its birthday's month, or the day after the referral when that month has begun by then.
 */
export function ageBandChanges(birthDate: IsoDate, referredOn: IsoDate): AgeBandChange[] {
  const out: AgeBandChange[] = [];
  for (const age of BAND_AGES) {
    const birthday = birthdayOn(birthDate, age);
    if (birthday <= referredOn) continue;
    const monthStart = `${birthday.slice(0, 7)}-01`;
    out.push({ from: monthStart > referredOn ? monthStart : addDays(referredOn, 1), band: ageBandOf(age) });
  }
  return out;
}

/** One action of the parcours: its type, business dates and status. */
export interface ActionFigure {
  type: ActionType;
  startsOn: IsoDate;
  endsOn?: IsoDate;
  sessions?: number;
  status: ActionStatus;
  /** Date the status became DONE / CANCELLED / STOPPED. */
  statusOn?: IsoDate;
}

/** Everything the yearly indicators need about one case, and nothing that identifies the child. */
export interface CaseFigures {
  v: typeof CASE_FIGURES_VERSION;
  /** QPV code of the residence at the referral (FONTAINE_D_OUCHE, GRESILLES, OTHER). */
  qpv: string;
  /** Age band on the referral date. */
  ageBand: AgeBand;
  /**
   * The later age bands, each from the first day of the month of the birthday that reaches it (month precision: the
   * figures hold no birth date), in order; absent in figures written before (their band stays the referral's).
   * Every figure uses the band on the date it is about (`src/reports/indicators.ts#ageBandOn`).
   */
  ageBands?: AgeBandChange[];
  sex: Sex;
  referredOn: IsoDate;
  orienteurType: OrienteurType;
  reasons: ReferralReason[];
  eligibility: EligibilityFigure;
  /** Kinds of the coordinator's derogations (ELIGIBILITY, AGE, DURATION). */
  derogations: DerogationKind[];
  /** The family's decision and its date; `withdrawnOn` when consent was withdrawn later. */
  consent: { decision: ConsentDecision; on: IsoDate; withdrawnOn?: IsoDate } | null;
  /** Each EPS decision on the case, with its meeting date, in order (MORE_INFO included). */
  reviews: Array<{ on: IsoDate; decision: TeamDecision }>;
  /** Each renewal decided by the EPS, with its meeting date. */
  renewals: Array<{ on: IsoDate; months: number }>;
  /** Entry into ACTIVE: the meeting date of the VALIDATED decision. */
  activeOn: IsoDate | null;
  actions: ActionFigure[];
  /** Current stage (the report works from the dates; the stage is for reading a memo in the Temporal UI). */
  stage: ParcoursStage;
  closure: { reason: ClosureReason; on: IsoDate } | null;
}

/** The figures of a case as it now stands (pure: same view, same figures). */
export function caseFiguresOf(view: ParcoursView): CaseFigures {
  const e = view.eligibility;
  const eligibility: EligibilityFigure = !e ? 'PENDING' : e.eligible ? 'ELIGIBLE' : e.derogation ? 'DEROGATION' : 'INELIGIBLE';
  return {
    v: CASE_FIGURES_VERSION,
    qpv: view.child.qpv,
    ageBand: view.ageBand,
    ageBands: ageBandChanges(view.child.birthDate, view.referredOn),
    sex: view.child.sex,
    referredOn: view.referredOn,
    orienteurType: view.orienteur.type,
    reasons: [...view.reasons],
    eligibility,
    derogations: view.derogations.map((d) => d.kind),
    consent: view.consent
      ? { decision: view.consent.decision, on: view.consent.signedOn, ...(view.consent.withdrawnOn ? { withdrawnOn: view.consent.withdrawnOn } : {}) }
      : null,
    reviews: view.reviews.map((r) => ({ on: r.meetingDate, decision: r.decision })),
    renewals: (view.plan?.renewals ?? []).map((r) => ({ on: r.meetingDate, months: r.extensionMonths })),
    activeOn: view.plan?.validatedOn ?? null,
    actions: view.actions.map((a) => ({
      type: a.type,
      startsOn: a.startsOn,
      ...(a.endsOn ? { endsOn: a.endsOn } : {}),
      ...(a.sessions !== undefined ? { sessions: a.sessions } : {}),
      status: a.status,
      ...(a.statusOn ? { statusOn: a.statusOn } : {}),
    })),
    stage: view.stage,
    closure: view.closure ? { reason: view.closure.reason, on: view.closure.closedOn } : null,
  };
}

/** True when `value` looks like `CaseFigures` of a version this code reads (a memo is data from the past). */
export function isCaseFigures(value: unknown): value is CaseFigures {
  if (!value || typeof value !== 'object') return false;
  const f = value as Partial<CaseFigures>;
  return (
    f.v === CASE_FIGURES_VERSION &&
    typeof f.qpv === 'string' &&
    typeof f.ageBand === 'string' &&
    typeof f.sex === 'string' &&
    typeof f.referredOn === 'string' &&
    typeof f.eligibility === 'string' &&
    Array.isArray(f.reviews) &&
    Array.isArray(f.renewals) &&
    Array.isArray(f.actions)
  );
}
