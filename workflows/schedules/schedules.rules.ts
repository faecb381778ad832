/**
 * Pure rules of the reminders that look across cases (DOMAIN.md §3): the EPS agenda day, what each deadline asks
 * staff to do, who gets which line of the digest, and the French messages. No I/O, no clock (Paris days and working
 * days are shared/calendar.ts): shared by the schedule workflows, the activities and the API (`GET /me/tasks`).
 */
import type { NotificationRequest } from '../../activities/notifications.types';
import { addDays, frDate, frDay, toEpochDays, workingDaysBefore, type IsoDate } from '../shared/calendar';
import { QPV_LABELS } from '../parcours/parcours.labels';
import type { AgendaCase, DeadlineItem, RunningConvention } from './schedules.contract';

// ---------------------------------------------------------------------------------------------------------
// The EPS agenda
// ---------------------------------------------------------------------------------------------------------

/**
 * The day the agenda of an EPS meeting goes to the coordinator: `leadWorkingDays` working days before it (a Tuesday
 * meeting with 3 → the Thursday before), so it never lands on a weekend and leaves time to prepare the cases.
 */
export function epsAgendaDay(meetingDate: IsoDate, leadWorkingDays: number): IsoDate {
  return workingDaysBefore(meetingDate, leadWorkingDays);
}

// ---------------------------------------------------------------------------------------------------------
// What a deadline asks staff to do
// ---------------------------------------------------------------------------------------------------------

/** Task kinds of `GET /me/tasks` (stable, English) with what to do (French). */
export const TASK_KINDS = {
  COLLECT_CONSENT: 'Recueillir le consentement écrit de la famille',
  TEAM_REVIEW: "Présenter le dossier à l'EPS",
  ASSIGN_REFERENT: 'Désigner un référent de parcours',
  ACTION_STARTING: "Préparer le démarrage de l'action",
  ACTION_ENDED: "Marquer l'action réalisée ou la prolonger",
  REASSESSMENT_DUE: 'Faire la réévaluation du parcours',
  RENEWAL_DUE: "Préparer le renouvellement ou la fin du parcours en EPS",
  MAX_DURATION: 'Préparer la fin du parcours (durée maximale) ou une dérogation',
  AGE_LIMIT: "Préparer la sortie (17 ans) ou une dérogation d'âge",
  RESTORE_CONTACT: 'Reprendre contact avec la famille',
  CLOSING_INTERVIEW: "Mener l'entretien de fin et clore le dossier",
  CLOSURE_MOVED_OUT: 'Préparer la clôture (déménagement)',
  SIGNATURES: 'Obtenir les signatures de la convention',
  SUBSIDY_REQUEST: 'Envoyer la demande de subvention de l’année',
  YEAR_AUTHORISATION: "Faire délibérer l'autorisation de l'année",
  FINANCIAL_REPORT: 'Déposer le compte rendu financier (CERFA 15059)',
  PAYMENT: 'Suivre le versement attendu',
  FUNDING_DEADLINE: 'Traiter l’échéance de financement',
  CASE_DEADLINE: 'Traiter l’échéance du dossier',
} as const;
export type TaskKind = keyof typeof TASK_KINDS;

const PARCOURS_TASKS: Record<string, TaskKind> = {
  CONSENT_EXPIRY: 'COLLECT_CONSENT',
  TEAM_REVIEW: 'TEAM_REVIEW',
  ACTION_START: 'ACTION_STARTING',
  ACTION_END: 'ACTION_ENDED',
  REASSESSMENT: 'REASSESSMENT_DUE',
  RENEWAL: 'RENEWAL_DUE',
  MAX_DURATION: 'MAX_DURATION',
  AGE_LIMIT: 'AGE_LIMIT',
  LOST_CONTACT: 'RESTORE_CONTACT',
  CONSENT_WITHDRAWN_CLOSURE: 'CLOSING_INTERVIEW',
  MOVED_OUT_CLOSURE: 'CLOSURE_MOVED_OUT',
};

