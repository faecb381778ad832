/**
 * The main loop of the three long-lived workflows (parcours, convention, funding year), written once: publish what
 * the Temporal UI shows when it changes, hand every decided notification to its own activity, fire what is due,
 * continue-as-new when Temporal suggests it (or the feature asks), and wait for the next change or timer.
 * Deterministic: workflow code only.
 */
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ActivityOptions, LocalActivityOptions, SearchAttributeUpdatePair } from '@temporalio/common';
import type { Activities } from '../../activities/index';
import type { NotificationRequest } from '../../activities/notifications.types';
import { ui } from './ui-text';

/**
 * A notification must eventually be recorded, however long Temporal refuses its record: unlimited retries (the
 * activity is idempotent by key — its record is the notification workflow of that key — so a retry never sends
 * twice; the e-mails are that workflow's own business, a mail server down holds back nothing here).
 */
export const NOTIFY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes', backoffCoefficient: 2 },
};

const notifier = proxyActivities<Activities>(NOTIFY_OPTIONS);

/**
 * Since issue 17 the notify activity runs as a local activity: it only starts the notification workflow of its key
 * (a call to Temporal, idempotent by key), so it needs no activity task of its own — no ACTIVITY_TASK_SCHEDULED/
 * STARTED/COMPLETED events and no second workflow task to learn its result: the record is decided in the workflow
 * task that decided the notification (a marker holds its result). Same retries as before, each on a durable timer.
 * Patched: the histories recorded before used the activity.
 */
export const NOTIFY_LOCAL_PATCH = 'notify-by-local-activity';

export const NOTIFY_LOCAL_OPTIONS: LocalActivityOptions = {
  // a local activity holds its workflow task while it runs (updates and signals wait for it): one attempt is a
  // start of a workflow, milliseconds; one that hangs is cut after 10 s
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes', backoffCoefficient: 2 },
  // every retry waits on a durable timer, never inside a held workflow task: a notification Temporal keeps refusing
  // holds back no update of its workflow
  localRetryThreshold: '1 second',
};

const localNotifier = proxyLocalActivities<Activities>(NOTIFY_LOCAL_OPTIONS);

/** The next instant a workflow must wake up at, and what the timer is for (its summary in the Temporal UI). */
export interface Wake {
  atMs: number;
  summary: string;
}

/** What the loop needs of a workflow's state. */
export interface LongLivedState {
  /** Decided notifications not yet recorded, and the change counter the loop waits on (the journal's). */
  readonly journal: { outbox: NotificationRequest[]; version: number };
  /** Nothing left to do but finish: the case is closed, the convention completed, the year closed. */
  finished(): boolean;
  /** Fires what is due at `nowMs` (reminders, escalations, automatic closures); how many fired. */
  fireDue(nowMs: number): number;
  /** The next instant to wake up at if nothing happens before, or null. */
  nextWake(nowMs: number): Wake | null;
  /** Why to continue-as-new now besides Temporal's suggestion (tests force it, a cycle ends), or null. */
  continueAsNewReason(): string | null;
}

/** What the loop does for a workflow besides its state. */
export interface LoopHooks {
  /** Search attributes, memo and current details after a change (a `Publisher`). */
  publish(nowMs: number): void;
  /** The notification activity's summary in the Temporal UI (no personal data). */
  notificationSummary(req: NotificationRequest): string;
  /** Other work of each turn (start the years, tell the parent); resolves true to go round again at once. */
  chores?(): Promise<boolean>;
  /** Work waiting for `chores`: the loop wakes up for it. */
  choresPending?(): boolean;
}

/**
 * The patch of issue 17: the loop keeps its timer while the next wake-up stays where it was (an update that moves no
 * deadline no longer cancels and restarts it: two history events and a server timer fewer per update). The runs
 * whose history has no marker keep re-arming it on every change, as they did.
 */
export const KEEP_TIMER_PATCH = 'loop-keeps-unchanged-timer';

/**
 * The patch of the due timer: a timer whose instant the workflow's clock has already reached is never cancelled, the
 * loop waits for its fire (due, it fires at once) and only then arms the next one. A convention and its last year
 * wake at the same instant (the day after the final report date): the year's timer fires first, its signal reaches
 * the convention a few milliseconds past that instant, before the convention's own timer has fired, and the
 * convention used to cancel it (its next wake had moved on) while the server was firing it. Temporal's server drops
 * the buffered fire, but the time-skipping test server refuses that completion ("invalid history builder state for
 * action", temporalio/sdk-java#2606 and #3088) and never hands the task out again: the run stalls and the test
 * server's clock stays locked. The runs whose history has no marker keep cancelling it, as they did.
 */
