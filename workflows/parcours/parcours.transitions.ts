/**
 * The transitions of a parcours (DOMAIN.md §1): for each staff update, its validator (synchronous; throws an
 * ApplicationFailure the API turns into 409/422/404/400) and its applier, plus the eligibility outcome the main flow
 * applies. The stage rules of what each update is accepted in are CaseState.accepts(); the deadlines and timers
 * each change leads to are derived afterwards from parcours.deadlines.ts.
 */
import { addDays, addMonths, dateOf, frDate, maxDate, parisDateOf } from '../shared/calendar';
import { FailureType, failure } from '../shared/failures';
import { SYSTEM_ACTOR } from '../shared/messages';
import { CaseState, blank, rule } from './parcours.case';
import { CLOSURE_REASONS, PARENTAL_AUTHORITY } from './parcours.codes';
import type {
  ActionInput,
  ActionPatchInput,
  ClosureInput,
  ConsentInput,
  DerogationInput,
  LifeEventInput,
  ReassessmentInput,
  ReferentAssignmentInput,
  RenewalInput,
  ResumptionInput,
  SuspensionInput,
  TeamReviewInput,
} from './parcours.inputs';
import { referentOrCoordinator, uniq } from './parcours.notices';
import type { ActionRecord, EligibilityRecord } from './parcours.records';
import { AGE_DEROGATION_LIMIT, AGE_LIMIT, birthdayOn, needsDurationDerogation, schoolYearEnd, totalGrantedMonths } from './parcours.rules';

