/**
 * What every long-lived workflow (parcours, convention, funding year) keeps besides its business data, written once:
 * the timeline, the remembered Idempotency-Keys (each with the fingerprint of its request), the keys of the timers
 * already fired, and the notifications decided but not yet recorded by the activity. Plain data, carried across
 * continue-as-new, so an Idempotency-Key is still recognised in every run (Temporal's own update-id dedup is per run).
 *
 * What is carried is bounded (DOMAIN.md "Cases that never outgrow Temporal"): at most MAX_IDEMPOTENCY_KEYS keys,
 * each a few hundred bytes; a key's whole first answer is carried only within a byte budget (none for the parcours,
 * whose answer is re-derived from the current state); a journal may carry only the latest timeline entries (with the
 * count of the earlier ones) and only the fired timers its workflow still has.
 */
import { setHandler } from '@temporalio/workflow';
import type { ApplicationFailure, UpdateDefinition } from '@temporalio/common';
import type { NotificationRequest } from '../../activities/notifications.types';
import type { IdempotencyEntry, TimelineEntry, TimelineTail, UpdateMeta } from './messages';

/** How many Idempotency-Keys (with their request fingerprint) a workflow remembers, across continue-as-new. */
export const MAX_IDEMPOTENCY_KEYS = 100;

/** How many first answers given in the current run a journal holds in memory (the latest), besides those carried. */
export const RUN_ANSWERS = 20;

/** Default byte budget of the whole first answers a journal carries across continue-as-new (newest first). */
export const CARRIED_ANSWER_BYTES = 64 * 1024;

/** UTF-8 bytes of a value's JSON (what a payload of it weighs with the JSON payload converter). */
export function jsonBytes(value: unknown): number {
  const s = JSON.stringify(value) ?? '';
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i += 1;
    } else n += 3;
  }
  return n;
}

/** How a journal bounds what it carries (all optional: by default it carries everything but the oldest keys). */
export interface JournalOptions<Answer> {
  /**
   * The answer of a remembered key whose first answer is no longer held (given in an earlier run and not carried):
   * re-derived from the current state (the parcours: the case as it now stands). Without it, answers are carried
   * within `answerBytes`, and a key past the budget is answered with what this returns.
   */
  rederive?: (entry: IdempotencyEntry<Answer>, nowMs: number) => Answer;
  /** Bytes of whole first answers carried (newest first); default CARRIED_ANSWER_BYTES, 0 with `rederive`. */
  answerBytes?: number;
  /** Timeline entries carried (the latest); default: all. */
  timelineEntries?: number;
}

/** What a journal carries across continue-as-new. */
export interface JournalSnapshot<Entry extends TimelineEntry = TimelineEntry, Answer = unknown> {
  timeline: Entry[];
  /** Entries recorded before `timeline[0]` and no longer carried (absent: none). */
  elided?: number;
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
  /** Entries of earlier runs no longer carried (they precede `timeline[0]`). */
  elided = 0;
  seq = 0;
  /** The remembered keys, oldest first: key, update, fingerprint, and the first answer while it is carried. */
  idempotency: Array<IdempotencyEntry<Answer>> = [];
  fired = new Set<string>();
  outbox: NotificationRequest[] = [];
  /** Bumped at every change: the main loop wakes on it. */
  version = 0;
  /** The latest first answers given in this run, by key (at most RUN_ANSWERS; carried only within the budget). */
  private readonly answers = new Map<string, Answer>();
  private options: JournalOptions<Answer> = {};

  constructor(
    private readonly reusedKey: ReusedKeyFailure,
    snapshot?: JournalSnapshot<Entry, Answer>,
  ) {
    if (snapshot) {
      this.timeline = snapshot.timeline;
      this.elided = snapshot.elided ?? 0;
      this.seq = snapshot.seq;
      this.idempotency = snapshot.idempotency;
      this.fired = new Set(snapshot.fired);
      this.outbox = snapshot.outbox;
    }
  }

  /** How this journal bounds what it carries (set once, by the workflow that owns it). */
  bound(options: JournalOptions<Answer>): this {
    this.options = options;
    return this;
  }

