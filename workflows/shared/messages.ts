/**
 * The message types every feature's contract speaks: who acted, what the API stamps on an update, what a workflow
 * records, the deadlines it shows. Defined once here; each contract re-exports them (and narrows the timeline's
 * types and stages to its own). Types only, plus the system actor.
 */
import type { IsoDate } from './calendar';

/** Who did something: JWT `sub` and the role they acted in (`system` for timers). */
export interface Actor {
  sub: string;
  role: string;
}

/** The actor of timer-driven changes. */
export const SYSTEM_ACTOR: Actor = { sub: 'system', role: 'system' };

/** Stamped by the API on every update input. */
export interface UpdateMeta {
  actor: Actor;
  /** ISO instant the API received the request. */
  at: string;
  /** The HTTP Idempotency-Key (with the fingerprint, the Temporal update id). */
  idempotencyKey?: string;
  /**
   * With a key: the fingerprint of the request (endpoint and canonical body, `src/common/idempotency-key.ts`), so the
   * same key on another request is refused rather than answered with the first request's answer.
   */
  requestFingerprint?: string;
  /**
   * Who may the caller change (decided by the API's access policy, src/auth/access-policy.ts): every case, or only
   * the cases whose référent is `referentSub`. The workflow's validator compares it with the case's référent, so the
   * API needs no read of the case before an update. Absent: a trusted caller (tests, the workflows' own clients).
   */
  access?: CaseAccess;
}

/** The access an update's caller holds (UpdateMeta.access). */
export interface CaseAccess {
  everyCase: boolean;
  /** The caller's `sub` when they act as a référent (on the cases assigned to them), else null. */
  referentSub: string | null;
}

/** Recorded with every staff change. */
export interface Recorded {
  by: Actor;
  /** ISO instant the workflow recorded it. */
  at: string;
}

/** One recorded change: who, when, what (the French summary holds no personal data). */
export interface TimelineEntry<Type extends string = string, Stage extends string = string> {
  /** 1, 2, 3 … across continue-as-new. */
  seq: number;
  /** ISO instant the workflow recorded it (the order of the event history). */
  at: string;
  /** ISO instant of the HTTP request (`UpdateMeta.at`), for staff changes. */
  requestedAt?: string;
  actor: Actor;
  type: Type;
  /** French, without personal data, e.g. "Consentement recueilli (signé le 25/11/2026)". */
  summary: string;
  /** Stage after the change. */
  stage: Stage;
  /** The business date the entry is about, when there is one. */
  onDate?: IsoDate;
  /** The funding year it is about (convention timelines). */
  year?: number;
  idempotencyKey?: string;
}

/**
 * One remembered idempotency key: the request it was first sent with (update and fingerprint), where it stands in the
 * journal and, while carried, its first answer (DOMAIN.md "Cases that never outgrow Temporal").
 */
export interface IdempotencyEntry<Answer = unknown> {
  key: string;
  /** Wire name of the update it answered. */
  update: string;
  /** Fingerprint of the request it answered (absent for keys remembered before fingerprints). */
  fingerprint?: string;
  /** The journal's sequence number once the request was applied (absent for keys remembered before it). */
  seq?: number;
  /** The first answer, while carried (absent: re-derived from the current state when the key is repeated). */
  answer?: Answer;
}

/** A deadline as an answer shows it (`deadlines`, `nextDeadline`), soonest first. */
export interface Deadline<Kind extends string = string> {
  kind: Kind;
  dueOn: IsoDate;
  /** Passed without the expected action. */
  overdue: boolean;
  /** French, without personal data, e.g. "Réévaluation à faire". */
  label: string;
}

/** The last entries of a timeline as a view embeds them (the `get…Timeline` query gives them all). */
export interface TimelineTail<Entry> {
  count: number;
  last: Entry[];
}