/** A parcours' state with its transitions (parcours.state.ts adds the view). */
export class CaseTransitions extends CaseState {
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
      this.notify('REFERRAL_ACK', r.referredOn, [r.createdBy.sub], 'Orientation reçue', `L'orientation du ${frDate(r.referredOn)} est enregistrée et éligible au PRE. Prochaine étape : recueillir le consentement écrit de la famille avant le ${frDate(addDays(r.referredOn, this.settings.consentExpiryDays))}.`);
    } else {
      this.notify('INELIGIBLE_NOTICE', r.referredOn, [r.createdBy.sub, this.settings.coordinatorId], 'Orientation non retenue', `L'orientation du ${frDate(r.referredOn)} ne relève pas du PRE selon les critères en vigueur. Informer l'orienteur que l'orientation n'est pas retenue (sans détail) et, si besoin, l'orienter vers le droit commun.`);
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
    // today is the Paris day of the workflow's clock (the staff's day)
    const today = parisDateOf(Date.now());
    if (i.signedOn > today) rule(`The consent date (${i.signedOn}) is in the future (today is ${today}).`, { field: 'consent date', code: 'CONSENT_DATE_IN_FUTURE' });
    if (i.decision === 'GRANTED') {
      if (!i.signedBy || i.signedBy.length === 0) rule('Consent GRANTED needs at least one holder of parental authority in signedBy.', { field: 'signedBy' });
      if (i.signedBy.some((s) => blank(s.name))) rule('Each signatory needs a name.', { field: 'signedBy' });
      if (!i.signedBy.some((s) => PARENTAL_AUTHORITY.includes(s.relationship))) {
        rule(`Consent GRANTED needs the signature of a holder of parental authority (${PARENTAL_AUTHORITY.join(', ')}); signedBy has none.`, { field: 'signedBy', code: 'CONSENT_PARENTAL_AUTHORITY' });
      }
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
        if (cap !== null && needsDurationDerogation(months, cap)) rule(`An initial length of ${months} months exceeds the maximum of ${cap} months; a coordinator DURATION derogation is needed first.`, { field: 'durationMonths' });
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
    const base = { meetingDate: i.meetingDate, ...(i.meetingId ? { meetingId: i.meetingId } : {}), decision: i.decision, ...this.recorded(i, nowMs) };
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

  validateAction(i: ActionInput): void {
    this.assertAccepts('scheduleAction');
    if (blank(i.provider)) rule('An action needs a provider.', { field: 'provider' });
    this.checkActionDates(i.startsOn, i.endsOn, i.sessions);
    this.checkGrantedLength(i.startsOn);
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

  validateActionPatch(i: ActionPatchInput): void {
    this.assertAccepts('changeAction');
    const a = this.findAction(i.actionId);
    if (a.status !== 'SCHEDULED') throw failure(FailureType.CONFLICT, `The action ${a.id} is already ${a.status} and cannot change.`, { actionId: a.id, actionStatus: a.status });
    const changes = [i.status, i.provider, i.startsOn, i.endsOn, i.sessions, i.frequency, i.note].filter((x) => x !== undefined);
    if (changes.length === 0) rule('Nothing to change: send a status (DONE, CANCELLED) or changed dates, sessions, frequency or provider.');
    if (i.status === 'CANCELLED' && blank(i.motive)) rule('Cancelling an action needs a motive.', { field: 'motive' });
    if (i.provider !== undefined && blank(i.provider)) rule('The provider cannot be empty.', { field: 'provider' });
    this.checkActionDates(i.startsOn ?? a.startsOn, i.endsOn ?? a.endsOn, i.sessions ?? a.sessions);
    // completing or cancelling stays possible after the granted end; moving an action beyond it does not
    this.checkGrantedLength(i.startsOn);
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
    const total = totalGrantedMonths(plan.initialMonths, [...plan.renewals.map((x) => x.extensionMonths), i.extensionMonths]);
    const cap = this.durationCap();
    if (cap !== null && needsDurationDerogation(total, cap)) {
      rule(`Renewing by ${i.extensionMonths} months brings the parcours to ${total} months, beyond the maximum of ${cap} months: a coordinator DURATION derogation with a motive is needed first.`, { field: 'extensionMonths', totalMonths: total, maxTotalMonths: cap });
    }
  }

  applyRenewal(i: RenewalInput, nowMs: number): void {
    const plan = this.record.plan!;
    plan.renewals.push({ meetingDate: i.meetingDate, extensionMonths: i.extensionMonths, ...this.recorded(i, nowMs) });
    plan.totalMonths = totalGrantedMonths(plan.initialMonths, plan.renewals.map((x) => x.extensionMonths));
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

  validateResumption(i: ResumptionInput): void {
    this.assertAccepts('resumeParcours');
    this.notBefore(i.resumedOn, this.record.suspension!.startsOn, 'resumption date', 'start of the suspension');
  }

  applyResumption(i: ResumptionInput, nowMs: number): void {
    this.resume(i.resumedOn, i, nowMs);
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
        this.notify('SAFEGUARDING_ESCALATION', i.occurredOn, [this.settings.coordinatorId, r.referentId], 'URGENT — préoccupation de protection de l\'enfance', `Une préoccupation de protection de l'enfance a été enregistrée le ${frDate(i.occurredOn)}. À traiter immédiatement : évaluer la transmission d'une information préoccupante au département et en enregistrer la date dans le dossier.`, `e${n}`);
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
          this.notify('ACTION_STOPPED', i.occurredOn, [referentOrCoordinator(this.record), this.settings.coordinatorId], 'Actions arrêtées (retrait du consentement)', `La famille a retiré son consentement le ${frDate(i.occurredOn)}. ${stopped.length} action(s) arrêtée(s) : prévenir sans délai les prestataires (${providers}). Clôture du dossier au plus tard le ${frDate(dueOn)} ; enregistrer l'entretien de fin s'il a lieu avant.`);
        }
        return;
      }
      case 'MOVED_OUT': {
        // recorded late, the move closes the case no earlier than the latest date its history holds (DOMAIN.md)
        const latest = this.latestRecordedOn();
        if (i.leftCity) {
          const closedOn = maxDate(i.occurredOn, latest);
          this.addTimeline(i.actor, 'LIFE_EVENT_RECORDED', `Déménagement hors de la commune le ${frDate(i.occurredOn)}`, nowMs, i.occurredOn, i);
          this.close({ reason: 'MOVED_OUT', closedOn, summary: 'La famille a quitté la commune.' }, i.actor, nowMs, i);
        } else {
          const dueOn = maxDate(schoolYearEnd(i.occurredOn), latest);
          if (!r.pendingClosure || r.pendingClosure.dueOn > dueOn) r.pendingClosure = { reason: 'MOVED_OUT', dueOn };
          this.addTimeline(i.actor, 'LIFE_EVENT_RECORDED', `Déménagement hors QPV le ${frDate(i.occurredOn)} : clôture ${dueOn === schoolYearEnd(i.occurredOn) ? "en fin d'année scolaire" : 'après la dernière date du dossier'} (${frDate(dueOn)})`, nowMs, i.occurredOn, i);
        }
        return;
      }
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
    if (!CLOSURE_REASONS.includes(i.reason)) throw failure(FailureType.BAD_INPUT, `Unknown closure reason ${String(i.reason)}.`);
    if (blank(i.summary)) rule('A closure needs a closing summary.', { field: 'summary' });
    if (i.reason === 'HANDED_OVER' && blank(i.handedOverTo)) rule('A HANDED_OVER closure needs the common-law service (handedOverTo).', { field: 'handedOverTo' });
    if (i.reason === 'OTHER' && blank(i.motive)) rule('An OTHER closure needs a motive.', { field: 'motive' });
  }

  applyClosure(i: ClosureInput, nowMs: number): void {
    this.close({ reason: i.reason, closedOn: i.closedOn, summary: i.summary, ...(i.handedOverTo ? { handedOverTo: i.handedOverTo } : {}), ...(i.motive ? { motive: i.motive } : {}) }, i.actor, nowMs, i);
  }

  validateReferent(i: ReferentAssignmentInput): void {
    this.assertAccepts('assignReferent');
    if (blank(i.referentId)) throw failure(FailureType.BAD_INPUT, 'referentId is required.');
  }

  applyReferent(i: ReferentAssignmentInput, nowMs: number): void {
    const before = this.record.referentId;
    this.record.referentId = i.referentId;
    this.addTimeline(i.actor, 'REFERENT_ASSIGNED', before ? `Référent changé : ${before} → ${i.referentId}` : `Référent assigné : ${i.referentId}`, nowMs, undefined, i);
  }
}
