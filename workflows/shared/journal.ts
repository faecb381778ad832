/**
 * What every long-lived workflow (parcours, convention, funding year) keeps besides its business data, written once:
 * the timeline, the remembered Idempotency-Keys with their first answers, the keys of the timers already fired, and
 * the notifications decided but not yet recorded by the activity. Plain data, carried across continue-as-new, so an
 * Idempotency-Key keeps its first answer in every run (Temporal's own update-id dedup is per run).
 */
import { setHandler } from '@temporalio/workflow';
import type { ApplicationFailure, UpdateDefinition } from '@temporalio/common';
import type { NotificationRequest } from '../../activities/notifications.types';
import type { IdempotencyEntry, TimelineEntry, TimelineTail, UpdateMeta } from './messages';

/** How many Idempotency-Keys (with their first answer) a workflow remembers, across continue-as-new. */
export const MAX_IDEMPOTENCY_KEYS = 100;

/** What a journal carries across continue-as-new. */
export interface JournalSnapshot<Entry extends TimelineEntry = TimelineEntry, Answer = unknown> {
  timeline: Entry[];
  seq: number;
  idempotency: Array<IdempotencyEntry<Answer>>;
  /** Keys of the timers already fired or skipped. */
  fired: string[];
  /** Notifications decided and not yet recorded by the activity. */
  outbox: NotificationRequest[];
}

/** What a long-lived workflow carries across continue-as-new: its own data, its journal, the run that carried them. */
export interface CarriedState<Data, Entry extends TimelineEntry = TimelineEntry, Answer = unknown> {
  data: Data;
  journal: JournalSnapshot<Entry, Answer>;
  /** 1 for the first run. */
  run: number;
}

/** A new timeline entry: what the caller says; the journal numbers and dates it. */
export type NewEntry<Entry extends TimelineEntry> = Omit<Entry, 'seq' | 'at'>;

/**
 * The refusal of a key already used for another request (an IDEMPOTENCY_KEY_REUSED failure, in the feature's words):
 * another kind of request (`sameUpdate` false) or the same kind with another body (`sameUpdate` true).
 */
export type ReusedKeyFailure = (key: string, firstUpdate: string, sameUpdate: boolean) => ApplicationFailure;

export class Journal<Entry extends TimelineEntry = TimelineEntry, Answer = unknown> {
  timeline: Entry[] = [];
  seq = 0;
  idempotency: Array<IdempotencyEntry<Answer>> = [];
  fired = new Set<string>();
  outbox: NotificationRequest[] = [];
  /** Bumped at every change: the main loop wakes on it. */
  version = 0;

  constructor(
    private readonly reusedKey: ReusedKeyFailure,
    snapshot?: JournalSnapshot<Entry, Answer>,
  ) {
    if (snapshot) {
      this.timeline = snapshot.timeline;
      this.seq = snapshot.seq;
      this.idempotency = snapshot.idempotency;
      this.fired = new Set(snapshot.fired);
      this.outbox = snapshot.outbox;
    }
  }

  snapshot(): JournalSnapshot<Entry, Answer> {
    return { timeline: this.timeline, seq: this.seq, idempotency: this.idempotency.slice(-MAX_IDEMPOTENCY_KEYS), fired: [...this.fired], outbox: this.outbox };
  }

  /** Marks a change: the main loop wakes up and publishes. */
  touch(): void {
    this.version += 1;
  }

  /** Records an entry, numbered and dated now (the actor is copied: only its `sub` and `role`). */
  add(e: NewEntry<Entry>, nowMs: number): Entry {
    this.seq += 1;
    const entry = {
      seq: this.seq,
      at: new Date(nowMs).toISOString(),
      ...(e.requestedAt ? { requestedAt: e.requestedAt } : {}),
      actor: { sub: e.actor.sub, role: e.actor.role },
      type: e.type,
      summary: e.summary,
      stage: e.stage,
      ...(e.onDate ? { onDate: e.onDate } : {}),
      ...(e.year !== undefined ? { year: e.year } : {}),
      ...(e.idempotencyKey ? { idempotencyKey: e.idempotencyKey } : {}),
    } as Entry;
    this.timeline.push(entry);
    this.touch();
    return entry;
  }

