/**
 * The state of one parcours and every rule that changes it: validators (throw ApplicationFailure), appliers,
 * the timers the case needs now, its deadlines, its search attributes and its view. Deterministic: "now" is
 * always passed in (the workflow passes its sandboxed Date.now()).
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { NotificationRequest } from '../../activities/notifications.types';
import { FailureType } from '../shared/failures';
import {
  ACTION_TYPES,
  CLOSURE_REASONS,
  DEFAULT_RETENTION_MONTHS,
  SYSTEM_ACTOR,
  workflowIdFor,
  searchAttributeDate,
  type ActionInput,
  type ActionPatchInput,
  type ActionRecord,
  type ActionType,
  type Actor,
  type ClosureInput,
  type ClosureReason,
  type ConsentInput,
  type DeadlineKind,
  type DeadlineView,
  type DerogationInput,
  type EligibilityRecord,
  type IdempotencyEntry,
  type LifeEventInput,
  type ParcoursCarriedState,
  type ParcoursClosingSummary,
  type ParcoursInput,
  type ParcoursNotificationKind,
  type ParcoursRecord,
  type ParcoursStage,
  type ParcoursUpdateName,
  type ParcoursView,
  type ReassessmentInput,
  type ReferentAssignmentInput,
  type RenewalInput,
  type ResumptionInput,
  type RetentionView,
  type SuspensionInput,
  type TeamReviewInput,
  type TimelineEntry,
  type TimelineType,
  type UpdateMeta,
} from './parcours.contract';
import {
  addDays,
  addMonths,
  ageBandOf,
  ageLimitOn,
  ageOn,
  birthdayOn,
  AGE_DEROGATION_LIMIT,
  AGE_LIMIT,
  dateOf,
  daysBetween,
  frDate,
  instantOf,
  isOverdue,
  isReached,
  schoolYearEnd,
  schoolYearOf,
  type IsoDate,
} from './parcours.rules';
import { PRE_AGE_BAND, PRE_CHILD_KEY, PRE_CLOSURE_REASON, PRE_NEXT_DEADLINE, PRE_NEXT_DEADLINE_KIND, PRE_OVERDUE, PRE_QPV, PRE_REFERRED_ON, PRE_REFERENT_ID, PRE_STAGE } from '../shared/search-attributes';

/** How many idempotency keys (with their first answer) a case remembers, across continue-as-new. */
export const IDEMPOTENCY_MEMORY = 100;
/** How many timeline entries the view embeds (the full list is the getTimeline query). */
const VIEW_TIMELINE_TAIL = 5;

/** French labels, no personal data. */
export const STAGE_LABELS: Record<ParcoursStage, string> = {
  REFERRED: 'Orientation reçue (éligibilité en cours)',
  AWAITING_CONSENT: 'En attente du consentement',
  AWAITING_TEAM_REVIEW: "En attente de l'EPS",
  ACTIVE: 'Parcours actif',
  CLOSED: 'Clos',
};
export const CLOSURE_LABELS: Record<ClosureReason, string> = {
  OBJECTIVES_MET: 'objectifs atteints',
  HANDED_OVER: 'relais vers le droit commun',
  CONSENT_WITHDRAWN: 'retrait du consentement',
  NO_CONSENT: 'sans consentement',
  LOST_CONTACT: 'perte de contact',
  MOVED_OUT: 'déménagement',
  AGE_LIMIT: "limite d'âge",
  MAX_DURATION: 'durée maximale atteinte',
  REDIRECTED: 'réorienté',
  INELIGIBLE: 'non éligible',
  REFUSED: "refusé par l'EPS",
  OTHER: 'autre motif',
};
const DEADLINE_LABELS: Record<DeadlineKind, string> = {
  CONSENT_EXPIRY: 'Clôture sans consentement',
  TEAM_REVIEW: 'Examen en EPS à faire',
  ACTION_START: "Début d'une action",
  ACTION_END: "Fin d'une action (à marquer réalisée)",
  REASSESSMENT: 'Réévaluation à faire',
  RENEWAL: 'Renouvellement ou clôture à décider',
  MAX_DURATION: 'Durée maximale du parcours',
  AGE_LIMIT: "Limite d'âge (17 ans)",
  LOST_CONTACT: 'Clôture pour perte de contact',
  CONSENT_WITHDRAWN_CLOSURE: 'Clôture après retrait du consentement',
  MOVED_OUT_CLOSURE: 'Clôture pour déménagement',
};
/** Deadlines that call for a staff action (they can be overdue); the others are automatic closures or information. */
const STAFF_DEADLINES: ReadonlySet<DeadlineKind> = new Set<DeadlineKind>(['TEAM_REVIEW', 'ACTION_END', 'REASSESSMENT', 'RENEWAL']);

/** Short names of what each update does, for the "accepts" list and 409 sentences. */
export const UPDATE_LABELS: Record<ParcoursUpdateName, string> = {
  createReferral: 'referral',
  recordConsent: 'consent',
  recordTeamReview: 'team review',
  scheduleAction: 'actions',
  changeAction: 'action changes',
  recordReassessment: 'reassessments',
  renewParcours: 'renewals',
  suspendParcours: 'suspension',
  resumeParcours: 'resumption',
  recordLifeEvent: 'events',
  recordDerogation: 'derogations',
  assignReferent: 'referent',
  closeParcours: 'closure',
};

/** Summary of each notification activity in the Temporal UI (French, no personal data). */
export const NOTIFICATION_SUMMARIES: Record<ParcoursNotificationKind, string> = {
  REFERRAL_ACK: "Accusé de réception de l'orientation",
  INELIGIBLE_NOTICE: 'Avis de non-éligibilité',
  CONSENT_REMINDER: 'Relance consentement',
  REVIEW_ESCALATION: 'Escalade examen EPS',
  ACTION_START_REMINDER: "Rappel début d'action J-1",
  ACTION_END_REMINDER: 'Relance action échue',
  ACTION_STOPPED: 'Arrêt des actions (retrait du consentement)',
  REASSESSMENT_REMINDER: 'Rappel réévaluation',
  REASSESSMENT_ESCALATION: 'Escalade réévaluation',
  RENEWAL_DUE: 'Renouvellement à décider',
  AGE_WARNING: "Alerte limite d'âge",
  SAFEGUARDING_ESCALATION: 'Escalade protection de l\'enfance',
  CASE_CLOSED: 'Avis de clôture automatique',
};

/** A timer the case needs: when it fires, what it does. */
export interface PendingTimer {
  /** `<kind>:<dueOn>[:<suffix>]`, unique per case; also the tail of the notification key. */
  key: string;
  fireOn: IsoDate;
  /** Timer summary in the Temporal UI, e.g. "Relance consentement J+15". */
  summary: string;
  /** Reminders pause while the case is suspended. */
  pausable: boolean;
  effect: { type: 'notify'; request: NotificationRequest; timeline: TimelineType; text: string } | { type: 'close'; reason: ClosureReason; closedOn: IsoDate; summary: string };
}

function fail(type: string, message: string, details?: Record<string, unknown>): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true, details: details ? [details] : undefined });
}

function rule(message: string, details?: Record<string, unknown>): never {
  return fail(FailureType.RULE_VIOLATION, message, details);
}

function blank(s: string | undefined | null): boolean {
  return !s || s.trim().length === 0;
}

function uniq(list: Array<string | null | undefined>): string[] {
  return [...new Set(list.filter((x): x is string => !!x))];
}

/** One parcours: data, timeline, remembered answers, fired timers and notifications to send. */
export class ParcoursCase {
  record: ParcoursRecord;
  timeline: TimelineEntry[];
  idempotency: IdempotencyEntry[];
  fired: Set<string>;
  outbox: NotificationRequest[];
  run: number;
  /** Bumped at each change: the main loop waits on it. */
  version = 0;
  /** Updates applied in this run (continue-as-new after `settings.continueAsNewAfterUpdates`). */
  appliedThisRun = 0;
  /** A reassessment cycle completed in this run: continue-as-new. */
  cycleCompleted = false;
  private lastSearchAttributes = '';
  readonly workflowId: string;

