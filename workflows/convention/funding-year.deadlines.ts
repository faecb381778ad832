/**
 * The deadlines of one funding year (DOMAIN.md §2.4), in ONE pure table: the subsidy request (reminders N days before,
 * escalation after) and the financial report (reminders 60/30/7 days before, escalation, "next payment at risk"); a
 * deadline already past when the year opens gets a catch-up date, a returned report a resubmission date with its own
 * reminders. The year's `deadlines`, its reminders and its next wake are derived from it (convention.deadlines.ts).
 */
import type { NotificationRequest } from '../../activities/notifications.types';
import { addDays, frLongDate, maxDate, type IsoDate } from '../shared/calendar';
import type { DeadlineRow, ReminderPlan } from './convention.deadlines';
import { DEFAULT_CONVENTION_SETTINGS, type ConventionSettings } from './convention.inputs';
import { reminderDates, reportDueOn, requestDueOn } from './convention.rules';

/** What a year's deadlines depend on. */
export interface YearFacts {
  ref: string;
  year: number;
  settings: ConventionSettings;
  closed: boolean;
  requestSent: boolean;
  /** No report submitted (or the last one was returned). */
  reportAwaited: boolean;
  /** The year's due dates (yearDeadlineDates). */
  dates: YearDeadlineDates;
}

/** Request and report due dates of a year, from the settings (the convention shows them before the year starts). */
export function yearDueDates(year: number, s: ConventionSettings): { requestDueOn: IsoDate; reportDueOn: IsoDate } {
  return { requestDueOn: requestDueOn(year, s.requestDueMonth, s.requestDueDay), reportDueOn: reportDueOn(year, s.reportDueMonth, s.reportDueDay) };
}

/** One due date of a year: the date it must be met by, and why. */
export interface YearDueDate {
  /** The date to meet (lateness counts from it): the statutory date, its catch-up date, or the resubmission date. */
  dueOn: IsoDate;
  /** The date the settings give (31 January N for the request, 30 June N+1 for the report). */
  statutoryDueOn: IsoDate;
  /** The statutory date was past when the year opened: due `catchUpDays` after the opening instead. */
  catchUp: boolean;
  /** Report only: the date of the last return when the report is due again from it (resubmission), else null. */
  returnedOn: IsoDate | null;
}

export interface YearDeadlineDates {
  /** The year's opening: the day its convention took effect (null: not open yet, the statutory dates stand). */
  openedOn: IsoDate | null;
  request: YearDueDate;
  report: YearDueDate;
}

/** A statutory date already past on the opening day becomes the opening + `days` (its catch-up date). */
export function catchUpDueOn(statutoryDueOn: IsoDate, openedOn: IsoDate, days: number): IsoDate | null {
  return statutoryDueOn < openedOn ? addDays(openedOn, days) : null;
}

/** A returned report is due again `days` after its return, and never before its own due date. */
export function resubmissionDueOn(dueOn: IsoDate, returnedOn: IsoDate, days: number): IsoDate {
  return maxDate(dueOn, addDays(returnedOn, days));
}

/**
 * The dates a year must meet: each statutory date, moved to its catch-up date when it was past on the opening day;
 * the report's moved again to its resubmission date after a return (`lastReturnOn`).
 */
export function yearDeadlineDates(year: number, s: ConventionSettings, openedOn: IsoDate | null, lastReturnOn: IsoDate | null): YearDeadlineDates {
  const statutory = yearDueDates(year, s);
  const days = s.catchUpDays ?? DEFAULT_CONVENTION_SETTINGS.catchUpDays!;
  const of = (statutoryDueOn: IsoDate): YearDueDate => {
    const catchUp = openedOn ? catchUpDueOn(statutoryDueOn, openedOn, days) : null;
    return { dueOn: catchUp ?? statutoryDueOn, statutoryDueOn, catchUp: catchUp !== null, returnedOn: null };
  };
  const report = of(statutory.reportDueOn);
  if (lastReturnOn) {
    const again = resubmissionDueOn(report.dueOn, lastReturnOn, s.resubmissionDays ?? DEFAULT_CONVENTION_SETTINGS.resubmissionDays!);
    if (again !== report.dueOn) Object.assign(report, { dueOn: again, returnedOn: lastReturnOn });
  }
  return { openedOn, request: of(statutory.requestDueOn), report };
}

/** French: why a due date is not the statutory one (empty when it is). */
export function dueDateNote(d: YearDueDate, openedOn: IsoDate | null): string {
  if (d.returnedOn) return ` (retourné le ${frLongDate(d.returnedOn)})`;
  if (d.catchUp && openedOn) return ` (échéance de rattrapage : l'échéance du ${frLongDate(d.statutoryDueOn)} était passée à l'ouverture de l'année le ${frLongDate(openedOn)})`;
  return '';
}