  /**
   * What continue-as-new carries: the remembered keys (their whole first answers only within the byte budget, newest
   * first), the latest timeline entries, the fired timers `keepFired` still needs (default: all), the outbox.
   */
  snapshot(keepFired: (key: string) => boolean = () => true): JournalSnapshot<Entry, Answer> {
    const o = this.options;
    let budget = o.answerBytes ?? (o.rederive ? 0 : CARRIED_ANSWER_BYTES);
    const keys = this.idempotency.slice(-MAX_IDEMPOTENCY_KEYS);
    const idempotency: Array<IdempotencyEntry<Answer>> = [];
    for (let i = keys.length - 1; i >= 0; i--) {
      const { answer: carried, ...ref } = keys[i];
      const answer = this.answers.get(ref.key) ?? carried;
      const size = answer === undefined ? 0 : jsonBytes(answer);
      if (answer !== undefined && size <= budget) {
        budget -= size;
        idempotency.unshift({ ...ref, answer });
      } else idempotency.unshift(ref);
    }
    const keep = o.timelineEntries ?? this.timeline.length;
    const cut = Math.max(0, this.timeline.length - keep);
    return {
      timeline: this.timeline.slice(cut),
      ...(this.elided + cut > 0 ? { elided: this.elided + cut } : {}),
      seq: this.seq,
      idempotency,
      fired: [...this.fired].filter(keepFired),
      outbox: this.outbox,
    };
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

  /** The last `n` entries, as a view embeds them; `count` is every entry ever recorded (elided ones included). */
  tail(n: number): TimelineTail<Entry> {
    return { count: this.elided + this.timeline.length, last: this.timeline.slice(-n) };
  }

  /**
   * The first answer of a repeated Idempotency-Key, or undefined. The same key on another kind of request, or on the
   * same kind with another fingerprint (another body), is a client error (IDEMPOTENCY_KEY_REUSED, 422), never a
   * silent replay of an unrelated answer. A key remembered without a fingerprint (or a request without one) is
   * compared by its update only.
   */
  replayOf<A extends Answer>(update: string, key: string | undefined, fingerprint?: string, nowMs = 0): A | undefined {
    const hit = this.recognised(update, key, fingerprint);
    return hit ? (this.answerTo(hit, nowMs) as A) : undefined;
  }

  /**
   * The remembered key of a repeated request (undefined for a new key); the same key on another request is refused
   * (IDEMPOTENCY_KEY_REUSED) as in `replayOf`.
   */
  recognised(update: string, key: string | undefined, fingerprint?: string): IdempotencyEntry<Answer> | undefined {
    if (!key) return undefined;
    const hit = this.idempotency.find((e) => e.key === key);
    if (!hit) return undefined;
    if (hit.update !== update) throw this.reusedKey(key, hit.update, false);
    if (hit.fingerprint && fingerprint && hit.fingerprint !== fingerprint) throw this.reusedKey(key, hit.update, true);
    return hit;
  }

  /**
   * The answer to a remembered key: its first answer while this run or the carried budget holds it, else re-derived
   * from the current state (`rederive`).
   */
  private answerTo(e: IdempotencyEntry<Answer>, nowMs: number): Answer {
    const held = this.answers.get(e.key) ?? e.answer;
    if (held !== undefined) return held;
    if (!this.options.rederive) throw new Error(`no answer to replay for a remembered key (${e.update})`);
    return this.options.rederive(e, nowMs);
  }

  /** The answer a key replays, whatever the request (null when forgotten or never seen). */
  answerOf(key: string, nowMs = 0): Answer | null {
    const hit = this.idempotency.find((e) => e.key === key);
    return hit ? this.answerTo(hit, nowMs) : null;
  }

  /**
   * Remembers a key with the fingerprint of its request, the journal's sequence number once it was applied and, for
   * this run, its first answer (a copy: it must stay the first answer whatever changes after it).
   */
  remember(update: string, key: string | undefined, answer: Answer, fingerprint?: string): void {
    if (!key) return;
    this.idempotency.push({ key, update, ...(fingerprint ? { fingerprint } : {}), seq: this.seq });
    this.answers.set(key, JSON.parse(JSON.stringify(answer)) as Answer);
    if (this.answers.size > RUN_ANSWERS) this.answers.delete(this.answers.keys().next().value as string);
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
      const first = j.replayOf<A>(name, i.idempotencyKey, i.requestFingerprint, Date.now()) ?? replay(i);
      if (first) return first;
      const answer = run(i, Date.now());
      return answer instanceof Promise ? answer.then((a) => remembered(i, a)) : remembered(i, answer);
    },
    {
      validator: (i: I): void => {
        authorize(i);
        if (j.recognised(name, i.idempotencyKey, i.requestFingerprint)) return;
        validate(i);
      },
    },
  );
}
