/**
 * The core of one parcours: its record and journal (timeline, remembered answers, fired timers, notifications to
 * record), what its stage accepts, how it closes, and its timers and deadlines (from parcours.deadlines.ts). The
 * transitions (parcours.transitions.ts) and the view (parcours.view.ts) build on it; parcours.state.ts assembles
 * the whole. Deterministic: "now" is always passed in (the workflow passes its sandboxed Date.now()).
 */
import { addDays, daysBetween, frDate, isReached, maxDate, timerHourOf, type IsoDate } from '../shared/calendar';
import { FailureType, failure } from '../shared/failures';
import { resume, type Journal } from '../shared/journal';
import { forcedContinueAsNew, type LongLivedState, type Wake } from '../shared/loop';
import { SYSTEM_ACTOR, type Actor, type UpdateMeta } from '../shared/messages';
import type { ParcoursNotificationKind, ParcoursUpdateName, TimelineType } from './parcours.codes';
import { workflowIdFor, type ContinuedParcoursInput, type ParcoursCarriedState, type ParcoursInput } from './parcours.contract';
import { deadlineTable, nextWakeOf, pendingTimers, shownDeadlines, type DeadlineRow, type PendingTimer } from './parcours.deadlines';
import type { ParcoursSettings, SuspensionInput } from './parcours.inputs';
import { CLOSURE_LABELS, UPDATE_LABELS } from './parcours.labels';
import { caseNotice } from './parcours.notices';
import type { ActionRecord, ClosureRecord, DeadlineView, ParcoursRecord, ParcoursView, TimelineEntry } from './parcours.records';
import { ageBandOf, ageOn, beyondGrantedLength } from './parcours.rules';

/** A closure, whatever its path (staff, timer, EPS decision, eligibility): the record without who and when. */
export type Closing = Omit<ClosureRecord, 'by' | 'at'>;

/** A RULE_VIOLATION (→ 422) naming the field at fault. */
export function rule(message: string, details?: Record<string, unknown>): never {
  throw failure(FailureType.RULE_VIOLATION, message, details);
}

/** True for an absent or blank text. */
export function blank(s: string | undefined | null): boolean {
  return !s || s.trim().length === 0;
}

export class CaseState implements LongLivedState {
  record: ParcoursRecord;
  readonly journal: Journal<TimelineEntry, ParcoursView>;
  readonly workflowId: string;
  /** 1 for the first run, then one more at each continue-as-new. */
  readonly run: number;
  /** Updates applied in this run (continue-as-new after `settings.continueAsNewAfterUpdates`). */
  appliedThisRun = 0;
  /** A reassessment cycle completed in this run: continue-as-new. */
  cycleCompleted = false;

  constructor(input: ParcoursInput | ContinuedParcoursInput, nowMs: number) {
    this.workflowId = workflowIdFor(input.dossierId);
    const reusedKey = (key: string, first: string, sameUpdate: boolean) => {
      const label = UPDATE_LABELS[first as ParcoursUpdateName] ?? first;
      const what = sameUpdate ? `a request with another body (${label})` : `another request (${label})`;
      return failure(FailureType.IDEMPOTENCY_KEY_REUSED, `The Idempotency-Key "${key}" was already used for ${what}; use a new key for a new request.`, { idempotencyKey: key, firstRequest: first });
    };
    const carried = resume(input.carried, reusedKey);
    ({ journal: this.journal, run: this.run } = carried);
    if (carried.data) {
      this.record = carried.data;
      return;
    }
    const r = input.referral!;
    const age = ageOn(r.child.birthDate, r.referredOn);
    this.record = {
      dossierId: input.dossierId,
      stage: 'REFERRED',
      referredOn: r.referredOn,
      createdBy: input.createdBy,
      createdAt: input.createdAt,
      childKey: input.childKey,
      settings: input.settings,
      child: r.child,
      guardians: r.guardians,
      orienteur: r.orienteur,
      reasons: r.reasons,
      context: r.context,
      ageOnReferral: age,
      ageBand: ageBandOf(age),
      eligibility: null,
      referentId: input.referentId ?? (input.createdBy.role === 'referent' ? input.createdBy.sub : null),
      consent: null,
      reviews: [],
      objectives: [],
      actions: [],
      plan: null,
      reassessments: [],
      suspension: null,
      suspensions: [],
      unreachableSince: null,
      lifeEvents: [],
      pendingClosure: null,
      derogations: [],
      closure: null,
      seq: { objective: 0, action: 0, reassessment: 0, derogation: 0 },
      updatedAt: new Date(nowMs).toISOString(),
    };
    this.addTimeline(input.createdBy, 'REFERRAL_RECEIVED', `Orientation reçue (orienteur : ${r.orienteur.type}, le ${frDate(r.referredOn)})`, nowMs, r.referredOn);
  }

