/**
 * The deadlines of a case (DOMAIN.md §1), in ONE pure table: for each dated obligation, the deadline an answer shows
 * and the timers that serve it (reminders, escalations, automatic closures). The timers the workflow sets, the
 * `deadlines` of every answer (and the search attributes and details drawn from them) and the instant the workflow
 * wakes up next are all derived from this table, so a stage rule is written once.
 */
import type { NotificationRequest } from '../../activities/notifications.types';
import { addDays, addMonths, byDueDate, dateOf, frDate, instantOf, isOverdue, timerHourOf, type IsoDate } from '../shared/calendar';
import type { Wake } from '../shared/loop';
import type { ClosureReason, DeadlineKind, ParcoursNotificationKind, TimelineType } from './parcours.codes';
import { DEFAULT_RENEWAL_ESCALATION_DAYS, DEFAULT_RENEWAL_REMINDER_DAYS } from './parcours.inputs';
import { DEADLINE_LABELS } from './parcours.labels';
import { caseNotice, referentOrCoordinator } from './parcours.notices';
import type { DeadlineView, ParcoursRecord } from './parcours.records';
import { ageLimitOn } from './parcours.rules';

/** What a timer does when it fires: record a notification (and its timeline entry), or close the case. */
export type TimerEffect =
  | { type: 'notify'; request: NotificationRequest; timeline: TimelineType; text: string }
  | { type: 'close'; reason: ClosureReason; closedOn: IsoDate; summary: string };

/** A timer the case needs: when it fires, what it does. */
export interface PendingTimer {
  /** `<kind>:<dueOn>[:<suffix>]`, unique per case; also the tail of the notification key. */
  key: string;
  fireOn: IsoDate;
  /** Timer summary in the Temporal UI, e.g. "Relance consentement J+15". */
  summary: string;
  /** Reminders pause while the case is suspended. */
  pausable: boolean;
  effect: TimerEffect;
}

/** One dated obligation of the case: the deadline it shows and the timers that serve it. */
export interface DeadlineRow {
  kind: DeadlineKind;
  dueOn: IsoDate;
  actionId?: string;
  /** Shown up to this day only (an action's start is not a deadline once the action has started). */
  shownUntil?: IsoDate;
  timers: PendingTimer[];
}

/** Deadlines that call for a staff action (they can be overdue); the others are automatic closures or information. */
const STAFF_DEADLINES: ReadonlySet<DeadlineKind> = new Set<DeadlineKind>(['TEAM_REVIEW', 'ACTION_END', 'REASSESSMENT', 'RENEWAL']);

/** A reminder or escalation of a row, as the timer that records it. */
interface Notice {
  kind: ParcoursNotificationKind;
  fireOn: IsoDate;
  /** Timer summary in the Temporal UI. */
  summary: string;
  pausable: boolean;
  to: Array<string | null | undefined>;
  subject: string;
  body: string;
  timeline: TimelineType;
  /** Timeline summary once sent. */
  text: string;
  suffix?: string;
}

/** The date the case closes for age: the 17th birthday, or the latest AGE derogation's date. */
export function ageLimitOf(r: ParcoursRecord): IsoDate {
  const d = [...r.derogations].reverse().find((x) => x.kind === 'AGE');
  return ageLimitOn(r.child.birthDate, d?.untilOn);
}

/** The EPS should have decided by this date: consent (or the last MORE_INFO) + the escalation delay. */
export function reviewDueOn(r: ParcoursRecord): IsoDate {
  const lastMoreInfo = [...r.reviews].reverse().find((x) => x.decision === 'MORE_INFO');
  return addDays(lastMoreInfo ? lastMoreInfo.meetingDate : r.consent!.signedOn, r.settings.reviewEscalationDays);
}