/** THE table of a year: its subsidy request, then its financial report (or its resubmission), each with its reminders. */
export function yearDeadlineTable(f: YearFacts): DeadlineRow[] {
  if (f.closed) return [];
  const s = f.settings;
  const { ref, year, dates } = f;
  const path = `/conventions/${ref}/years/${year}`;
  const note = (recipients: string[], subject: string, body: string): Omit<NotificationRequest, 'key' | 'kind' | 'dueOn' | 'workflowId'> => ({ recipients, subject, body, conventionRef: ref });
  const rows: DeadlineRow[] = [];
  if (!f.requestSent) {
    const R = dates.request.dueOn;
    const why = dueDateNote(dates.request, dates.openedOn);
    const all = reminderDates(R, s.requestReminderDaysBefore, s.escalationDaysAfter);
    const escalation = all.pop()!;
    const reminders: ReminderPlan[] = all.map(({ on }) => ({
      kind: 'REQUEST_REMINDER',
      deadline: 'SUBSIDY_REQUEST',
      dueOn: R,
      fireOn: on,
      type: 'REMINDER_SENT',
      summary: `Relance : demande de subvention ${year} attendue le ${frLongDate(R)}${why}`,
      notification: () => note([s.financeRecipient], `Demande de subvention ${year} à envoyer avant le ${frLongDate(R)} — ${ref}`, `La demande de subvention de l'année ${year} de la convention ${ref} est attendue pour le ${frLongDate(R)}${why}. Une fois envoyée, enregistrez-la (POST ${path}/request).`),
    }));
    reminders.push({
      kind: 'REQUEST_ESCALATION',
      deadline: 'SUBSIDY_REQUEST',
      dueOn: R,
      fireOn: escalation.on,
      type: 'ESCALATION_SENT',
      summary: `Alerte : demande de subvention ${year} non enregistrée à l'échéance du ${frLongDate(R)}${why}`,
      notification: () => note([s.financeRecipient, s.coordinatorRecipient], `Demande de subvention ${year} en retard — ${ref}`, `La demande de subvention de l'année ${year} de la convention ${ref} était attendue pour le ${frLongDate(R)}${why} et n'est pas enregistrée. Envoyez-la sans délai puis enregistrez-la (POST ${path}/request).`),
    });
    rows.push({ kind: 'SUBSIDY_REQUEST', dueOn: R, label: `Demande de subvention ${year} à envoyer${dates.request.catchUp ? ' (échéance de rattrapage)' : ''}`, year, reminders });
  }
  if (f.reportAwaited) rows.push(reportRow(f, note));
  return rows;
}

/** The report's row: before its due date (or catch-up date) the usual reminders; after a return, those of its resubmission. */
function reportRow(f: YearFacts, note: (recipients: string[], subject: string, body: string) => Omit<NotificationRequest, 'key' | 'kind' | 'dueOn' | 'workflowId'>): DeadlineRow {
  const s = f.settings;
  const { ref, year, dates } = f;
  const path = `/conventions/${ref}/years/${year}`;
  const D = dates.report.dueOn;
  const again = dates.report.returnedOn !== null;
  const why = dueDateNote(dates.report, dates.openedOn);
  const prefix = again ? 'REPORT_RESUBMISSION' : 'REPORT';
  const what = again ? `compte rendu financier ${year} retourné` : `compte rendu financier ${year}`;
  const all = reminderDates(D, again ? (s.resubmissionReminderDaysBefore ?? DEFAULT_CONVENTION_SETTINGS.resubmissionReminderDaysBefore!) : s.reportReminderDaysBefore, s.escalationDaysAfter);
  const escalation = all.pop()!;
  const reminders: ReminderPlan[] = all.map(({ days, on }) => ({
    kind: `${prefix}_REMINDER_${days}`,
    deadline: 'FINANCIAL_REPORT',
    dueOn: D,
    fireOn: on,
    type: 'REMINDER_SENT',
    summary: `Relance J-${days} : ${what} attendu le ${frLongDate(D)}${why}`,
    notification: () =>
      note(
        [s.financeRecipient],
        `${again ? 'Compte rendu financier retourné' : 'Compte rendu financier'} ${year} attendu le ${frLongDate(D)} (J-${days}) — ${ref}`,
        `Le compte rendu financier (CERFA 15059) de l'année ${year} de la convention ${ref} est à remettre${again ? ' de nouveau' : ''} au plus tard le ${frLongDate(D)}, dans ${days} jours${why}. Une fois remis, enregistrez-le (POST ${path}/financial-report).`,
      ),
  }));
  reminders.push(
    {
      kind: `${prefix}_ESCALATION`,
      deadline: 'FINANCIAL_REPORT',
      dueOn: D,
      fireOn: escalation.on,
      type: 'ESCALATION_SENT',
      summary: `Alerte : ${what} non remis à l'échéance du ${frLongDate(D)}${why}`,
      notification: () =>
        note(
          [s.financeRecipient, s.coordinatorRecipient],
          `${again ? 'Compte rendu financier retourné' : 'Compte rendu financier'} ${year} en retard — ${ref}`,
          `Le compte rendu financier de l'année ${year} de la convention ${ref} était dû${again ? ' de nouveau' : ''} le ${frLongDate(D)}${why} et n'est pas remis. À ${s.atRiskDaysLate} jours de retard, le versement suivant sera signalé comme menacé.`,
        ),
    },
    {
      kind: 'PAYMENT_AT_RISK',
      deadline: 'FINANCIAL_REPORT',
      dueOn: D,
      fireOn: addDays(D, s.atRiskDaysLate),
      type: 'PAYMENT_AT_RISK',
      summary: `Versement suivant menacé : ${what} en retard de ${s.atRiskDaysLate} jours`,
      notification: () =>
        note(
          [s.financeRecipient, s.coordinatorRecipient],
          `Versement suivant menacé : compte rendu financier ${year} en retard de ${s.atRiskDaysLate} jours — ${ref}`,
          `Le compte rendu financier de l'année ${year} de la convention ${ref}, dû${again ? ' de nouveau' : ''} le ${frLongDate(D)}${why}, a ${s.atRiskDaysLate} jours de retard : le prochain versement de l'État est menacé. Remettez-le sans délai (POST ${path}/financial-report).`,
        ),
    },
  );
  const label = again ? `Compte rendu financier ${year} retourné, à remettre de nouveau` : `Compte rendu financier ${year} à remettre${dates.report.catchUp ? ' (échéance de rattrapage)' : ''}`;
  return { kind: 'FINANCIAL_REPORT', dueOn: D, label, year, reminders };
}