  /** Everything continue-as-new must carry: the record, and the journal with only the fired timers still in the table. */
  carry(): ParcoursCarriedState {
    const live = new Set(this.deadlineTable().flatMap((row) => row.timers.map((t) => t.key)));
    return { data: this.record, journal: this.journal.snapshot((key) => live.has(key)), run: this.run };
  }

  /** The next run's input: the start input without the referral (the record holds it), and what is carried. */
  continuedInput(input: ParcoursInput | ContinuedParcoursInput): ContinuedParcoursInput {
    const { referral: _referral, carried: _carried, ...rest } = input;
    return { ...rest, carried: this.carry() };
  }

  get closed(): boolean {
    return this.record.stage === 'CLOSED';
  }

  get eligibilityChecked(): boolean {
    return this.record.eligibility !== null;
  }

  protected get settings(): ParcoursSettings {
    return this.record.settings;
  }

  // -------------------------------------------------------------------------------------------------------
  // Bookkeeping
  // -------------------------------------------------------------------------------------------------------

  protected addTimeline(actor: Actor, type: TimelineType, summary: string, nowMs: number, onDate?: IsoDate, meta?: UpdateMeta): void {
    this.journal.add({ actor, type, summary, stage: this.record.stage, onDate, requestedAt: meta?.at, idempotencyKey: meta?.idempotencyKey }, nowMs);
    this.record.updatedAt = new Date(nowMs).toISOString();
  }

  /** Marks a change: the main loop wakes up and recomputes timers, search attributes and details. */
  touch(): void {
    this.journal.touch();
  }

  protected recorded(meta: UpdateMeta, nowMs: number) {
    return { by: { sub: meta.actor.sub, role: meta.actor.role }, at: new Date(nowMs).toISOString() };
  }

  /** Decides a notification: the main loop hands it to the notify activity. */
  protected notify(kind: ParcoursNotificationKind, dueOn: IsoDate, recipients: Array<string | null | undefined>, subject: string, body: string, suffix?: string): void {
    this.journal.outbox.push(caseNotice(this.record, this.workflowId, { kind, dueOn, recipients, subject, body, suffix }));
  }

  // -------------------------------------------------------------------------------------------------------
  // What the case accepts
  // -------------------------------------------------------------------------------------------------------

  /** Updates the case accepts now (besides createReferral, always answered). */
  accepts(): ParcoursUpdateName[] {
    const r = this.record;
    switch (r.stage) {
      case 'CLOSED':
        return [];
      case 'REFERRED':
        return ['recordLifeEvent', 'assignReferent', 'closeParcours'];
      case 'AWAITING_CONSENT':
        return ['recordConsent', 'recordLifeEvent', 'recordDerogation', 'assignReferent', 'closeParcours'];
      case 'AWAITING_TEAM_REVIEW':
        if (r.pendingClosure?.reason === 'CONSENT_WITHDRAWN') return ['recordLifeEvent', 'assignReferent', 'closeParcours'];
        return ['recordTeamReview', 'recordLifeEvent', 'recordDerogation', 'assignReferent', 'closeParcours'];
      case 'ACTIVE':
        if (r.pendingClosure?.reason === 'CONSENT_WITHDRAWN') return ['recordLifeEvent', 'assignReferent', 'closeParcours'];
        return [
          'scheduleAction',
          'changeAction',
          'recordReassessment',
          'renewParcours',
          r.suspension ? 'resumeParcours' : 'suspendParcours',
          'recordLifeEvent',
          'recordDerogation',
          'assignReferent',
          'closeParcours',
        ];
    }
  }