export const DUE_TIMER_PATCH = 'loop-waits-for-due-timer';

/** The timer the loop waits on: its instant, whether it fired, its scope (cancelled when the instant moves). */
interface ArmedTimer {
  atMs: number;
  fired: boolean;
  scope: CancellationScope;
}

/** How a run of the loop ends: the workflow is finished, or it must continue-as-new (and why). */
type LoopEnd = { finished: true } | { finished: false; continueAsNew: string };

/** 'forced' once `applied` updates reached the tests' `continueAsNewAfterUpdates` (0 or absent: never). */
export function forcedContinueAsNew(settings: { continueAsNewAfterUpdates?: number }, applied: number): 'forced' | null {
  const after = settings.continueAsNewAfterUpdates ?? 0;
  return after > 0 && applied >= after ? 'forced' : null;
}

/**
 * Publishes what the Temporal UI shows, each part only when it changed: search attributes (off on a server without
 * the custom attributes), memo and current details.
 */
export class Publisher {
  private searchAttributes = '';
  private memo = '';
  private details = '';

  constructor(private readonly searchAttributesOn: boolean) {}

  publish(p: { searchAttributes: SearchAttributeUpdatePair[]; details: string; memo?: Record<string, unknown> }): void {
    if (this.searchAttributesOn) {
      const fingerprint = JSON.stringify(p.searchAttributes.map((a) => [a.key.name, a.value instanceof Date ? a.value.toISOString() : a.value]));
      if (fingerprint !== this.searchAttributes) {
        upsertSearchAttributes(p.searchAttributes);
        this.searchAttributes = fingerprint;
      }
    }
    if (p.memo) {
      const memo = JSON.stringify(p.memo);
      if (memo !== this.memo) {
        upsertMemo(JSON.parse(memo) as Record<string, unknown>);
        this.memo = memo;
      }
    }
    if (p.details !== this.details) {
      setCurrentDetails(p.details);
      this.details = p.details;
    }
  }
}

/**
 * The loop. Each decided notification is recorded by its own activity, all at once and without holding the
 * workflow: one the mail server keeps refusing (retried for as long as it takes) delays neither the next ones — an
 * urgent safeguarding escalation above all — nor the timers, the updates' answers or the years a convention starts.
 */
export class LongLivedLoop {
  private readonly inFlight = new Set<string>();
  private timer?: ArmedTimer;

  constructor(
    private readonly state: LongLivedState,
    private readonly hooks: LoopHooks,
  ) {}

  private get outbox(): NotificationRequest[] {
    return this.state.journal.outbox;
  }

  /** Decided notifications not handed to an activity yet. */
  private undelivered(): boolean {
    return this.outbox.some((r) => !this.inFlight.has(r.key));
  }

  private choresPending(): boolean {
    return this.hooks.choresPending?.() ?? false;
  }

  /**
   * Hands every decided notification to its own (local) activity and returns at once. A notification the activity gives up
   * on (a non-retryable refusal: it can never be recorded) is logged and dropped, so that it fails neither a workflow
   * task nor the workflow, and never holds a continue-as-new or a closure.
   */
  notify(): void {
    for (const req of this.outbox) {
      if (this.inFlight.has(req.key)) continue;
      this.inFlight.add(req.key);
      const settled = () => {
        this.inFlight.delete(req.key);
        const i = this.outbox.findIndex((r) => r.key === req.key);
        if (i >= 0) this.outbox.splice(i, 1);
      };
      const summary = ui(this.hooks.notificationSummary(req));
      const recorded = patched(NOTIFY_LOCAL_PATCH)
        ? localNotifier.notify.executeWithOptions({ ...NOTIFY_LOCAL_OPTIONS, summary }, [req])
        : notifier.notify.executeWithOptions({ ...NOTIFY_OPTIONS, summary }, [req]);
      void recorded.then(settled, (err: unknown) => {
        log.error('notification given up: the activity refused it for good', { key: req.key, kind: req.kind, error: err instanceof Error ? err.message : String(err) });
        settled();
      });
    }
  }

  /** Until every decided notification is recorded (before continuing-as-new and before finishing). */
  async allNotified(): Promise<void> {
    this.notify();
    await condition(() => this.outbox.length === 0);
  }

