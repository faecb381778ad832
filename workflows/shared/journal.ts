/**
 * What the convention and each funding year keep besides their business data: the timeline, the remembered
 * idempotency keys, the reminders decided (sent or skipped) and the notifications waiting for the activity. Plain
 * data, carried across continue-as-new.
 */
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { NotificationRequest } from '../../activities/notifications.types';
import type { Actor, ConventionTimelineType, FundingDeadlineKind, IdempotencyEntry, ReminderRecord, TimelineEntry, UpdateMeta } from '../convention/convention.contract';
import { dateOf, instantOf, isReached, type IsoDate } from '../convention/convention.rules';
import { FailureType } from './failures';

/** How many idempotency keys (with their first answer) a workflow remembers, across continue-as-new. */
export const MAX_IDEMPOTENCY_KEYS = 100;
/** Entries of the timeline shown in a view (the query `get…Timeline` gives them all). */
export const VIEW_TIMELINE_ENTRIES = 10;

/** A non-retryable domain failure (the API maps `type` to an HTTP status). */
export function failure(type: FailureType, message: string, details?: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: details ? [details] : undefined });
}

/** A reminder or escalation that a deadline calls for (recomputed from the state each time). */
export interface ReminderPlan {
  kind: string;
  /** The deadline it belongs to: of a group reached together, only the latest is sent. */
  deadline: FundingDeadlineKind;
  dueOn: IsoDate;
  fireOn: IsoDate;
  /** Timeline type when sent. */
  type: Extract<ConventionTimelineType, 'REMINDER_SENT' | 'ESCALATION_SENT' | 'PAYMENT_AT_RISK'>;
  /** French timeline summary. */
  summary: string;
  notification: () => Omit<NotificationRequest, 'key' | 'kind' | 'dueOn' | 'workflowId'>;
}

export interface JournalSnapshot {
  timeline: TimelineEntry[];
  seq: number;
  idempotency: Array<IdempotencyEntry<unknown>>;
  reminders: ReminderRecord[];
  fired: string[];
  outbox: NotificationRequest[];
  pendingEvents: TimelineEntry[];
}

export class Journal {
  timeline: TimelineEntry[] = [];
  seq = 0;
  idempotency: Array<IdempotencyEntry<unknown>> = [];
  reminders: ReminderRecord[] = [];
  fired = new Set<string>();
  outbox: NotificationRequest[] = [];
  /** Entries not yet reported to the parent (funding years only). */
  pendingEvents: TimelineEntry[] = [];
  /** Bumped at every change: the main loop wakes on it. */
  version = 0;

  constructor(
    readonly workflowId: string,
    private readonly collectEvents = false,
    snapshot?: JournalSnapshot,
  ) {
    if (snapshot) {
      this.timeline = snapshot.timeline;
      this.seq = snapshot.seq;
      this.idempotency = snapshot.idempotency;
      this.reminders = snapshot.reminders;
      this.fired = new Set(snapshot.fired);
      this.outbox = snapshot.outbox;
      this.pendingEvents = snapshot.pendingEvents;
    }
  }

  snapshot(): JournalSnapshot {
    return {
      timeline: this.timeline,
      seq: this.seq,
      idempotency: this.idempotency,
      reminders: this.reminders,
      fired: [...this.fired],
      outbox: this.outbox,
      pendingEvents: this.pendingEvents,
    };
  }

  add(
    actor: Actor,
    type: ConventionTimelineType,
    summary: string,
    stage: string,
    nowMs: number,
    extra: { requestedAt?: string; onDate?: IsoDate; year?: number; idempotencyKey?: string } = {},
  ): TimelineEntry {
    this.seq += 1;
    const entry: TimelineEntry = { seq: this.seq, at: new Date(nowMs).toISOString(), actor, type, summary, stage };
    if (extra.requestedAt) entry.requestedAt = extra.requestedAt;
    if (extra.onDate) entry.onDate = extra.onDate;
    if (extra.year !== undefined) entry.year = extra.year;
    if (extra.idempotencyKey) entry.idempotencyKey = extra.idempotencyKey;
    this.timeline.push(entry);
    if (this.collectEvents) this.pendingEvents.push(entry);
    this.version += 1;
    return entry;
  }

  /** Appends an entry recorded elsewhere (a year's event in the convention's timeline), renumbered. */
  mirror(entry: TimelineEntry, year: number): void {
    this.seq += 1;
    this.timeline.push({ ...entry, seq: this.seq, year });
  }

  lastEntries(): { count: number; last: TimelineEntry[] } {
    return { count: this.timeline.length, last: this.timeline.slice(-VIEW_TIMELINE_ENTRIES) };
  }

  /**
   * The first answer of a repeated Idempotency-Key, or undefined. The same key on another kind of request is a
   * client error: DUPLICATE (409), never a silent replay of an unrelated answer.
   */
  replayOf<A>(update: string, key: string | undefined): A | undefined {
    if (!key) return undefined;
    const hit = this.idempotency.find((e) => e.key === key);
    if (!hit) return undefined;
    if (hit.update !== update) {
      throw failure(FailureType.DUPLICATE, `The Idempotency-Key ${key} was already used for another request (${hit.update}); use a new key for this one.`, { idempotencyKey: key });
    }
    return hit.answer as A;
  }