  protected stageSentence(): string {
    const r = this.record;
    const extra = r.suspension ? ` (suspended since ${r.suspension.startsOn})` : r.pendingClosure ? ` (closing ${r.pendingClosure.reason} on ${r.pendingClosure.dueOn})` : '';
    return `The case is in stage ${r.stage}${extra}, which accepts: ${this.accepts().map((u) => UPDATE_LABELS[u]).join(', ')}.`;
  }

  /** Common validation: closed → CLOSED; update not accepted now → INVALID_TRANSITION. */
  assertAccepts(update: ParcoursUpdateName): void {
    const r = this.record;
    if (r.stage === 'CLOSED') {
      const c = r.closure!;
      throw failure(FailureType.CLOSED, `The case is closed (${c.reason} on ${c.closedOn}) and accepts no change.`, { dossierId: r.dossierId, stage: r.stage, closureReason: c.reason });
    }
    if (!this.accepts().includes(update)) this.invalid(this.stageSentence());
  }

  protected invalid(message: string): never {
    const r = this.record;
    throw failure(FailureType.INVALID_TRANSITION, message, { dossierId: r.dossierId, stage: r.stage, accepts: this.accepts().map((u) => UPDATE_LABELS[u]) });
  }

  protected notBefore(date: IsoDate, min: IsoDate, what: string, minWhat: string): void {
    if (date < min) rule(`The ${what} (${date}) is before the ${minWhat} (${min}).`, { field: what });
  }

  // -------------------------------------------------------------------------------------------------------
  // Checks shared by several validators
  // -------------------------------------------------------------------------------------------------------

  /** MORE_INFO decisions of the EPS so far. */
  protected moreInfoCount(): number {
    return this.record.reviews.filter((x) => x.decision === 'MORE_INFO').length;
  }

  /** The maximum total length in months: the settings', or the latest DURATION derogation's (null: no maximum). */
  protected durationCap(): number | null {
    const d = [...this.record.derogations].reverse().find((x) => x.kind === 'DURATION');
    if (!d) return this.settings.maxTotalMonths;
    return d.maxTotalMonths ?? null;
  }

  protected checkObjectiveIds(ids: string[] | undefined): void {
    for (const id of ids ?? []) {
      if (!this.record.objectives.some((o) => o.id === id)) {
        throw failure(FailureType.NOT_FOUND, `The case has no objective "${id}" (objectives: ${this.record.objectives.map((o) => o.id).join(', ') || 'none'}).`, { objectiveId: id });
      }
    }
  }

  /**
   * The granted length is enforced: an action beyond the end of the granted length (one that starts after it) is
   * refused (422, naming the rule) until the EPS renews the parcours. The action's own date is compared, not today's:
   * an action carried out within the granted length may still be recorded late.
   */
  protected checkGrantedLength(startsOn: IsoDate | undefined): void {
    const plan = this.record.plan!;
    if (startsOn !== undefined && beyondGrantedLength(startsOn, plan.endsOn)) {
      rule(`The action starts (${startsOn}) after the end of the granted length (${plan.endsOn}): the EPS must renew the parcours (renewals) or the coordinator close it.`, { field: 'startsOn', code: 'BEYOND_GRANTED_LENGTH', endsOn: plan.endsOn });
    }
  }