/** THE table: every deadline of the case as it stands, each with its timers, in a fixed order. */
export function deadlineTable(r: ParcoursRecord, workflowId: string): DeadlineRow[] {
  if (r.stage === 'CLOSED' || r.stage === 'REFERRED') return [];
  const s = r.settings;
  const rows: DeadlineRow[] = [];
  const notify = (dueOn: IsoDate, n: Notice): PendingTimer => ({
    key: `${n.kind}:${dueOn}${n.suffix ? `:${n.suffix}` : ''}`,
    fireOn: n.fireOn,
    summary: n.summary,
    pausable: n.pausable,
    effect: { type: 'notify', request: caseNotice(r, workflowId, { kind: n.kind, dueOn, recipients: n.to, subject: n.subject, body: n.body, suffix: n.suffix }), timeline: n.timeline, text: n.text },
  });
  const closeOn = (reason: ClosureReason, dueOn: IsoDate, summary: string, closing: string): PendingTimer => ({
    key: `CLOSE_${reason}:${dueOn}`,
    fireOn: dueOn,
    summary,
    pausable: false,
    effect: { type: 'close', reason, closedOn: dueOn, summary: closing },
  });
  const withdrawing = r.pendingClosure?.reason === 'CONSENT_WITHDRAWN';

  if (r.stage === 'AWAITING_CONSENT') {
    const expiry = addDays(r.referredOn, s.consentExpiryDays);
    rows.push({
      kind: 'CONSENT_EXPIRY',
      dueOn: expiry,
      timers: [
        notify(expiry, {
          kind: 'CONSENT_REMINDER',
          fireOn: addDays(r.referredOn, s.consentReminderDays),
          summary: `Relance consentement J+${s.consentReminderDays}`,
          pausable: false,
          to: [r.referentId, s.coordinatorId],
          subject: 'Relance : consentement à recueillir',
          body: `Le consentement écrit de la famille n'est toujours pas enregistré (orientation du ${frDate(r.referredOn)}). Contacter la famille et enregistrer son accord ou son refus ; sans accord, le dossier sera clos le ${frDate(expiry)}.`,
          timeline: 'REMINDER_SENT',
          text: `Relance consentement envoyée (J+${s.consentReminderDays})`,
        }),
        closeOn('NO_CONSENT', expiry, `Clôture sans consentement J+${s.consentExpiryDays}`, `Aucun consentement ${s.consentExpiryDays} jours après l'orientation.`),
      ],
    });
  }
  if (r.stage === 'AWAITING_TEAM_REVIEW' && !withdrawing) {
    const due = reviewDueOn(r);
    rows.push({
      kind: 'TEAM_REVIEW',
      dueOn: due,
      timers: [
        notify(due, {
          kind: 'REVIEW_ESCALATION',
          fireOn: due,
          summary: `Escalade EPS J+${s.reviewEscalationDays}`,
          pausable: false,
          to: [s.coordinatorId],
          subject: "Escalade : dossier en attente d'EPS",
          body: `Le dossier attend une décision de l'EPS depuis ${s.reviewEscalationDays} jours. L'inscrire à la prochaine EPS ou décider.`,
          timeline: 'ESCALATION_SENT',
          text: `Escalade au coordinateur : pas d'examen en EPS ${s.reviewEscalationDays} jours après le consentement`,
        }),
      ],
    });
  }
  if (r.stage === 'ACTIVE' && r.plan && !withdrawing) {
    const plan = r.plan;
    const referent = referentOrCoordinator(r);
    for (const a of r.actions) {
      if (a.status !== 'SCHEDULED') continue;
      rows.push({
        kind: 'ACTION_START',
        dueOn: a.startsOn,
        actionId: a.id,
        shownUntil: a.startsOn,
        // no reminder for an action scheduled on the day it starts (or later): the Paris day it was recorded
        timers:
          a.startsOn > dateOf(a.at)
            ? [
                notify(a.startsOn, {
                  kind: 'ACTION_START_REMINDER',
                  fireOn: addDays(a.startsOn, -1),
                  summary: `Relance action ${a.id} J-1`,
                  pausable: true,
                  to: [referent],
                  subject: 'Rappel : une action commence demain',
                  body: `L'action ${a.id} (${a.type}, ${a.provider}) commence le ${frDate(a.startsOn)}. Vérifier que la famille et le prestataire sont prêts.`,
                  timeline: 'REMINDER_SENT',
                  text: `Rappel de début de l'action ${a.id}`,
                  suffix: a.id,
                }),
              ]
            : [],
      });
      if (a.endsOn) {
        rows.push({
          kind: 'ACTION_END',
          dueOn: a.endsOn,
          actionId: a.id,
          timers: [
            notify(a.endsOn, {
              kind: 'ACTION_END_REMINDER',
              fireOn: addDays(a.endsOn, 1),
              summary: `Action ${a.id} terminée ?`,
              pausable: true,
              to: [referent],
              subject: 'Relance : action échue à clôturer',
              body: `L'action ${a.id} (${a.type}, ${a.provider}) devait se terminer le ${frDate(a.endsOn)} et n'est pas marquée réalisée. La marquer réalisée, la prolonger ou l'annuler.`,
              timeline: 'REMINDER_SENT',
              text: `Relance : action ${a.id} échue non marquée réalisée`,
              suffix: a.id,
            }),
          ],
        });
      }
    }
    if (plan.nextReassessmentOn) {
      const due = plan.nextReassessmentOn;
      rows.push({
        kind: 'REASSESSMENT',
        dueOn: due,
        timers: [
          notify(due, {
            kind: 'REASSESSMENT_REMINDER',
            fireOn: addDays(due, -s.reassessmentReminderDays),
            summary: `Relance réévaluation J-${s.reassessmentReminderDays}`,
            pausable: true,
            to: [referent],
            subject: 'Rappel : réévaluation à prévoir',
            body: `La réévaluation du parcours est due le ${frDate(due)}. Préparer le point d'étape (progrès par objectif et décision).`,
            timeline: 'REMINDER_SENT',
            text: `Rappel de réévaluation (due le ${frDate(due)})`,
          }),
          notify(due, {
            kind: 'REASSESSMENT_ESCALATION',
            fireOn: addDays(due, s.reassessmentEscalationDays),
            summary: `Escalade réévaluation J+${s.reassessmentEscalationDays}`,
            pausable: true,
            to: [s.coordinatorId, r.referentId],
            subject: 'Escalade : réévaluation en retard',
            body: `La réévaluation due le ${frDate(due)} n'est toujours pas enregistrée ${s.reassessmentEscalationDays} jours après. Voir avec le référent.`,
            timeline: 'ESCALATION_SENT',
            text: `Escalade : réévaluation due le ${frDate(due)} non faite`,
          }),
        ],
      });
    }
    if (plan.maxEndsOn === null || plan.endsOn < plan.maxEndsOn) {
      const reminderDays = s.renewalReminderDays ?? DEFAULT_RENEWAL_REMINDER_DAYS;
      const escalationDays = s.renewalEscalationDays ?? DEFAULT_RENEWAL_ESCALATION_DAYS;
      const remindOn = addDays(plan.endsOn, -reminderDays);
      rows.push({
        kind: 'RENEWAL',
        dueOn: plan.endsOn,
        timers: [
          // no reminder for a granted length shorter than its lead (it would go out with the validation)
          ...(remindOn > plan.validatedOn
            ? [
                notify(plan.endsOn, {
                  kind: 'RENEWAL_REMINDER',
                  fireOn: remindOn,
                  summary: `Rappel fin de durée accordée J-${reminderDays}`,
                  pausable: true,
                  to: [referent, s.coordinatorId],
                  subject: 'Rappel : fin de la durée accordée à préparer',
                  body: `La durée accordée au parcours se termine le ${frDate(plan.endsOn)}. Préparer sa présentation en EPS pour un renouvellement (+6 ou +12 mois) ou sa clôture ; aucune action ne pourra commencer après cette date sans renouvellement.`,
                  timeline: 'REMINDER_SENT',
                  text: `Rappel : fin de la durée accordée le ${frDate(plan.endsOn)}`,
                }),
              ]
            : []),
          notify(plan.endsOn, {
            kind: 'RENEWAL_DUE',
            fireOn: plan.endsOn,
            summary: 'Renouvellement à décider',
            pausable: true,
            to: [s.coordinatorId, r.referentId],
            subject: 'Fin de la durée accordée : renouveler ou clore',
            body: `La durée accordée au parcours se termine le ${frDate(plan.endsOn)}. Présenter le dossier en EPS pour un renouvellement (+6 ou +12 mois) ou le clore.`,
            timeline: 'REMINDER_SENT',
            text: `Fin de la durée accordée (${frDate(plan.endsOn)}) : renouvellement ou clôture à décider`,
          }),
          notify(plan.endsOn, {
            kind: 'RENEWAL_ESCALATION',
            fireOn: addDays(plan.endsOn, escalationDays),
            summary: `Escalade renouvellement J+${escalationDays}`,
            pausable: true,
            to: [s.coordinatorId, r.referentId],
            subject: 'Escalade : durée accordée dépassée sans renouvellement ni clôture',
            body: `La durée accordée au parcours s'est terminée le ${frDate(plan.endsOn)} et ni renouvellement ni clôture n'est enregistré ${escalationDays} jours après. Les actions au-delà de cette date sont refusées : inscrire le dossier à la prochaine EPS ou le clore.`,
            timeline: 'ESCALATION_SENT',
            text: `Escalade : durée accordée terminée le ${frDate(plan.endsOn)} sans renouvellement ni clôture`,
          }),
        ],
      });
    }
    if (plan.maxEndsOn) {
      rows.push({
        kind: 'MAX_DURATION',
        dueOn: plan.maxEndsOn,
        timers: [closeOn('MAX_DURATION', plan.maxEndsOn, 'Durée maximale atteinte', `Durée maximale du parcours atteinte (${plan.totalMonths} mois accordés).`)],
      });
    }
  }
  const limit = ageLimitOf(r);
  rows.push({
    kind: 'AGE_LIMIT',
    dueOn: limit,
    timers: [
      notify(limit, {
        kind: 'AGE_WARNING',
        fireOn: addMonths(limit, -s.ageWarningMonths),
        summary: `Alerte limite d'âge J-${s.ageWarningMonths} mois`,
        pausable: false,
        to: [r.referentId, s.coordinatorId],
        subject: `Alerte : limite d'âge dans ${s.ageWarningMonths} mois`,
        body: `L'enfant atteint la limite d'âge du PRE le ${frDate(limit)}. Préparer la fin du parcours et le relais vers le droit commun, ou demander une dérogation au coordinateur.`,
        timeline: 'REMINDER_SENT',
        text: `Alerte limite d'âge (le ${frDate(limit)})`,
      }),
      closeOn('AGE_LIMIT', limit, "Limite d'âge", "L'enfant a atteint la limite d'âge du PRE."),
    ],
  });
  if (r.unreachableSince) {
    const due = addDays(r.unreachableSince, s.unreachableCloseDays);
    rows.push({ kind: 'LOST_CONTACT', dueOn: due, timers: [closeOn('LOST_CONTACT', due, `Sans contact ${s.unreachableCloseDays} jours`, `Famille injoignable depuis ${s.unreachableCloseDays} jours.`)] });
  }
  if (r.pendingClosure?.reason === 'CONSENT_WITHDRAWN') {
    const due = r.pendingClosure.dueOn;
    rows.push({
      kind: 'CONSENT_WITHDRAWN_CLOSURE',
      dueOn: due,
      timers: [closeOn('CONSENT_WITHDRAWN', due, `Clôture retrait consentement J+${s.consentWithdrawnCloseDays}`, `Consentement retiré ; clôture sans entretien de fin dans les ${s.consentWithdrawnCloseDays} jours.`)],
    });
  }
  if (r.pendingClosure?.reason === 'MOVED_OUT') {
    const due = r.pendingClosure.dueOn;
    rows.push({ kind: 'MOVED_OUT_CLOSURE', dueOn: due, timers: [closeOn('MOVED_OUT', due, "Clôture déménagement fin d'année scolaire", "Déménagement hors QPV : clôture en fin d'année scolaire.")] });
  }
  return rows;
}