/** Funding deadline kinds are matched by meaning, so that the convention workflow's names need no table here. */
function fundingTask(kind: string): TaskKind {
  if (/SIGNATURE/.test(kind)) return 'SIGNATURES';
  if (/REQUEST/.test(kind)) return 'SUBSIDY_REQUEST';
  if (/AUTHORI[SZ]ATION|DELIBERATION/.test(kind)) return 'YEAR_AUTHORISATION';
  if (/REPORT|CRF/.test(kind)) return 'FINANCIAL_REPORT';
  if (/PAYMENT|TRANCHE/.test(kind)) return 'PAYMENT';
  return 'FUNDING_DEADLINE';
}

/** What an item's deadline asks staff to do. */
export function taskKindOf(item: Pick<DeadlineItem, 'source' | 'kind' | 'stage'>): TaskKind {
  if (item.source === 'funding') return fundingTask(item.kind ?? '');
  if (item.kind && PARCOURS_TASKS[item.kind]) return PARCOURS_TASKS[item.kind];
  if (item.stage === 'AWAITING_CONSENT') return 'COLLECT_CONSENT';
  if (item.stage === 'AWAITING_TEAM_REVIEW') return 'TEAM_REVIEW';
  return 'CASE_DEADLINE';
}

/** The reference staff know an item by: `dossier D-…` or `convention CPO-… (année 2025)`. */
export function referenceOf(item: Pick<DeadlineItem, 'dossierId' | 'conventionRef' | 'year' | 'workflowId'>): string {
  if (item.dossierId) return `dossier ${item.dossierId}`;
  if (item.conventionRef) return `convention ${item.conventionRef}${item.year ? ` (année ${item.year})` : ''}`;
  return item.workflowId;
}