  protected checkActionDates(startsOn: IsoDate, endsOn: IsoDate | undefined, sessions: number | undefined): void {
    const plan = this.record.plan!;
    this.notBefore(startsOn, plan.validatedOn, 'action start date', 'validation of the parcours');
    if (endsOn !== undefined && endsOn < startsOn) rule(`The action ends (${endsOn}) before it starts (${startsOn}).`, { field: 'endsOn' });
    if (endsOn === undefined && sessions === undefined) rule('An action needs an end date (endsOn) or a number of sessions (sessions).', { field: 'endsOn' });
    if (sessions !== undefined && (!Number.isInteger(sessions) || sessions < 1)) rule('sessions must be a whole number, at least 1.', { field: 'sessions' });
  }

  protected findAction(id: string): ActionRecord {
    const a = this.record.actions.find((x) => x.id === id);
    if (!a) throw failure(FailureType.NOT_FOUND, `The case has no action "${id}".`, { actionId: id });
    return a;
  }

  /**
   * The latest business date the case's history holds: what was signed, decided, assessed, done, suspended or
   * resumed, or happened. The dates of the history stay in order: a closure a life event leads to is never dated
   * before it (a move recorded late closes at the end of its school year or on this date, whichever is later).
   */
  latestRecordedOn(): IsoDate {
    const r = this.record;
    const dates: IsoDate[] = [r.referredOn, ...r.reviews.map((x) => x.meetingDate), ...r.reassessments.map((x) => x.assessedOn), ...r.lifeEvents.map((x) => x.occurredOn), ...r.derogations.map((x) => x.decidedOn)];
    if (r.consent) dates.push(r.consent.signedOn, ...(r.consent.withdrawnOn ? [r.consent.withdrawnOn] : []));
    for (const x of r.plan?.renewals ?? []) dates.push(x.meetingDate);
    for (const x of [...r.suspensions, ...(r.suspension ? [r.suspension] : [])]) dates.push(x.startsOn, ...(x.resumedOn ? [x.resumedOn] : []));
    for (const a of r.actions) if (a.statusOn) dates.push(a.statusOn);
    return dates.reduce(maxDate);
  }

  // -------------------------------------------------------------------------------------------------------
  // Closing, suspending, resuming (several transitions and timers lead there)
  // -------------------------------------------------------------------------------------------------------

  /** Closes the case (any path): remaining scheduled actions stop, the closure is recorded. */
  close(c: Closing, actor: Actor, nowMs: number, meta?: UpdateMeta): void {
    const r = this.record;
    for (const a of r.actions) {
      if (a.status === 'SCHEDULED') {
        a.status = 'STOPPED';
        a.statusOn = c.closedOn;
      }
    }
    if (r.suspension) {
      r.suspensions.push({ ...r.suspension, resumedOn: c.closedOn });
      r.suspension = null;
    }
    if (r.plan) r.plan.nextReassessmentOn = null;
    r.pendingClosure = null;
    r.closure = { ...c, by: { sub: actor.sub, role: actor.role }, at: new Date(nowMs).toISOString() };
    r.stage = 'CLOSED';
    this.addTimeline(actor, 'CLOSED', `Dossier clos : ${CLOSURE_LABELS[c.reason].closed} (le ${frDate(c.closedOn)})`, nowMs, c.closedOn, meta);
  }

  /** Suspends the case: its reminders pause (and so does the reassessment clock). */
  protected suspend(s: { reason: SuspensionInput['reason']; startsOn: IsoDate; expectedEndOn?: IsoDate; note?: string }, meta: UpdateMeta, nowMs: number): void {
    const r = this.record;
    r.suspension = { ...s, ...this.recorded(meta, nowMs) };
    if (s.reason === 'FAMILY_UNREACHABLE' && !r.unreachableSince) r.unreachableSince = s.startsOn;
    this.addTimeline(meta.actor, 'SUSPENDED', `Parcours suspendu (${s.reason}) à partir du ${frDate(s.startsOn)} : relances en pause`, nowMs, s.startsOn, meta);
  }