/** The deadlines an answer shows, soonest first; a suspended case has none overdue (its clock is paused). */
export function shownDeadlines(r: ParcoursRecord, rows: readonly DeadlineRow[], nowMs: number): DeadlineView[] {
  const today = dateOf(nowMs);
  const suspended = !!r.suspension;
  return rows
    .filter((d) => !d.shownUntil || today <= d.shownUntil)
    .map((d) => ({
      kind: d.kind,
      dueOn: d.dueOn,
      overdue: STAFF_DEADLINES.has(d.kind) && !suspended && isOverdue(d.dueOn, nowMs, timerHourOf(r.settings)),
      label: DEADLINE_LABELS[d.kind],
      ...(d.actionId ? { actionId: d.actionId } : {}),
    }))
    .sort(byDueDate);
}

/** The timers still to fire (those already fired are left out, and a suspended case's reminders), soonest first. */
export function pendingTimers(r: ParcoursRecord, rows: readonly DeadlineRow[], fired: ReadonlySet<string>): PendingTimer[] {
  const suspended = !!r.suspension;
  return rows
    .flatMap((d) => d.timers)
    .filter((t) => !fired.has(t.key) && !(suspended && t.pausable))
    .sort((a, b) => (a.fireOn < b.fireOn ? -1 : a.fireOn > b.fireOn ? 1 : 0));
}

/**
 * The next instant the case must wake up at: its next timer, or the day a staff deadline becomes overdue (the search
 * attributes and details then say "overdue" from that day, not from the case's next change).
 */
export function nextWakeOf(r: ParcoursRecord, rows: readonly DeadlineRow[], fired: ReadonlySet<string>, nowMs: number): Wake | null {
  let best: Wake | null = null;
  const consider = (atMs: number, summary: string) => {
    if (!best || atMs < best.atMs) best = { atMs, summary };
  };
  const next = pendingTimers(r, rows, fired)[0];
  if (next) consider(instantOf(next.fireOn, timerHourOf(r.settings)), next.summary);
  if (!r.suspension) {
    for (const d of shownDeadlines(r, rows, nowMs)) {
      if (!STAFF_DEADLINES.has(d.kind) || d.overdue) continue;
      const at = instantOf(addDays(d.dueOn, 1), timerHourOf(r.settings));
      if (at > nowMs) consider(at, `Échéance dépassée : ${d.label}`);
    }
  }
  return best;
}