/** Overdue first, then by due date, then by reference: the order of every list a person reads. */
export function byUrgency<T extends Pick<DeadlineItem, 'overdue' | 'dueOn' | 'workflowId'>>(a: T, b: T): number {
  if (a.overdue !== b.overdue) return a.overdue ? -1 : 1;
  const da = a.dueOn ?? '9999-12-31';
  const db = b.dueOn ?? '9999-12-31';
  if (da !== db) return da < db ? -1 : 1;
  return a.workflowId < b.workflowId ? -1 : a.workflowId > b.workflowId ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------------
// Daily digest
// ---------------------------------------------------------------------------------------------------------

/** One person's digest. */
export interface DigestMessage {
  /** A staff id, or `role:coordinator` / `role:finance`. */
  recipient: string;
  audience: 'referent' | 'coordinator' | 'finance';
  items: DeadlineItem[];
}

/** Stages where the case is the coordinator's to move (eligibility, EPS). */
const COORDINATOR_STAGES = new Set(['REFERRED', 'AWAITING_TEAM_REVIEW']);

/**
 * Who reads which line: each référent their own cases; the coordinator every overdue case (an escalation), every case
 * without a référent and every case waiting for the EPS; finance every funding item. One message per recipient, only
 * when it has something to say.
 */
export function buildDigestMessages(items: readonly DeadlineItem[], opts: { coordinatorRecipient: string; financeRecipient: string }): DigestMessage[] {
  const byReferent = new Map<string, DeadlineItem[]>();
  const coordinator: DeadlineItem[] = [];
  const finance: DeadlineItem[] = [];
  for (const item of items) {
    if (item.source === 'funding') {
      finance.push(item);
      continue;
    }
    if (item.referentId) byReferent.set(item.referentId, [...(byReferent.get(item.referentId) ?? []), item]);
    if (item.overdue || !item.referentId || COORDINATOR_STAGES.has(item.stage ?? '')) coordinator.push(item);
  }
  const messages: DigestMessage[] = [...byReferent.keys()]
    .sort()
    .map((recipient) => ({ recipient, audience: 'referent' as const, items: byReferent.get(recipient)!.sort(byUrgency) }));
  if (coordinator.length > 0) messages.push({ recipient: opts.coordinatorRecipient, audience: 'coordinator', items: coordinator.sort(byUrgency) });
  if (finance.length > 0) messages.push({ recipient: opts.financeRecipient, audience: 'finance', items: finance.sort(byUrgency) });
  return messages;
}

/** Longest list an e-mail shows; the rest is counted (the application has the full list: GET /me/tasks). */
const MAX_LINES = 40;

function itemLine(item: DeadlineItem): string {
  const ref = referenceOf(item);
  const what = TASK_KINDS[taskKindOf(item)];
  const due = item.dueOn ? ` — échéance le ${frDate(item.dueOn)}` : '';
  return `- ${ref.charAt(0).toUpperCase()}${ref.slice(1)} : ${what}${due}`;
}

function section(title: string, items: DeadlineItem[]): string[] {
  if (items.length === 0) return [];
  const lines = items.slice(0, MAX_LINES).map(itemLine);
  if (items.length > MAX_LINES) lines.push(`- … et ${items.length - MAX_LINES} autre(s)`);
  return ['', `${title} (${items.length}) :`, ...lines];
}

/**
 * The notification of one digest. The key is the schedule id, the scheduled time and the recipient: a retried or
 * replayed run sends nothing twice, while a trigger or each day of a backfill (another scheduled time) sends its own.
 */
export function digestNotification(
  message: DigestMessage,
  run: { scheduleId: string; scheduledAt: string; workflowId: string; today: IsoDate; windowDays: number },
): NotificationRequest {
  const overdue = message.items.filter((i) => i.overdue);
  const soon = message.items.filter((i) => !i.overdue);
  const whose = message.audience === 'finance' ? 'du financement PRE' : message.audience === 'coordinator' ? 'de la coordination PRE' : 'de vos dossiers PRE';
  const counts = [overdue.length ? `${overdue.length} en retard` : '', soon.length ? `${soon.length} à venir` : ''].filter(Boolean).join(', ');
  return {
    key: `${run.scheduleId}:${run.scheduledAt}:${message.recipient}`,
    kind: 'DAILY_DIGEST',
    recipients: [message.recipient],
    subject: `[PRE] Échéances ${whose} du ${frDate(run.today)} (${counts})`,
    body: [
      'Bonjour,',
      '',
      `Voici les échéances ${whose} au ${frDay(run.today)} : celles en retard et celles des ${run.windowDays} prochains jours.`,
      ...section('En retard', overdue),
      ...section(`Dans les ${run.windowDays} prochains jours`, soon),
      '',
      "Ouvrez chaque dossier dans l'application PRE pour agir ; votre liste complète est sur « Mes tâches ».",
      'Message automatique, sans donnée nominative.',
    ].join('\n'),
    dueOn: run.today,
    scheduleId: run.scheduleId,
    workflowId: run.workflowId,
  };
}

// ---------------------------------------------------------------------------------------------------------
// EPS agenda
// ---------------------------------------------------------------------------------------------------------

/** Oldest referral first (then dossier id): the order the EPS examines the cases. */
export function agendaOrder(cases: readonly AgendaCase[]): AgendaCase[] {
  return [...cases].sort((a, b) => {
    const ra = a.referredOn ?? '9999-12-31';
    const rb = b.referredOn ?? '9999-12-31';
    if (ra !== rb) return ra < rb ? -1 : 1;
    return a.dossierId < b.dossierId ? -1 : a.dossierId > b.dossierId ? 1 : 0;
  });
}

/**
 * The agenda of one EPS meeting for the coordinator: dossier id, QPV, age band and days waiting since the referral,
 * never a name. Keyed by schedule and meeting date: the daily check sends it once per meeting.
 */
export function agendaNotification(
  cases: readonly AgendaCase[],
  run: { scheduleId: string; workflowId: string; meetingDate: IsoDate; today: IsoDate; coordinatorRecipient: string },
): NotificationRequest {
  const ordered = agendaOrder(cases);
  const lines = ordered.slice(0, MAX_LINES).map((c, i) => {
    const waiting = c.referredOn ? `${toEpochDays(run.today) - toEpochDays(c.referredOn)} j depuis l'orientation` : 'date d’orientation inconnue';
    const band = c.ageBand ? `${c.ageBand} ans` : 'âge inconnu';
    const late = c.overdue ? ' — en retard' : c.reviewDueOn ? ` — à examiner avant le ${frDate(c.reviewDueOn)}` : '';
    return `${i + 1}. Dossier ${c.dossierId} — ${(QPV_LABELS as Record<string, string>)[c.qpv ?? ''] ?? c.qpv ?? 'QPV inconnu'} — ${band} — ${waiting}${late}`;
  });
  if (ordered.length > MAX_LINES) lines.push(`… et ${ordered.length - MAX_LINES} autre(s) dossier(s)`);
  return {
    key: `${run.scheduleId}:${run.meetingDate}`,
    kind: 'EPS_AGENDA',
    recipients: [run.coordinatorRecipient],
    subject: `[PRE] Ordre du jour de l'EPS du ${frDate(run.meetingDate)} (${ordered.length} dossier${ordered.length > 1 ? 's' : ''})`,
    body: [
      'Bonjour,',
      '',
      ordered.length === 0
        ? `Aucun dossier n'attend l'EPS du ${frDay(run.meetingDate)}.`
        : `Dossiers en attente d'examen pour l'EPS du ${frDay(run.meetingDate)}, du plus ancien au plus récent :`,
      ...(ordered.length ? ['', ...lines] : []),
      '',
      "Préparez la réunion dans l'application PRE (« Prochaine EPS »). Message automatique, sans donnée nominative.",
    ].join('\n'),
    dueOn: run.meetingDate,
    scheduleId: run.scheduleId,
    workflowId: run.workflowId,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Funding year kick-off
// ---------------------------------------------------------------------------------------------------------

/**
 * Funding-year stages in which the year's request is already recorded (convention.contract.ts FUNDING_YEAR_STAGES:
 * the first missing step wins, so from AWAITING_REPORT on, authorisation and request are done).
 */
const REQUEST_DONE_STAGES = new Set(['AWAITING_REPORT', 'REPORT_SUBMITTED', 'RECONCILING', 'CLOSED']);

/** Whether a running convention gets the kick-off reminder: it covers the year (or may) and the request is not recorded. */
export function kickoffDue(c: RunningConvention): boolean {
  return c.coversYear !== false && !REQUEST_DONE_STAGES.has(c.yearStage ?? '');
}

/** The yearly reminder of one convention: the year's subsidy request is due. Keyed by schedule, year and convention. */
export function kickoffNotification(
  convention: RunningConvention,
  run: { scheduleId: string; workflowId: string; year: number; dueOn: IsoDate; financeRecipient: string },
): NotificationRequest {
  return {
    key: `${run.scheduleId}:${run.year}:${convention.conventionRef}`,
    kind: 'FUNDING_REQUEST_DUE',
    recipients: [run.financeRecipient],
    subject: `[PRE] Convention ${convention.conventionRef} : demande de subvention ${run.year} avant le ${frDate(run.dueOn)}`,
    body: [
      'Bonjour,',
      '',
      `L'année de financement ${run.year} de la convention ${convention.conventionRef} commence : la demande de subvention est attendue au plus tard le ${frDay(run.dueOn)}.`,
      "Vérifiez aussi que l'autorisation de l'année (délibération ou notification) est enregistrée.",
      '',
      "Enregistrez l'envoi dans l'application PRE (convention, année " + run.year + ', « Demande envoyée »). Message automatique.',
    ].join('\n'),
    conventionRef: convention.conventionRef,
    dueOn: run.dueOn,
    scheduleId: run.scheduleId,
    workflowId: run.workflowId,
  };
}

/** `until` of the digest: today plus the window. */
export function windowEnd(today: IsoDate, windowDays: number): IsoDate {
  return addDays(today, windowDays);
}