  /** Appends an entry recorded by another workflow (a year's event in its convention's timeline), renumbered here. */
  append(entry: Entry, extra: Partial<Entry> = {}): void {
    this.seq += 1;
    this.timeline.push({ ...entry, ...extra, seq: this.seq });
  }

  /** The last `n` entries, as a view embeds them. */
  tail(n: number): TimelineTail<Entry> {
    return { count: this.timeline.length, last: this.timeline.slice(-n) };
  }

  /**
   * The first answer of a repeated Idempotency-Key, or undefined. The same key on another kind of request, or on the
   * same kind with another fingerprint (another body), is a client error (IDEMPOTENCY_KEY_REUSED, 422), never a
   * silent replay of an unrelated answer. A key remembered without a fingerprint (or a request without one) is
   * compared by its update only.
   */
  replayOf<A extends Answer>(update: string, key: string | undefined, fingerprint?: string): A | undefined {
    if (!key) return undefined;
    const hit = this.idempotency.find((e) => e.key === key);
    if (!hit) return undefined;
    if (hit.update !== update) throw this.reusedKey(key, hit.update, false);
    if (hit.fingerprint && fingerprint && hit.fingerprint !== fingerprint) throw this.reusedKey(key, hit.update, true);
    return hit.answer as A;
  }

  /** The first answer given to a key, whatever the request (null when forgotten or never seen). */
  answerOf(key: string): Answer | null {
    return this.idempotency.find((e) => e.key === key)?.answer ?? null;
  }

  /** Remembers the first answer of a key (a copy: it must stay the first answer whatever changes after it). */
  remember(update: string, key: string | undefined, answer: Answer, fingerprint?: string): void {
    if (!key) return;
    this.idempotency.push({ key, update, ...(fingerprint ? { fingerprint } : {}), answer: JSON.parse(JSON.stringify(answer)) as Answer });
    if (this.idempotency.length > MAX_IDEMPOTENCY_KEYS) this.idempotency.splice(0, this.idempotency.length - MAX_IDEMPOTENCY_KEYS);
  }
}

/**
 * A workflow's journal, run number and data from what its previous run carried; a first run (nothing carried)
 * starts with an empty journal, as run 1, and builds its data itself.
 */
export function resume<Data, Entry extends TimelineEntry, Answer>(
  carried: CarriedState<Data, Entry, Answer> | undefined,
  reusedKey: ReusedKeyFailure,
): { journal: Journal<Entry, Answer>; run: number; data: Data | undefined } {
  return { journal: new Journal<Entry, Answer>(reusedKey, carried?.journal), run: (carried?.run ?? 0) + 1, data: carried?.data };
}

/**
 * Registers one staff update with the journal's idempotency: a repeated key with the same request fingerprint gets
 * its first answer (its validator lets it through), a key used for another update or another body is refused
 * (IDEMPOTENCY_KEY_REUSED, 422); otherwise the validator runs (synchronously: an
 * async validator would never reject), then `run` applies the change and answers, and the answer is remembered.
 * `replay` may find an earlier answer by another key (a payment by its reference). `authorize` runs first, before
 * any replay: a caller who may not change the record gets its refusal, never a remembered answer.
 */
export function journaledUpdate<I extends UpdateMeta, A>(
  j: Journal<TimelineEntry, A>,
  def: UpdateDefinition<A, [I]>,
  name: string,
  validate: (input: I) => void,
  run: (input: I, nowMs: number) => A | Promise<A>,
  replay: (input: I) => A | undefined = () => undefined,
  authorize: (input: I) => void = () => undefined,
): void {
  const remembered = (i: I, answer: A): A => {
    j.remember(name, i.idempotencyKey, answer, i.requestFingerprint);
    return answer;
  };
  setHandler(
    def,
    (i: I): A | Promise<A> => {
      const first = j.replayOf<A>(name, i.idempotencyKey, i.requestFingerprint) ?? replay(i);
      if (first) return first;
      const answer = run(i, Date.now());
      return answer instanceof Promise ? answer.then((a) => remembered(i, a)) : remembered(i, answer);
    },
    {
      validator: (i: I): void => {
        authorize(i);
        if (j.replayOf(name, i.idempotencyKey, i.requestFingerprint)) return;
        validate(i);
      },
    },
  );
}