  constructor(input: ParcoursInput, nowMs: number) {
    this.workflowId = workflowIdFor(input.dossierId);
    if (input.carried) {
      this.record = input.carried.record;
      this.timeline = input.carried.timeline;
      this.idempotency = input.carried.idempotency;
      this.fired = new Set(input.carried.firedTimers);
      this.outbox = input.carried.pendingNotifications;
      this.run = input.carried.run + 1;
      return;
    }
    const r = input.referral;
    const age = ageOn(r.child.birthDate, r.referredOn);
    const at = new Date(nowMs).toISOString();
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
      updatedAt: at,
    };
    this.timeline = [];
    this.idempotency = [];
    this.fired = new Set();
    this.outbox = [];
    this.run = 1;
    this.addTimeline(input.createdBy, 'REFERRAL_RECEIVED', `Orientation reçue (orienteur : ${r.orienteur.type}, le ${frDate(r.referredOn)})`, nowMs, r.referredOn);
  }

  /** Everything continue-as-new must carry. */
  carry(): ParcoursCarriedState {
    return {
      record: this.record,
      timeline: this.timeline,
      idempotency: this.idempotency.slice(-IDEMPOTENCY_MEMORY),
      firedTimers: [...this.fired],
      pendingNotifications: this.outbox,
      run: this.run,
    };
  }

  get closed(): boolean {
    return this.record.stage === 'CLOSED';
  }

  get eligibilityChecked(): boolean {
    return this.record.eligibility !== null;
  }

  private get settings() {
    return this.record.settings;
  }

  // -------------------------------------------------------------------------------------------------------
  // Bookkeeping
  // -------------------------------------------------------------------------------------------------------

  private addTimeline(actor: Actor, type: TimelineType, summary: string, nowMs: number, onDate?: IsoDate, meta?: UpdateMeta): void {
    const at = new Date(nowMs).toISOString();
    this.timeline.push({
      seq: this.timeline.length + 1,
      at,
      ...(meta ? { requestedAt: meta.at } : {}),
      actor: { sub: actor.sub, role: actor.role },
      type,
      summary,
      stage: this.record.stage,
      ...(onDate ? { onDate } : {}),
      ...(meta?.idempotencyKey ? { idempotencyKey: meta.idempotencyKey } : {}),
    });
    this.record.updatedAt = at;
  }

  /** Marks a change: the main loop wakes up and recomputes timers, search attributes and details. */
  touch(): void {
    this.version += 1;
  }

  private recorded(meta: UpdateMeta, nowMs: number) {
    return { by: { sub: meta.actor.sub, role: meta.actor.role }, at: new Date(nowMs).toISOString() };
  }

  private notification(kind: ParcoursNotificationKind, dueOn: IsoDate, recipients: Array<string | null | undefined>, subject: string, body: string, suffix?: string): NotificationRequest {
    const id = this.record.dossierId;
    return {
      key: `${this.workflowId}:${kind}:${dueOn}${suffix ? `:${suffix}` : ''}`,
      kind,
      recipients: uniq(recipients),
      subject: `${subject} — dossier ${id}`,
      body: `Dossier ${id}. ${body}`,
      dossierId: id,
      dueOn,
    };
  }

  private referentOrCoordinator(): string {
    return this.record.referentId ?? this.settings.coordinatorId;
  }

  // -------------------------------------------------------------------------------------------------------
  // Idempotency
  // -------------------------------------------------------------------------------------------------------

  /** The stored answer of a repeated key; DUPLICATE when the key answered another kind of request. */
  replayOf(update: ParcoursUpdateName, key: string | undefined): ParcoursView | undefined {
    if (!key) return undefined;
    const hit = this.idempotency.find((e) => e.key === key);
    if (!hit) return undefined;
    if (hit.update !== update) {
      fail(FailureType.DUPLICATE, `The Idempotency-Key "${key}" was already used for another request (${UPDATE_LABELS[hit.update as ParcoursUpdateName] ?? hit.update}); use a new key for a new request.`);
    }
    return hit.answer;
  }

  remember(update: ParcoursUpdateName, key: string | undefined, answer: ParcoursView): void {
    if (!key) return;
    this.idempotency.push({ key, update, answer });
    if (this.idempotency.length > IDEMPOTENCY_MEMORY) this.idempotency.splice(0, this.idempotency.length - IDEMPOTENCY_MEMORY);
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

  private stageSentence(): string {
    const r = this.record;
    const extra = r.suspension
      ? ` (suspended since ${r.suspension.startsOn})`
      : r.pendingClosure
        ? ` (closing ${r.pendingClosure.reason} on ${r.pendingClosure.dueOn})`
        : '';
    return `The case is in stage ${r.stage}${extra}, which accepts: ${this.accepts().map((u) => UPDATE_LABELS[u]).join(', ')}.`;
  }

  /** Common validation: closed → CLOSED; update not accepted now → INVALID_TRANSITION. */
  assertAccepts(update: ParcoursUpdateName): void {
    const r = this.record;
    if (r.stage === 'CLOSED') {
      const c = r.closure!;
      fail(FailureType.CLOSED, `The case is closed (${c.reason} on ${c.closedOn}) and accepts no change.`, { dossierId: r.dossierId, stage: r.stage, closureReason: c.reason });
    }
    if (!this.accepts().includes(update)) {
      fail(FailureType.INVALID_TRANSITION, this.stageSentence(), { dossierId: r.dossierId, stage: r.stage, accepts: this.accepts().map((u) => UPDATE_LABELS[u]) });
    }
  }

  private invalid(message: string): never {
    const r = this.record;
    return fail(FailureType.INVALID_TRANSITION, message, { dossierId: r.dossierId, stage: r.stage, accepts: this.accepts().map((u) => UPDATE_LABELS[u]) });
  }

  private notBefore(date: IsoDate, min: IsoDate, what: string, minWhat: string): void {
    if (date < min) rule(`The ${what} (${date}) is before the ${minWhat} (${min}).`, { field: what });
  }

  // -------------------------------------------------------------------------------------------------------
  // Eligibility (main flow, after the activity)
  // -------------------------------------------------------------------------------------------------------

  /** Records the activity's outcome; eligible (or derogation) → AWAITING_CONSENT, else CLOSED INELIGIBLE. */
  applyEligibility(outcome: Omit<EligibilityRecord, 'derogation'>, derogationMotive: string | undefined, nowMs: number): void {
    const r = this.record;
    if (r.stage === 'CLOSED') {
      // Closed by a coordinator while the check ran: record the outcome, change nothing else.
      r.eligibility = { ...outcome };
      this.addTimeline(SYSTEM_ACTOR, 'ELIGIBILITY_CHECKED', `Éligibilité vérifiée après clôture : ${outcome.eligible ? 'éligible' : 'non éligible'} (règle ${outcome.ruleVersion})`, nowMs, r.referredOn);
      this.touch();
      return;
    }
    const derogation = !outcome.eligible && derogationMotive && !blank(derogationMotive) ? { motive: derogationMotive, by: r.createdBy, at: new Date(nowMs).toISOString() } : undefined;
    r.eligibility = { ...outcome, ...(derogation ? { derogation } : {}) };
    const verdict = outcome.eligible ? 'éligible' : derogation ? 'non éligible, dérogation accordée' : 'non éligible';
    this.addTimeline(SYSTEM_ACTOR, 'ELIGIBILITY_CHECKED', `Éligibilité vérifiée : ${verdict} (règle ${outcome.ruleVersion} ; ${outcome.reasons.join(', ')})`, nowMs, r.referredOn);
    if (derogation) {
      r.seq.derogation += 1;
      r.derogations.push({ id: `d${r.seq.derogation}`, kind: 'ELIGIBILITY', motive: derogation.motive, decidedOn: r.referredOn, by: derogation.by, at: derogation.at });
      this.addTimeline(r.createdBy, 'DEROGATION_RECORDED', "Dérogation d'éligibilité accordée", nowMs, r.referredOn);
    }
    if (outcome.eligible || derogation) {
      r.stage = 'AWAITING_CONSENT';
      this.outbox.push(
        this.notification('REFERRAL_ACK', r.referredOn, [r.createdBy.sub], 'Orientation reçue', `L'orientation du ${frDate(r.referredOn)} est enregistrée et éligible au PRE. Prochaine étape : recueillir le consentement écrit de la famille avant le ${frDate(addDays(r.referredOn, this.settings.consentExpiryDays))}.`),
      );
    } else {
      this.outbox.push(
        this.notification('INELIGIBLE_NOTICE', r.referredOn, [r.createdBy.sub, this.settings.coordinatorId], 'Orientation non retenue', `L'orientation du ${frDate(r.referredOn)} ne relève pas du PRE selon les critères en vigueur. Informer l'orienteur que l'orientation n'est pas retenue (sans détail) et, si besoin, l'orienter vers le droit commun.`),
      );
      this.close({ reason: 'INELIGIBLE', closedOn: r.referredOn, summary: 'Orientation non éligible au PRE (critères âge/QPV).' }, SYSTEM_ACTOR, nowMs);
    }
    this.touch();
  }

  // -------------------------------------------------------------------------------------------------------
  // Updates: validate (synchronous, throws) and apply
  // -------------------------------------------------------------------------------------------------------

  validateConsent(i: ConsentInput): void {
    this.assertAccepts('recordConsent');
    this.notBefore(i.signedOn, this.record.referredOn, 'consent date', 'referral date');
    if (i.decision === 'GRANTED') {
      if (!i.signedBy || i.signedBy.length === 0) rule('Consent GRANTED needs at least one holder of parental authority in signedBy.', { field: 'signedBy' });
      if (i.signedBy.some((s) => blank(s.name))) rule('Each signatory needs a name.', { field: 'signedBy' });
      if (i.dataSharingInformed !== true) rule('Consent can only be recorded once the family has been informed of data sharing within the EPS (dataSharingInformed: true).', { field: 'dataSharingInformed' });
    }
  }

  applyConsent(i: ConsentInput, nowMs: number): void {
    const r = this.record;
    r.consent = { decision: i.decision, signedOn: i.signedOn, signedBy: i.signedBy ?? [], dataSharingInformed: i.dataSharingInformed === true, ...(i.note ? { note: i.note } : {}), ...this.recorded(i, nowMs) };
    if (i.decision === 'GRANTED') {
      r.stage = 'AWAITING_TEAM_REVIEW';
      this.addTimeline(i.actor, 'CONSENT_RECORDED', `Consentement recueilli (signé le ${frDate(i.signedOn)}, information sur le partage en EPS faite)`, nowMs, i.signedOn, i);
    } else {
      this.addTimeline(i.actor, 'CONSENT_RECORDED', `Refus de la famille (le ${frDate(i.signedOn)})`, nowMs, i.signedOn, i);
      this.close({ reason: 'NO_CONSENT', closedOn: i.signedOn, summary: 'La famille a refusé le parcours.' }, i.actor, nowMs, i);
    }
  }

  private moreInfoCount(): number {
    return this.record.reviews.filter((x) => x.decision === 'MORE_INFO').length;
  }

  private durationCap(): number | null {
    const d = [...this.record.derogations].reverse().find((x) => x.kind === 'DURATION');
    if (!d) return this.settings.maxTotalMonths;
    return d.maxTotalMonths ?? null;
  }

  validateTeamReview(i: TeamReviewInput): void {
    this.assertAccepts('recordTeamReview');
    const r = this.record;
    this.notBefore(i.meetingDate, r.consent!.signedOn, 'meeting date', 'consent date');
    const last = r.reviews[r.reviews.length - 1];
    if (last) this.notBefore(i.meetingDate, last.meetingDate, 'meeting date', 'previous EPS meeting');
    switch (i.decision) {
      case 'VALIDATED': {
        if (!i.objectives || i.objectives.length === 0) rule('A VALIDATED decision needs at least one objective.', { field: 'objectives' });
        if (i.objectives.some((o) => blank(o.label))) rule('Each objective needs a label.', { field: 'objectives' });
        if (blank(i.referentId) && !r.referentId) rule('A VALIDATED decision needs a référent (referentId).', { field: 'referentId' });
        const months = i.durationMonths ?? this.settings.defaultDurationMonths;
        if (!Number.isInteger(months) || months < 1) rule('durationMonths must be a whole number of months, at least 1.', { field: 'durationMonths' });
        const cap = this.durationCap();
        if (cap !== null && months > cap) rule(`An initial length of ${months} months exceeds the maximum of ${cap} months; a coordinator DURATION derogation is needed first.`, { field: 'durationMonths' });
        break;
      }
      case 'MORE_INFO':
        if (this.moreInfoCount() >= this.settings.maxMoreInfo) {
          rule(`The EPS has already asked for more information ${this.moreInfoCount()} times (maximum ${this.settings.maxMoreInfo}); the coordinator must now decide: VALIDATED, REDIRECTED or REFUSED.`, { field: 'decision' });
        }
        break;
      case 'REDIRECTED':
        if (blank(i.redirectedTo)) rule('A REDIRECTED decision needs the common-law service it redirects to (redirectedTo).', { field: 'redirectedTo' });
        break;
      case 'REFUSED':
        if (blank(i.motive)) rule('A REFUSED decision needs a motive.', { field: 'motive' });
        break;
    }
  }

  applyTeamReview(i: TeamReviewInput, nowMs: number): void {
    const r = this.record;
    const base = { meetingDate: i.meetingDate, decision: i.decision, ...this.recorded(i, nowMs) };
    switch (i.decision) {
      case 'VALIDATED': {
        const months = i.durationMonths ?? this.settings.defaultDurationMonths;
        const ids = (i.objectives ?? []).map((o) => {
          r.seq.objective += 1;
          const id = `o${r.seq.objective}`;
          r.objectives.push({ id, label: o.label, setOn: i.meetingDate });
          return id;
        });
        if (!blank(i.referentId)) r.referentId = i.referentId!;
        r.reviews.push({ ...base, objectiveIds: ids, referentId: r.referentId!, durationMonths: months });
        const cap = this.durationCap();
        r.plan = {
          validatedOn: i.meetingDate,
          initialMonths: months,
          renewals: [],
          endsOn: addMonths(i.meetingDate, months),
          totalMonths: months,
          maxEndsOn: cap === null ? null : addMonths(i.meetingDate, cap),
          nextReassessmentOn: addMonths(i.meetingDate, this.settings.reassessmentMonths),
        };
        r.stage = 'ACTIVE';
        this.addTimeline(i.actor, 'TEAM_REVIEW_RECORDED', `EPS du ${frDate(i.meetingDate)} : parcours validé pour ${months} mois, ${ids.length} objectif(s), référent ${r.referentId}`, nowMs, i.meetingDate, i);
        break;
      }
      case 'MORE_INFO':
        r.reviews.push({ ...base, ...(i.motive ? { motive: i.motive } : {}) });
        this.addTimeline(i.actor, 'TEAM_REVIEW_RECORDED', `EPS du ${frDate(i.meetingDate)} : complément d'information demandé (${this.moreInfoCount()}/${this.settings.maxMoreInfo})`, nowMs, i.meetingDate, i);
        break;
      case 'REDIRECTED':
        r.reviews.push({ ...base, redirectedTo: i.redirectedTo });
        this.addTimeline(i.actor, 'TEAM_REVIEW_RECORDED', `EPS du ${frDate(i.meetingDate)} : réorienté vers le droit commun`, nowMs, i.meetingDate, i);
        this.close({ reason: 'REDIRECTED', closedOn: i.meetingDate, summary: `Réorienté par l'EPS vers : ${i.redirectedTo}`, redirectedTo: i.redirectedTo }, i.actor, nowMs, i);
        break;
      case 'REFUSED':
        r.reviews.push({ ...base, motive: i.motive });
        this.addTimeline(i.actor, 'TEAM_REVIEW_RECORDED', `EPS du ${frDate(i.meetingDate)} : parcours refusé`, nowMs, i.meetingDate, i);
        this.close({ reason: 'REFUSED', closedOn: i.meetingDate, summary: `Refusé par l'EPS : ${i.motive}`, motive: i.motive }, i.actor, nowMs, i);
        break;
    }
  }

  private checkObjectiveIds(ids: string[] | undefined): void {
    for (const id of ids ?? []) {
      if (!this.record.objectives.some((o) => o.id === id)) {
        fail(FailureType.NOT_FOUND, `The case has no objective "${id}" (objectives: ${this.record.objectives.map((o) => o.id).join(', ') || 'none'}).`, { objectiveId: id });
      }
    }
  }

  private checkActionDates(startsOn: IsoDate, endsOn: IsoDate | undefined, sessions: number | undefined): void {
    const plan = this.record.plan!;
    this.notBefore(startsOn, plan.validatedOn, 'action start date', 'validation of the parcours');
    if (endsOn !== undefined && endsOn < startsOn) rule(`The action ends (${endsOn}) before it starts (${startsOn}).`, { field: 'endsOn' });
    if (endsOn === undefined && sessions === undefined) rule('An action needs an end date (endsOn) or a number of sessions (sessions).', { field: 'endsOn' });
    if (sessions !== undefined && (!Number.isInteger(sessions) || sessions < 1)) rule('sessions must be a whole number, at least 1.', { field: 'sessions' });
  }

  validateAction(i: ActionInput): void {
    this.assertAccepts('scheduleAction');
    if (blank(i.provider)) rule('An action needs a provider.', { field: 'provider' });
    this.checkActionDates(i.startsOn, i.endsOn, i.sessions);
    this.checkObjectiveIds(i.objectiveIds);
  }

  applyAction(i: ActionInput, nowMs: number): void {
    const r = this.record;
    r.seq.action += 1;
    const action: ActionRecord = {
      id: `a${r.seq.action}`,
      type: i.type,
      provider: i.provider,
      startsOn: i.startsOn,
      ...(i.endsOn ? { endsOn: i.endsOn } : {}),
      ...(i.sessions !== undefined ? { sessions: i.sessions } : {}),
      ...(i.frequency ? { frequency: i.frequency } : {}),
      objectiveIds: i.objectiveIds ?? [],
      status: 'SCHEDULED',
      ...(i.note ? { note: i.note } : {}),
      ...this.recorded(i, nowMs),
    };
    r.actions.push(action);
    this.addTimeline(i.actor, 'ACTION_SCHEDULED', `Action ${action.id} programmée : ${i.type} du ${frDate(i.startsOn)}${i.endsOn ? ` au ${frDate(i.endsOn)}` : ` (${i.sessions} séances)`}`, nowMs, i.startsOn, i);
  }

  private findAction(id: string): ActionRecord {
    const a = this.record.actions.find((x) => x.id === id);
    if (!a) fail(FailureType.NOT_FOUND, `The case has no action "${id}".`, { actionId: id });
    return a;
  }

  validateActionPatch(i: ActionPatchInput): void {
    this.assertAccepts('changeAction');
    const a = this.findAction(i.actionId);
    if (a.status !== 'SCHEDULED') fail(FailureType.CONFLICT, `The action ${a.id} is already ${a.status} and cannot change.`, { actionId: a.id, actionStatus: a.status });
    const changes = [i.status, i.provider, i.startsOn, i.endsOn, i.sessions, i.frequency, i.note].filter((x) => x !== undefined);
    if (changes.length === 0) fail(FailureType.BAD_INPUT, 'Nothing to change: send a status (DONE, CANCELLED) or changed dates, sessions, frequency or provider.');
    if (i.status === 'CANCELLED' && blank(i.motive)) rule('Cancelling an action needs a motive.', { field: 'motive' });
    if (i.provider !== undefined && blank(i.provider)) rule('The provider cannot be empty.', { field: 'provider' });
    this.checkActionDates(i.startsOn ?? a.startsOn, i.endsOn ?? a.endsOn, i.sessions ?? a.sessions);
  }

  applyActionPatch(i: ActionPatchInput, nowMs: number): void {
    const a = this.findAction(i.actionId);
    const today = dateOf(nowMs);
    const changed: string[] = [];
    if (i.provider !== undefined) {
      a.provider = i.provider;
      changed.push('prestataire');
    }
    if (i.startsOn !== undefined) {
      a.startsOn = i.startsOn;
      changed.push(`début ${frDate(i.startsOn)}`);
    }
    if (i.endsOn !== undefined) {
      a.endsOn = i.endsOn;
      changed.push(`fin ${frDate(i.endsOn)}`);
    }
    if (i.sessions !== undefined) {
      a.sessions = i.sessions;
      changed.push(`${i.sessions} séances`);
    }
    if (i.frequency !== undefined) {
      a.frequency = i.frequency;
      changed.push(`fréquence ${i.frequency}`);
    }
    if (i.note !== undefined) a.note = i.note;
    if (i.status) {
      a.status = i.status;
      a.statusOn = today;
      if (i.motive) a.motive = i.motive;
      changed.push(i.status === 'DONE' ? 'réalisée' : 'annulée');
    }
    Object.assign(a, { at: new Date(nowMs).toISOString(), by: { sub: i.actor.sub, role: i.actor.role } });
    this.addTimeline(i.actor, 'ACTION_CHANGED', `Action ${a.id} : ${changed.join(', ') || 'note'}`, nowMs, today, i);
  }

  validateReassessment(i: ReassessmentInput): void {
    this.assertAccepts('recordReassessment');
    const r = this.record;
    this.notBefore(i.assessedOn, r.plan!.validatedOn, 'reassessment date', 'validation of the parcours');
    const last = r.reassessments[r.reassessments.length - 1];
    if (last) this.notBefore(i.assessedOn, last.assessedOn, 'reassessment date', 'previous reassessment');
    if (!i.progress || i.progress.length === 0) rule('A reassessment records progress for at least one objective.', { field: 'progress' });
    this.checkObjectiveIds(i.progress.map((p) => p.objectiveId));
    const ids = i.progress.map((p) => p.objectiveId);
    if (new Set(ids).size !== ids.length) rule('Each objective appears at most once in progress.', { field: 'progress' });
    if (i.newObjectives?.some((o) => blank(o.label))) rule('Each new objective needs a label.', { field: 'newObjectives' });
  }

  applyReassessment(i: ReassessmentInput, nowMs: number): void {
    const r = this.record;
    const plan = r.plan!;
    r.seq.reassessment += 1;
    const id = `r${r.seq.reassessment}`;
    r.reassessments.push({ id, assessedOn: i.assessedOn, dueOn: plan.nextReassessmentOn ?? i.assessedOn, progress: i.progress, decision: i.decision, ...(i.note ? { note: i.note } : {}), ...this.recorded(i, nowMs) });
    for (const p of i.progress) {
      const o = r.objectives.find((x) => x.id === p.objectiveId);
      if (o) o.lastLevel = p.level;
    }
    for (const o of i.newObjectives ?? []) {
      r.seq.objective += 1;
      r.objectives.push({ id: `o${r.seq.objective}`, label: o.label, setOn: i.assessedOn });
    }
    plan.nextReassessmentOn = addMonths(i.assessedOn, this.settings.reassessmentMonths);
    this.cycleCompleted = true;
    const achieved = i.progress.filter((p) => p.level === 'ACHIEVED').length;
    this.addTimeline(i.actor, 'REASSESSMENT_RECORDED', `Réévaluation ${id} du ${frDate(i.assessedOn)} : ${i.decision}, ${achieved}/${i.progress.length} objectif(s) atteint(s) ; prochaine le ${frDate(plan.nextReassessmentOn)}`, nowMs, i.assessedOn, i);
  }

  validateRenewal(i: RenewalInput): void {
    this.assertAccepts('renewParcours');
    const plan = this.record.plan!;
    this.notBefore(i.meetingDate, plan.validatedOn, 'meeting date', 'validation of the parcours');
    if (i.extensionMonths !== 6 && i.extensionMonths !== 12) rule('A renewal extends the parcours by 6 or 12 months.', { field: 'extensionMonths' });
    const total = plan.totalMonths + i.extensionMonths;
    const cap = this.durationCap();
    if (cap !== null && total > cap) {
      rule(`Renewing by ${i.extensionMonths} months brings the parcours to ${total} months, beyond the maximum of ${cap} months: a coordinator DURATION derogation with a motive is needed first.`, { field: 'extensionMonths', totalMonths: total, maxTotalMonths: cap });
    }
  }

  applyRenewal(i: RenewalInput, nowMs: number): void {
    const plan = this.record.plan!;
    plan.renewals.push({ meetingDate: i.meetingDate, extensionMonths: i.extensionMonths, ...this.recorded(i, nowMs) });
    plan.totalMonths += i.extensionMonths;
    plan.endsOn = addMonths(plan.validatedOn, plan.totalMonths);
    this.addTimeline(i.actor, 'RENEWED', `Parcours renouvelé de ${i.extensionMonths} mois (EPS du ${frDate(i.meetingDate)}), jusqu'au ${frDate(plan.endsOn)}`, nowMs, i.meetingDate, i);
  }

  validateSuspension(i: SuspensionInput): void {
    this.assertAccepts('suspendParcours');
    this.notBefore(i.startsOn, this.record.plan!.validatedOn, 'suspension start date', 'validation of the parcours');
    if (i.expectedEndOn && i.expectedEndOn < i.startsOn) rule(`The suspension ends (${i.expectedEndOn}) before it starts (${i.startsOn}).`, { field: 'expectedEndOn' });
  }

  applySuspension(i: SuspensionInput, nowMs: number): void {
    this.suspend({ reason: i.reason, startsOn: i.startsOn, ...(i.expectedEndOn ? { expectedEndOn: i.expectedEndOn } : {}), ...(i.note ? { note: i.note } : {}) }, i, nowMs);
  }

  private suspend(s: { reason: SuspensionInput['reason']; startsOn: IsoDate; expectedEndOn?: IsoDate; note?: string }, meta: UpdateMeta, nowMs: number): void {
    const r = this.record;
    r.suspension = { ...s, ...this.recorded(meta, nowMs) };
    if (s.reason === 'FAMILY_UNREACHABLE' && !r.unreachableSince) r.unreachableSince = s.startsOn;
    this.addTimeline(meta.actor, 'SUSPENDED', `Parcours suspendu (${s.reason}) à partir du ${frDate(s.startsOn)} : relances en pause`, nowMs, s.startsOn, meta);
  }

  validateResumption(i: ResumptionInput): void {
    this.assertAccepts('resumeParcours');
    this.notBefore(i.resumedOn, this.record.suspension!.startsOn, 'resumption date', 'start of the suspension');
  }

  applyResumption(i: ResumptionInput, nowMs: number): void {
    this.resume(i.resumedOn, i, nowMs);
  }

  /** Ends the suspension: the reassessment clock was paused, so its due date moves by the suspended days. */
  private resume(resumedOn: IsoDate, meta: UpdateMeta, nowMs: number): void {
    const r = this.record;
    const s = r.suspension!;
    const days = Math.max(0, daysBetween(s.startsOn, resumedOn));
    r.suspensions.push({ ...s, resumedOn });
    r.suspension = null;
    r.unreachableSince = null;
    if (r.plan?.nextReassessmentOn) r.plan.nextReassessmentOn = addDays(r.plan.nextReassessmentOn, days);
    this.addTimeline(meta.actor, 'RESUMED', `Parcours repris le ${frDate(resumedOn)} après ${days} jour(s) de suspension${r.plan?.nextReassessmentOn ? ` ; réévaluation reportée au ${frDate(r.plan.nextReassessmentOn)}` : ''}`, nowMs, resumedOn, meta);
    // Reminders whose time passed during the suspension are not sent afterwards.
    const skipped = this.timers().filter((t) => t.pausable && isReached(t.fireOn, nowMs));
    for (const t of skipped) this.fired.add(t.key);
    if (skipped.length > 0) this.addTimeline(SYSTEM_ACTOR, 'REMINDERS_SKIPPED', `${skipped.length} relance(s) échue(s) pendant la suspension non envoyée(s)`, nowMs, resumedOn);
  }

  validateLifeEvent(i: LifeEventInput): void {
    this.assertAccepts('recordLifeEvent');
    const r = this.record;
    this.notBefore(i.occurredOn, r.referredOn, 'event date', 'referral date');
    if (i.reportedOn && i.reportedOn < i.occurredOn) rule(`The report to the département (${i.reportedOn}) is before the concern (${i.occurredOn}).`, { field: 'reportedOn' });
    const pendingWithdrawal = r.pendingClosure?.reason === 'CONSENT_WITHDRAWN';
    switch (i.type) {
      case 'SAFEGUARDING_CONCERN':
        return;
      case 'CONSENT_WITHDRAWN':
        if (r.stage === 'REFERRED' || r.stage === 'AWAITING_CONSENT') this.invalid(`${this.stageSentence()} No consent has been given yet: record a refusal through consent instead.`);
        if (pendingWithdrawal) this.invalid(`Consent was already withdrawn; the case closes on ${r.pendingClosure!.dueOn} unless the closing interview is recorded sooner (closure).`);
        if (r.consent?.signedOn && i.occurredOn < r.consent.signedOn) this.notBefore(i.occurredOn, r.consent.signedOn, 'withdrawal date', 'consent date');
        return;
      case 'MOVED_OUT':
        if (r.stage === 'REFERRED') this.invalid(this.stageSentence());
        if (pendingWithdrawal && !i.leftCity) this.invalid(`Consent was already withdrawn; the case closes on ${r.pendingClosure!.dueOn}.`);
        return;
      case 'FAMILY_UNREACHABLE':
        if (r.stage === 'REFERRED') this.invalid(this.stageSentence());
        if (pendingWithdrawal) this.invalid(`Consent was already withdrawn; the case closes on ${r.pendingClosure!.dueOn}.`);
        if (r.unreachableSince) this.invalid(`The family is already recorded as unreachable since ${r.unreachableSince}.`);
        return;
      case 'CONTACT_RESTORED':
        if (!r.unreachableSince) this.invalid('The family is not recorded as unreachable: nothing to restore.');
        if (i.occurredOn < r.unreachableSince) this.notBefore(i.occurredOn, r.unreachableSince, 'contact date', 'date the family became unreachable');
        return;
    }
  }

  applyLifeEvent(i: LifeEventInput, nowMs: number): void {
    const r = this.record;
    r.lifeEvents.push({ type: i.type, occurredOn: i.occurredOn, ...(i.leftCity !== undefined ? { leftCity: i.leftCity } : {}), ...(i.reportedOn ? { reportedOn: i.reportedOn } : {}), ...(i.note ? { note: i.note } : {}), ...this.recorded(i, nowMs) });
    const n = r.lifeEvents.length;
    switch (i.type) {
      case 'SAFEGUARDING_CONCERN':
        this.addTimeline(i.actor, 'LIFE_EVENT_RECORDED', `Préoccupation de protection de l'enfance signalée le ${frDate(i.occurredOn)}${i.reportedOn ? ` ; information préoccupante transmise le ${frDate(i.reportedOn)}` : ''} ; coordinateur alerté`, nowMs, i.occurredOn, i);
        this.outbox.push(
          this.notification('SAFEGUARDING_ESCALATION', i.occurredOn, [this.settings.coordinatorId, r.referentId], 'URGENT — préoccupation de protection de l\'enfance', `Une préoccupation de protection de l'enfance a été enregistrée le ${frDate(i.occurredOn)}. À traiter immédiatement : évaluer la transmission d'une information préoccupante au département et en enregistrer la date dans le dossier.`, `e${n}`),
        );
        return;
      case 'CONSENT_WITHDRAWN': {
        const dueOn = addDays(i.occurredOn, this.settings.consentWithdrawnCloseDays);
        if (r.consent) r.consent.withdrawnOn = i.occurredOn;
        const stopped = r.actions.filter((a) => a.status === 'SCHEDULED');
        for (const a of stopped) {
          a.status = 'STOPPED';
          a.statusOn = i.occurredOn;
        }
        r.pendingClosure = { reason: 'CONSENT_WITHDRAWN', dueOn };
        if (r.suspension) {
          r.suspensions.push({ ...r.suspension, resumedOn: i.occurredOn });
          r.suspension = null;
        }
        this.addTimeline(i.actor, 'LIFE_EVENT_RECORDED', `Consentement retiré le ${frDate(i.occurredOn)} : ${stopped.length} action(s) arrêtée(s), clôture au plus tard le ${frDate(dueOn)}`, nowMs, i.occurredOn, i);
        if (stopped.length > 0) {
          const providers = uniq(stopped.map((a) => a.provider)).join(' ; ');
          this.outbox.push(
            this.notification('ACTION_STOPPED', i.occurredOn, [this.referentOrCoordinator(), this.settings.coordinatorId], 'Actions arrêtées (retrait du consentement)', `La famille a retiré son consentement le ${frDate(i.occurredOn)}. ${stopped.length} action(s) arrêtée(s) : prévenir sans délai les prestataires (${providers}). Clôture du dossier au plus tard le ${frDate(dueOn)} ; enregistrer l'entretien de fin s'il a lieu avant.`),
          );
        }
        return;
      }
      case 'MOVED_OUT':
        if (i.leftCity) {
          this.addTimeline(i.actor, 'LIFE_EVENT_RECORDED', `Déménagement hors de la commune le ${frDate(i.occurredOn)}`, nowMs, i.occurredOn, i);
          this.close({ reason: 'MOVED_OUT', closedOn: i.occurredOn, summary: 'La famille a quitté la commune.' }, i.actor, nowMs, i);
        } else {
          const dueOn = schoolYearEnd(i.occurredOn);
          if (!r.pendingClosure || r.pendingClosure.dueOn > dueOn) r.pendingClosure = { reason: 'MOVED_OUT', dueOn };
          this.addTimeline(i.actor, 'LIFE_EVENT_RECORDED', `Déménagement hors QPV le ${frDate(i.occurredOn)} : clôture en fin d'année scolaire (${frDate(dueOn)})`, nowMs, i.occurredOn, i);
        }
        return;
      case 'FAMILY_UNREACHABLE':
        r.unreachableSince = i.occurredOn;
        this.addTimeline(i.actor, 'LIFE_EVENT_RECORDED', `Famille injoignable depuis le ${frDate(i.occurredOn)} : clôture le ${frDate(addDays(i.occurredOn, this.settings.unreachableCloseDays))} sans reprise de contact`, nowMs, i.occurredOn, i);
        if (r.stage === 'ACTIVE' && !r.suspension) this.suspend({ reason: 'FAMILY_UNREACHABLE', startsOn: i.occurredOn }, i, nowMs);
        return;
      case 'CONTACT_RESTORED':
        this.addTimeline(i.actor, 'LIFE_EVENT_RECORDED', `Contact rétabli avec la famille le ${frDate(i.occurredOn)}`, nowMs, i.occurredOn, i);
        if (r.suspension?.reason === 'FAMILY_UNREACHABLE') this.resume(i.occurredOn, i, nowMs);
        r.unreachableSince = null;
        return;
    }
  }

  validateDerogation(i: DerogationInput): void {
    this.assertAccepts('recordDerogation');
    const r = this.record;
    if (blank(i.motive)) rule('A derogation needs a written motive.', { field: 'motive' });
    this.notBefore(i.decidedOn, r.referredOn, 'derogation date', 'referral date');
    switch (i.kind) {
      case 'ELIGIBILITY':
        rule('The case is already past its eligibility check: an eligibility derogation travels with the referral (field "derogation" of POST /parcours).', { field: 'kind' });
        break;
      case 'AGE': {
        const limit = birthdayOn(r.child.birthDate, AGE_LIMIT);
        const max = birthdayOn(r.child.birthDate, AGE_DEROGATION_LIMIT);
        if (i.untilOn && i.untilOn > max) rule(`An age derogation extends the case up to the 18th birthday at most (${max}).`, { field: 'untilOn' });
        if (i.untilOn && i.untilOn <= limit) rule(`An age derogation must extend the case beyond the 17th birthday (${limit}).`, { field: 'untilOn' });
        break;
      }
      case 'DURATION':
        if (i.maxTotalMonths !== undefined) {
          if (!Number.isInteger(i.maxTotalMonths) || i.maxTotalMonths <= this.settings.maxTotalMonths) {
            rule(`A duration derogation sets a maximum beyond ${this.settings.maxTotalMonths} months (maxTotalMonths).`, { field: 'maxTotalMonths' });
          }
          if (r.plan && i.maxTotalMonths < r.plan.totalMonths) rule(`The parcours is already granted ${r.plan.totalMonths} months.`, { field: 'maxTotalMonths' });
        }
        break;
    }
  }

  applyDerogation(i: DerogationInput, nowMs: number): void {
    const r = this.record;
    r.seq.derogation += 1;
    const untilOn = i.kind === 'AGE' ? (i.untilOn ?? birthdayOn(r.child.birthDate, AGE_DEROGATION_LIMIT)) : undefined;
    r.derogations.push({ id: `d${r.seq.derogation}`, kind: i.kind, motive: i.motive, decidedOn: i.decidedOn, ...(untilOn ? { untilOn } : {}), ...(i.maxTotalMonths !== undefined ? { maxTotalMonths: i.maxTotalMonths } : {}), ...this.recorded(i, nowMs) });
    if (i.kind === 'DURATION' && r.plan) {
      const cap = this.durationCap();
      r.plan.maxEndsOn = cap === null ? null : addMonths(r.plan.validatedOn, cap);
    }
    const what = i.kind === 'AGE' ? `limite d'âge repoussée au ${frDate(untilOn!)}` : i.kind === 'DURATION' ? `durée maximale portée à ${i.maxTotalMonths !== undefined ? `${i.maxTotalMonths} mois` : 'sans limite'}` : 'éligibilité';
    this.addTimeline(i.actor, 'DEROGATION_RECORDED', `Dérogation ${i.kind} accordée : ${what}`, nowMs, i.decidedOn, i);
  }

  validateClosure(i: ClosureInput): void {
    this.assertAccepts('closeParcours');
    this.notBefore(i.closedOn, this.record.referredOn, 'closure date', 'referral date');
    if (!CLOSURE_REASONS.includes(i.reason)) fail(FailureType.BAD_INPUT, `Unknown closure reason ${String(i.reason)}.`);
    if (blank(i.summary)) rule('A closure needs a closing summary.', { field: 'summary' });
    if (i.reason === 'HANDED_OVER' && blank(i.handedOverTo)) rule('A HANDED_OVER closure needs the common-law service (handedOverTo).', { field: 'handedOverTo' });
    if (i.reason === 'OTHER' && blank(i.motive)) rule('An OTHER closure needs a motive.', { field: 'motive' });
  }

  applyClosure(i: ClosureInput, nowMs: number): void {
    this.close({ reason: i.reason, closedOn: i.closedOn, summary: i.summary, ...(i.handedOverTo ? { handedOverTo: i.handedOverTo } : {}), ...(i.motive ? { motive: i.motive } : {}) }, i.actor, nowMs, i);
  }

  validateReferent(i: ReferentAssignmentInput): void {
    this.assertAccepts('assignReferent');
    if (blank(i.referentId)) fail(FailureType.BAD_INPUT, 'referentId is required.');
  }

  applyReferent(i: ReferentAssignmentInput, nowMs: number): void {
    const before = this.record.referentId;
    this.record.referentId = i.referentId;
    this.addTimeline(i.actor, 'REFERENT_ASSIGNED', before ? `Référent changé : ${before} → ${i.referentId}` : `Référent assigné : ${i.referentId}`, nowMs, undefined, i);
  }

  /** Closes the case (any path): remaining scheduled actions stop, the closure is recorded. */
  close(c: { reason: ClosureReason; closedOn: IsoDate; summary: string; handedOverTo?: string; redirectedTo?: string; motive?: string }, actor: Actor, nowMs: number, meta?: UpdateMeta): void {
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
    this.addTimeline(actor, 'CLOSED', `Dossier clos : ${CLOSURE_LABELS[c.reason]} (le ${frDate(c.closedOn)})`, nowMs, c.closedOn, meta);
  }

  // -------------------------------------------------------------------------------------------------------
  // Timers and deadlines
  // -------------------------------------------------------------------------------------------------------

  private ageLimit(): IsoDate {
    const d = [...this.record.derogations].reverse().find((x) => x.kind === 'AGE');
    return ageLimitOn(this.record.child.birthDate, d?.untilOn);
  }

  private reviewDueOn(): IsoDate {
    const r = this.record;
    const lastMoreInfo = [...r.reviews].reverse().find((x) => x.decision === 'MORE_INFO');
    const base = lastMoreInfo ? lastMoreInfo.meetingDate : r.consent!.signedOn;
    return addDays(base, this.settings.reviewEscalationDays);
  }

  /** Every timer the case needs now that has not fired yet (suspended: reminders left out), soonest first. */
  timers(): PendingTimer[] {
    const r = this.record;
    const s = this.settings;
    if (!this.eligibilityChecked || r.stage === 'CLOSED') return [];
    const out: PendingTimer[] = [];
    const notify = (kind: ParcoursNotificationKind, fireOn: IsoDate, dueOn: IsoDate, summary: string, pausable: boolean, recipients: Array<string | null | undefined>, subject: string, body: string, timeline: TimelineType, text: string, suffix?: string) => {
      out.push({ key: `${kind}:${dueOn}${suffix ? `:${suffix}` : ''}`, fireOn, summary, pausable, effect: { type: 'notify', request: this.notification(kind, dueOn, recipients, subject, body, suffix), timeline, text } });
    };
    const closeAt = (reason: ClosureReason, dueOn: IsoDate, summary: string, closing: string) => {
      out.push({ key: `CLOSE_${reason}:${dueOn}`, fireOn: dueOn, summary, pausable: false, effect: { type: 'close', reason, closedOn: dueOn, summary: closing } });
    };
    const withdrawing = r.pendingClosure?.reason === 'CONSENT_WITHDRAWN';

    if (r.stage === 'AWAITING_CONSENT') {
      const expiry = addDays(r.referredOn, s.consentExpiryDays);
      notify('CONSENT_REMINDER', addDays(r.referredOn, s.consentReminderDays), expiry, `Relance consentement J+${s.consentReminderDays}`, false, [r.referentId, s.coordinatorId], 'Relance : consentement à recueillir', `Le consentement écrit de la famille n'est toujours pas enregistré (orientation du ${frDate(r.referredOn)}). Contacter la famille et enregistrer son accord ou son refus ; sans accord, le dossier sera clos le ${frDate(expiry)}.`, 'REMINDER_SENT', `Relance consentement envoyée (J+${s.consentReminderDays})`);
      closeAt('NO_CONSENT', expiry, `Clôture sans consentement J+${s.consentExpiryDays}`, `Aucun consentement ${s.consentExpiryDays} jours après l'orientation.`);
    }
    if (r.stage === 'AWAITING_TEAM_REVIEW' && !withdrawing) {
      const due = this.reviewDueOn();
      notify('REVIEW_ESCALATION', due, due, `Escalade EPS J+${s.reviewEscalationDays}`, false, [s.coordinatorId], 'Escalade : dossier en attente d\'EPS', `Le dossier attend une décision de l'EPS depuis ${s.reviewEscalationDays} jours. L'inscrire à la prochaine EPS ou décider.`, 'ESCALATION_SENT', `Escalade au coordinateur : pas d'examen en EPS ${s.reviewEscalationDays} jours après le consentement`);
    }
    if (r.stage === 'ACTIVE' && r.plan && !withdrawing) {
      const plan = r.plan;
      for (const a of r.actions) {
        if (a.status !== 'SCHEDULED') continue;
        const remindOn = addDays(a.startsOn, -1);
        if (a.startsOn > dateOf(a.at)) {
          notify('ACTION_START_REMINDER', remindOn, a.startsOn, `Relance action ${a.id} J-1`, true, [this.referentOrCoordinator()], `Rappel : une action commence demain`, `L'action ${a.id} (${a.type}, ${a.provider}) commence le ${frDate(a.startsOn)}. Vérifier que la famille et le prestataire sont prêts.`, 'REMINDER_SENT', `Rappel de début de l'action ${a.id}`, a.id);
        }
        if (a.endsOn) {
          notify('ACTION_END_REMINDER', addDays(a.endsOn, 1), a.endsOn, `Action ${a.id} terminée ?`, true, [this.referentOrCoordinator()], 'Relance : action échue à clôturer', `L'action ${a.id} (${a.type}, ${a.provider}) devait se terminer le ${frDate(a.endsOn)} et n'est pas marquée réalisée. La marquer réalisée, la prolonger ou l'annuler.`, 'REMINDER_SENT', `Relance : action ${a.id} échue non marquée réalisée`, a.id);
        }
      }
      if (plan.nextReassessmentOn) {
        const due = plan.nextReassessmentOn;
        notify('REASSESSMENT_REMINDER', addDays(due, -s.reassessmentReminderDays), due, `Relance réévaluation J-${s.reassessmentReminderDays}`, true, [this.referentOrCoordinator()], 'Rappel : réévaluation à prévoir', `La réévaluation du parcours est due le ${frDate(due)}. Préparer le point d'étape (progrès par objectif et décision).`, 'REMINDER_SENT', `Rappel de réévaluation (due le ${frDate(due)})`);
        notify('REASSESSMENT_ESCALATION', addDays(due, s.reassessmentEscalationDays), due, `Escalade réévaluation J+${s.reassessmentEscalationDays}`, true, [s.coordinatorId, r.referentId], 'Escalade : réévaluation en retard', `La réévaluation due le ${frDate(due)} n'est toujours pas enregistrée ${s.reassessmentEscalationDays} jours après. Voir avec le référent.`, 'ESCALATION_SENT', `Escalade : réévaluation due le ${frDate(due)} non faite`);
      }
      if (plan.maxEndsOn === null || plan.endsOn < plan.maxEndsOn) {
        notify('RENEWAL_DUE', plan.endsOn, plan.endsOn, 'Renouvellement à décider', true, [s.coordinatorId, r.referentId], 'Fin de la durée accordée : renouveler ou clore', `La durée accordée au parcours se termine le ${frDate(plan.endsOn)}. Présenter le dossier en EPS pour un renouvellement (+6 ou +12 mois) ou le clore.`, 'REMINDER_SENT', `Fin de la durée accordée (${frDate(plan.endsOn)}) : renouvellement ou clôture à décider`);
      }
      if (plan.maxEndsOn) closeAt('MAX_DURATION', plan.maxEndsOn, 'Durée maximale atteinte', `Durée maximale du parcours atteinte (${plan.totalMonths} mois accordés).`);
    }
    if (r.stage !== 'REFERRED') {
      const limit = this.ageLimit();
      notify('AGE_WARNING', addMonths(limit, -s.ageWarningMonths), limit, `Alerte limite d'âge J-${s.ageWarningMonths} mois`, false, [r.referentId, s.coordinatorId], `Alerte : limite d'âge dans ${s.ageWarningMonths} mois`, `L'enfant atteint la limite d'âge du PRE le ${frDate(limit)}. Préparer la fin du parcours et le relais vers le droit commun, ou demander une dérogation au coordinateur.`, 'REMINDER_SENT', `Alerte limite d'âge (le ${frDate(limit)})`);
      closeAt('AGE_LIMIT', limit, "Limite d'âge", "L'enfant a atteint la limite d'âge du PRE.");
      if (r.unreachableSince) closeAt('LOST_CONTACT', addDays(r.unreachableSince, s.unreachableCloseDays), `Sans contact ${s.unreachableCloseDays} jours`, `Famille injoignable depuis ${s.unreachableCloseDays} jours.`);
      if (r.pendingClosure?.reason === 'CONSENT_WITHDRAWN') closeAt('CONSENT_WITHDRAWN', r.pendingClosure.dueOn, `Clôture retrait consentement J+${s.consentWithdrawnCloseDays}`, `Consentement retiré ; clôture sans entretien de fin dans les ${s.consentWithdrawnCloseDays} jours.`);
      if (r.pendingClosure?.reason === 'MOVED_OUT') closeAt('MOVED_OUT', r.pendingClosure.dueOn, "Clôture déménagement fin d'année scolaire", "Déménagement hors QPV : clôture en fin d'année scolaire.");
    }
    const suspended = !!r.suspension;
    return out.filter((t) => !this.fired.has(t.key) && !(suspended && t.pausable)).sort((a, b) => (a.fireOn < b.fireOn ? -1 : a.fireOn > b.fireOn ? 1 : 0));
  }

  /** Fires every timer due at `nowMs`, in date order; a closure stops the rest. Returns how many fired. */
  fireDue(nowMs: number): number {
    let count = 0;
    for (;;) {
      if (this.closed) break;
      const next = this.timers().find((t) => isReached(t.fireOn, nowMs));
      if (!next) break;
      this.fired.add(next.key);
      count += 1;
      if (next.effect.type === 'notify') {
        this.outbox.push(next.effect.request);
        this.addTimeline(SYSTEM_ACTOR, next.effect.timeline, next.effect.text, nowMs, next.effect.request.dueOn);
      } else {
        const r = this.record;
        const reason = next.effect.reason;
        this.close({ reason, closedOn: next.effect.closedOn, summary: next.effect.summary }, SYSTEM_ACTOR, nowMs);
        this.outbox.push(this.notification('CASE_CLOSED', next.effect.closedOn, [r.referentId, this.settings.coordinatorId], 'Dossier clos automatiquement', `Le dossier a été clos le ${frDate(next.effect.closedOn)} (motif : ${CLOSURE_LABELS[reason]}). Aucune action n'est plus possible ; informer la famille et les partenaires si nécessaire.`));
      }
    }
    if (count > 0) this.touch();
    return count;
  }

  /** The open deadlines of the case, soonest first. */
  deadlines(nowMs: number): DeadlineView[] {
    const r = this.record;
    const s = this.settings;
    if (r.stage === 'CLOSED' || r.stage === 'REFERRED') return [];
    const out: DeadlineView[] = [];
    const suspended = !!r.suspension;
    const add = (kind: DeadlineKind, dueOn: IsoDate, actionId?: string) => {
      const overdue = STAFF_DEADLINES.has(kind) && !suspended && isOverdue(dueOn, nowMs);
      out.push({ kind, dueOn, overdue, label: DEADLINE_LABELS[kind], ...(actionId ? { actionId } : {}) });
    };
    const withdrawing = r.pendingClosure?.reason === 'CONSENT_WITHDRAWN';
    if (r.stage === 'AWAITING_CONSENT') add('CONSENT_EXPIRY', addDays(r.referredOn, s.consentExpiryDays));
    if (r.stage === 'AWAITING_TEAM_REVIEW' && !withdrawing) add('TEAM_REVIEW', this.reviewDueOn());
    if (r.stage === 'ACTIVE' && r.plan && !withdrawing) {
      const today = dateOf(nowMs);
      for (const a of r.actions) {
        if (a.status !== 'SCHEDULED') continue;
        if (a.startsOn >= today) add('ACTION_START', a.startsOn, a.id);
        if (a.endsOn) add('ACTION_END', a.endsOn, a.id);
      }
      if (r.plan.nextReassessmentOn) add('REASSESSMENT', r.plan.nextReassessmentOn);
      if (r.plan.maxEndsOn === null || r.plan.endsOn < r.plan.maxEndsOn) add('RENEWAL', r.plan.endsOn);
      if (r.plan.maxEndsOn) add('MAX_DURATION', r.plan.maxEndsOn);
    }
    add('AGE_LIMIT', this.ageLimit());
    if (r.unreachableSince) add('LOST_CONTACT', addDays(r.unreachableSince, s.unreachableCloseDays));
    if (r.pendingClosure) add(r.pendingClosure.reason === 'MOVED_OUT' ? 'MOVED_OUT_CLOSURE' : 'CONSENT_WITHDRAWN_CLOSURE', r.pendingClosure.dueOn);
    return out.sort((a, b) => (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : 0));
  }

  /** The next instant the case must wake up at: a timer, or a staff deadline becoming overdue. */
  nextWake(nowMs: number): { atMs: number; summary: string } | null {
    let best: { atMs: number; summary: string } | null = null;
    const consider = (atMs: number, summary: string) => {
      if (!best || atMs < best.atMs) best = { atMs, summary };
    };
    const timers = this.timers();
    if (timers[0]) consider(instantOf(timers[0].fireOn), timers[0].summary);
    if (!this.record.suspension) {
      for (const d of this.deadlines(nowMs)) {
        if (!STAFF_DEADLINES.has(d.kind) || d.overdue) continue;
        const at = instantOf(addDays(d.dueOn, 1));
        if (at > nowMs) consider(at, `Échéance dépassée : ${d.label}`);
      }
    }
    return best;
  }

  // -------------------------------------------------------------------------------------------------------
  // What the supervisor and the API see
  // -------------------------------------------------------------------------------------------------------

  /** Typed search attributes of the case now, or null when unchanged since the last call. */
  searchAttributeChanges(nowMs: number): SearchAttributeUpdatePair[] | null {
    const r = this.record;
    const deadlines = this.deadlines(nowMs);
    const next = deadlines[0] ?? null;
    const pairs: SearchAttributeUpdatePair[] = [
      { key: PRE_STAGE, value: r.stage },
      { key: PRE_QPV, value: r.child.qpv },
      { key: PRE_REFERENT_ID, value: r.referentId },
      { key: PRE_NEXT_DEADLINE, value: next ? searchAttributeDate(next.dueOn) : null },
      { key: PRE_NEXT_DEADLINE_KIND, value: next ? next.kind : null },
      { key: PRE_OVERDUE, value: deadlines.some((d) => d.overdue) },
      { key: PRE_AGE_BAND, value: r.ageBand },
      { key: PRE_CLOSURE_REASON, value: r.closure ? r.closure.reason : null },
      { key: PRE_CHILD_KEY, value: r.childKey },
      { key: PRE_REFERRED_ON, value: searchAttributeDate(r.referredOn) },
    ];
    const fingerprint = JSON.stringify(pairs.map((p) => [p.key.name, p.value instanceof Date ? p.value.toISOString() : p.value]));
    if (fingerprint === this.lastSearchAttributes) return null;
    this.lastSearchAttributes = fingerprint;
    return pairs;
  }

  /** Markdown for the Temporal UI's current details: stage, next deadline, what it is (French, no personal data). */
  currentDetails(nowMs: number): string {
    const r = this.record;
    const deadlines = this.deadlines(nowMs);
    const next = deadlines[0];
    const lines = [`**Étape** : ${STAGE_LABELS[r.stage]}${r.suspension ? ` — suspendu depuis le ${frDate(r.suspension.startsOn)} (${r.suspension.reason})` : ''}`];
    if (r.closure) {
      lines.push(`**Clôture** : ${CLOSURE_LABELS[r.closure.reason]} le ${frDate(r.closure.closedOn)}`);
      lines.push(`**Conservation** : données personnelles purgées le ${frDate(this.retention()!.purgeOn)} (dernier contact + ${this.retention()!.retentionMonths} mois)`);
    }
    else if (next) lines.push(`**Prochaine échéance** : ${frDate(next.dueOn)} — ${next.label}${next.overdue ? ' (**en retard**)' : ''}`);
    if (r.pendingClosure) lines.push(`**Clôture prévue** : ${frDate(r.pendingClosure.dueOn)} (${r.pendingClosure.reason})`);
    const overdue = deadlines.filter((d) => d.overdue);
    if (overdue.length > 0) lines.push(`**En retard** : ${overdue.map((d) => `${d.label} (${frDate(d.dueOn)})`).join(' ; ')}`);
    lines.push(`**Référent** : ${r.referentId ?? 'non assigné'}`);
    if (r.plan && !r.closure) lines.push(`**Durée accordée** : ${r.plan.totalMonths} mois, jusqu'au ${frDate(r.plan.endsOn)}`);
    return lines.join('\n\n');
  }

  /**
   * A closed case's retention (DOMAIN.md §5): kept `retentionMonths` after the last contact — the day the family
   * became unreachable when it still was at closure (LOST_CONTACT), else the closure date. Null while open.
   */
  retention(): RetentionView | null {
    const r = this.record;
    if (!r.closure) return null;
    const lastContactOn = r.unreachableSince && r.unreachableSince < r.closure.closedOn ? r.unreachableSince : r.closure.closedOn;
    const retentionMonths = this.settings.retentionMonths ?? DEFAULT_RETENTION_MONTHS;
    return { lastContactOn, retentionMonths, purgeOn: addMonths(lastContactOn, retentionMonths) };
  }

  /** The case as it now stands. */
  view(nowMs: number): ParcoursView {
    const { settings: _settings, childKey: _childKey, seq: _seq, ...data } = this.record;
    const deadlines = this.deadlines(nowMs);
    return structuredCloneJson({
      ...data,
      workflowId: this.workflowId,
      suspended: !!this.record.suspension,
      deadlines,
      nextDeadline: deadlines[0] ?? null,
      overdue: deadlines.some((d) => d.overdue),
      accepts: this.accepts().map((u) => UPDATE_LABELS[u]),
      timeline: { count: this.timeline.length, last: this.timeline.slice(-VIEW_TIMELINE_TAIL) },
      ...(this.record.closure ? { retention: this.retention()! } : {}),
    });
  }

  /** The workflow's result: anonymised figures for the yearly report. */
  closingSummary(): ParcoursClosingSummary {
    const r = this.record;
    const c = r.closure!;
    const byType = (pred: (a: ActionRecord) => boolean) => {
      const out: Partial<Record<ActionType, number>> = {};
      for (const t of ACTION_TYPES) {
        const n = r.actions.filter((a) => a.type === t && pred(a)).length;
        if (n > 0) out[t] = n;
      }
      return out;
    };
    const decision = r.reviews.find((x) => x.decision !== 'MORE_INFO');
    return {
      dossierId: r.dossierId,
      qpv: r.child.qpv,
      ageOnReferral: r.ageOnReferral,
      ageBand: r.ageBand,
      sex: r.child.sex,
      referredOn: r.referredOn,
      orienteurType: r.orienteur.type,
      reasons: r.reasons,
      eligible: r.eligibility?.eligible ?? false,
      eligibilityRuleVersion: r.eligibility?.ruleVersion ?? null,
      derogations: r.derogations.map((d) => d.kind),
      consentOn: r.consent?.decision === 'GRANTED' ? r.consent.signedOn : null,
      teamDecisions: r.reviews.map((x) => ({ meetingDate: x.meetingDate, decision: x.decision })),
      decisionOn: decision?.meetingDate ?? null,
      validatedOn: r.plan?.validatedOn ?? null,
      actionsByType: byType((a) => a.status !== 'CANCELLED'),
      actionsDoneByType: byType((a) => a.status === 'DONE'),
      reassessments: r.reassessments.length,
      renewals: r.plan?.renewals.length ?? 0,
      grantedMonths: r.plan?.totalMonths ?? null,
      closureReason: c.reason,
      closedOn: c.closedOn,
      durationDays: daysBetween(r.referredOn, c.closedOn),
      activeDays: r.plan ? daysBetween(r.plan.validatedOn, c.closedOn) : null,
      referredSchoolYear: schoolYearOf(r.referredOn),
      closedSchoolYear: schoolYearOf(c.closedOn),
      ...(c.handedOverTo || c.redirectedTo ? { handedOverTo: c.handedOverTo ?? c.redirectedTo } : {}),
      ...(r.child.school?.level ? { schoolLevel: r.child.school.level } : {}),
      ...(r.child.school?.priorityEducation ? { priorityEducation: r.child.school.priorityEducation } : {}),
    };
  }
}

/** A deep copy through JSON: answers must not share objects with the live state. */
function structuredCloneJson<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