  remember(update: string, key: string | undefined, answer: unknown): void {
    if (!key) return;
    // A copy: the answer must stay the first answer, whatever changes after it.
    this.idempotency.push({ key, update, answer: JSON.parse(JSON.stringify(answer)) as unknown });
    if (this.idempotency.length > MAX_IDEMPOTENCY_KEYS) this.idempotency.splice(0, this.idempotency.length - MAX_IDEMPOTENCY_KEYS);
  }

  private static id(p: ReminderPlan): string {
    return `${p.kind}:${p.dueOn}`;
  }

  /**
   * Sends the reminders reached by `nowMs`. When several of one deadline are reached together (a year started
   * late, a worker down for days), only the latest is sent and the others are recorded as skipped: staff get the
   * current state of the deadline once, not a burst of stale reminders. Returns how many were decided.
   */
  fireDue(plans: readonly ReminderPlan[], nowMs: number, stage: string, year?: number): number {
    const due = plans.filter((p) => !this.fired.has(Journal.id(p)) && isReached(p.fireOn, nowMs));
    if (due.length === 0) return 0;
    const groups = new Map<string, ReminderPlan[]>();
    for (const p of due) {
      const g = `${p.deadline}:${p.dueOn}`;
      groups.set(g, [...(groups.get(g) ?? []), p]);
    }
    const at = new Date(nowMs).toISOString();
    for (const group of groups.values()) {
      group.sort((a, b) => (a.fireOn < b.fireOn ? -1 : a.fireOn > b.fireOn ? 1 : 0));
      const send = group[group.length - 1];
      const skipped = group.slice(0, -1);
      for (const p of skipped) {
        this.fired.add(Journal.id(p));
        this.reminders.push({ kind: p.kind, dueOn: p.dueOn, fireOn: p.fireOn, at, skipped: true });
      }
      if (skipped.length > 0) {
        this.add({ sub: 'system', role: 'system' }, 'REMINDERS_SKIPPED', `${skipped.length} relance(s) dépassée(s) non envoyée(s) (${skipped.map((p) => p.kind).join(', ')}) : seule la plus récente l'est`, stage, nowMs, { onDate: dateOf(nowMs), year });
      }
      this.fired.add(Journal.id(send));
      this.reminders.push({ kind: send.kind, dueOn: send.dueOn, fireOn: send.fireOn, at, skipped: false });
      this.outbox.push({ ...send.notification(), key: `${this.workflowId}:${send.kind}:${send.dueOn}`, kind: send.kind, dueOn: send.dueOn, workflowId: this.workflowId });
      this.add({ sub: 'system', role: 'system' }, send.type, send.summary, stage, nowMs, { onDate: send.fireOn, year });
    }
    return due.length;
  }

  /**
   * The next reminder to wait for, or the next date a deadline becomes overdue (`overdueFrom`): the workflow wakes
   * then too, so its search attributes and queries say "overdue" from that day, not from its next change.
   */
  nextWake(plans: readonly ReminderPlan[], overdueFrom: readonly IsoDate[], nowMs: number): { atMs: number; summary: string } | null {
    let best: { atMs: number; summary: string } | null = null;
    for (const p of plans) {
      if (this.fired.has(Journal.id(p))) continue;
      const atMs = instantOf(p.fireOn);
      if (!best || atMs < best.atMs) best = { atMs, summary: `${p.kind} ${p.fireOn}` };
    }
    for (const d of overdueFrom) {
      const atMs = instantOf(d);
      if (atMs > nowMs && (!best || atMs < best.atMs)) best = { atMs, summary: `Échéance dépassée ${d}` };
    }
    return best;
  }
}

/**
 * Registers one staff update of a convention or funding year with the journal's idempotency: a repeated key gets
 * its first answer (its validator lets it through), a key used for another update is a DUPLICATE; otherwise the
 * validator runs, then `run` applies the change and answers, and the answer is remembered. `replay` may find an
 * earlier answer by another key (a payment by its reference).
 */
export function journaledUpdate<I extends UpdateMeta, A>(
  j: Journal,
  def: UpdateDefinition<A, [I]>,
  name: string,
  validate: (input: I) => void,
  run: (input: I, nowMs: number) => A | Promise<A>,
  replay: (input: I) => A | undefined = () => undefined,
): void {
  const remembered = (i: I, answer: A): A => {
    j.remember(name, i.idempotencyKey, answer);
    return answer;
  };
  setHandler(
    def,
    (i: I): A | Promise<A> => {
      const first = j.replayOf<A>(name, i.idempotencyKey) ?? replay(i);
      if (first) return first;
      const answer = run(i, Date.now());
      return answer instanceof Promise ? answer.then((a) => remembered(i, a)) : remembered(i, answer);
    },
    {
      validator: (i: I): void => {
        if (j.replayOf(name, i.idempotencyKey)) return;
        validate(i);
      },
    },
  );
}