  /**
   * Runs the workflow to its end: when continue-as-new is due, logs why (with `context`: ids, never personal data)
   * and calls `next`, which continues-as-new; otherwise, once finished, makes the last turn (`finish`).
   */
  async runToEnd(context: Record<string, unknown>, next: () => Promise<never>): Promise<void> {
    const end = await this.run();
    if (!end.finished) {
      log.info('continuing as new', { ...context, reason: end.continueAsNew });
      return next();
    }
    await this.finish();
  }

  /**
   * The timer for `wake`: the one already armed if its instant is the same, else a new one (the old one cancelled).
   * An armed timer already due by the workflow's clock (`nowMs`) is kept whatever `wake` says: it fires at once, and
   * the next turn arms the timer for the next wake (DUE_TIMER_PATCH).
   */
  private armed(wake: Wake, nowMs: number): ArmedTimer {
    if (this.timer && this.timer.atMs === wake.atMs && !this.timer.fired) return this.timer;
    if (this.dueTimerKept(nowMs)) return this.timer!;
    this.disarm();
    const scope = new CancellationScope();
    const timer: ArmedTimer = { atMs: wake.atMs, fired: false, scope };
    scope.run(() => sleep(Math.max(1, wake.atMs - nowMs), { summary: ui(wake.summary) })).then(
      () => {
        timer.fired = true;
      },
      () => undefined, // cancelled: the instant moved
    );
    this.timer = timer;
    return timer;
  }

  private disarm(): void {
    if (this.timer && !this.timer.fired) this.timer.scope.cancel();
    this.timer = undefined;
  }

  /**
   * The timer to wait on for `wake`, or none (the armed one cancelled) when there is nothing to wake for, unless the
   * armed one is due: it is waited for all the same (DUE_TIMER_PATCH), and the next turn waits on changes alone.
   */
  private timerFor(wake: Wake | null, nowMs: number): ArmedTimer | undefined {
    if (wake) return this.armed(wake, nowMs);
    if (this.dueTimerKept(nowMs)) return this.timer;
    this.disarm();
    return undefined;
  }

  /** Whether the armed timer is due at `nowMs` and, in a run with DUE_TIMER_PATCH, must not be cancelled. */
  private dueTimerKept(nowMs: number): boolean {
    return !!this.timer && !this.timer.fired && this.timer.atMs <= nowMs && patched(DUE_TIMER_PATCH);
  }

  /** Turns until the workflow is finished or must continue-as-new. */
  private async run(): Promise<LoopEnd> {
    const keepTimer = patched(KEEP_TIMER_PATCH);
    try {
      return await this.turns(keepTimer);
    } finally {
      // A due timer is left to fire (the run is finishing or continuing-as-new: nothing waits on it any more).
      if (keepTimer && !this.dueTimerKept(Date.now())) this.disarm();
    }
  }

  private async turns(keepTimer: boolean): Promise<LoopEnd> {
    const s = this.state;
    for (;;) {
      this.notify();
      if (this.hooks.chores && (await this.hooks.chores())) continue;
      if (s.finished()) return { finished: true };
      const now = Date.now();
      if (s.fireDue(now) > 0) {
        this.hooks.publish(now);
        continue;
      }
      const reason = workflowInfo().continueAsNewSuggested ? 'history' : s.continueAsNewReason();
      if (reason) {
        await condition(allHandlersFinished);
        await this.allNotified();
        // Updates applied meanwhile may have decided notifications, left chores or finished the workflow: go round again.
        if (s.finished() || this.outbox.length > 0 || this.choresPending()) continue;
        return { finished: false, continueAsNew: reason };
      }
      const wake = s.nextWake(now);
      const version = s.journal.version;
      const woken = () => s.journal.version !== version || this.undelivered() || this.choresPending() || workflowInfo().continueAsNewSuggested;
      if (keepTimer) {
        const timer = this.timerFor(wake, now);
        await condition(() => !!timer?.fired || woken());
        if (timer?.fired) {
          this.timer = undefined;
          const at = Date.now();
          s.fireDue(at);
          this.hooks.publish(at);
        }
        continue;
      }
      if (!wake) {
        await condition(woken);
        continue;
      }
      const changed = await condition(woken, Math.max(1, wake.atMs - now), { summary: ui(wake.summary) });
      if (!changed) {
        const at = Date.now();
        s.fireDue(at);
        this.hooks.publish(at);
      }
    }
  }

  /** The last turn of a finished workflow: publish, let the handlers finish, record every notification, last chores. */
  private async finish(): Promise<void> {
    this.hooks.publish(Date.now());
    await condition(allHandlersFinished);
    await this.allNotified();
    if (this.hooks.chores) await this.hooks.chores();
  }
}