  /**
   * Ends the suspension: the reassessment clock was paused, so its due date moves by the suspended days. An unreachable
   * family stays so: only CONTACT_RESTORED ends it (applyLifeEvent), whatever the suspension was for.
   */
  protected resume(resumedOn: IsoDate, meta: UpdateMeta, nowMs: number): void {
    const r = this.record;
    const s = r.suspension!;
    const days = Math.max(0, daysBetween(s.startsOn, resumedOn));
    r.suspensions.push({ ...s, resumedOn });
    r.suspension = null;
    // the family stays unreachable (and LOST_CONTACT keeps its date) until CONTACT_RESTORED: a resumption is no contact
    if (r.plan?.nextReassessmentOn) r.plan.nextReassessmentOn = addDays(r.plan.nextReassessmentOn, days);
    this.addTimeline(meta.actor, 'RESUMED', `Parcours repris le ${frDate(resumedOn)} après ${days} jour(s) de suspension${r.plan?.nextReassessmentOn ? ` ; réévaluation reportée au ${frDate(r.plan.nextReassessmentOn)}` : ''}`, nowMs, resumedOn, meta);
    // Reminders whose time passed during the suspension are not sent afterwards.
    const skipped = this.timers().filter((t) => t.pausable && isReached(t.fireOn, nowMs, timerHourOf(this.settings)));
    for (const t of skipped) this.journal.fired.add(t.key);
    if (skipped.length > 0) this.addTimeline(SYSTEM_ACTOR, 'REMINDERS_SKIPPED', `${skipped.length} relance(s) échue(s) pendant la suspension non envoyée(s)`, nowMs, resumedOn);
  }

  // -------------------------------------------------------------------------------------------------------
  // Timers and deadlines: derived from the one table of parcours.deadlines.ts
  // -------------------------------------------------------------------------------------------------------

  protected deadlineTable(): DeadlineRow[] {
    return deadlineTable(this.record, this.workflowId);
  }

  /** Every timer the case needs now that has not fired yet (suspended: reminders left out), soonest first. */
  timers(): PendingTimer[] {
    return pendingTimers(this.record, this.deadlineTable(), this.journal.fired);
  }

  /** The open deadlines of the case, soonest first. */
  deadlines(nowMs: number): DeadlineView[] {
    return shownDeadlines(this.record, this.deadlineTable(), nowMs);
  }

  /** The next instant the case must wake up at: a timer, or a staff deadline becoming overdue. */
  nextWake(nowMs: number): Wake | null {
    return nextWakeOf(this.record, this.deadlineTable(), this.journal.fired, nowMs);
  }

  /** Fires every timer due at `nowMs`, in date order; a closure stops the rest. Returns how many fired. */
  fireDue(nowMs: number): number {
    let count = 0;
    while (!this.closed) {
      const next = this.timers().find((t) => isReached(t.fireOn, nowMs, timerHourOf(this.settings)));
      if (!next) break;
      this.journal.fired.add(next.key);
      count += 1;
      const effect = next.effect;
      if (effect.type === 'notify') {
        this.journal.outbox.push(effect.request);
        this.addTimeline(SYSTEM_ACTOR, effect.timeline, effect.text, nowMs, effect.request.dueOn);
      } else {
        const r = this.record;
        this.close({ reason: effect.reason, closedOn: effect.closedOn, summary: effect.summary }, SYSTEM_ACTOR, nowMs);
        this.notify('CASE_CLOSED', effect.closedOn, [r.referentId, this.settings.coordinatorId], 'Dossier clos automatiquement', `Le dossier a été clos le ${frDate(effect.closedOn)} (motif : ${CLOSURE_LABELS[effect.reason].closed}). Aucune action n'est plus possible ; informer la famille et les partenaires si nécessaire.`);
      }
    }
    if (count > 0) this.touch();
    return count;
  }

  // -------------------------------------------------------------------------------------------------------
  // The long-lived loop's questions
  // -------------------------------------------------------------------------------------------------------

  finished(): boolean {
    return this.closed;
  }

  continueAsNewReason(): string | null {
    return forcedContinueAsNew(this.settings, this.appliedThisRun) ?? (this.cycleCompleted ? 'reassessment cycle' : null);
  }
}
