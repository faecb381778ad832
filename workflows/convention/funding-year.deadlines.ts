/**
 * The deadlines of one funding year (DOMAIN.md §2.4), in ONE pure table: the subsidy request (reminders N days before,
 * escalation after) and the financial report (reminders 60/30/7 days before, escalation, "next payment at risk").
 * The year's `deadlines`, its reminders and its next wake are derived from it (convention.deadlines.ts).
 */
import type { NotificationRequest } from '../../activities/notifications.types';
import { addDays, frLongDate, type IsoDate } from '../shared/calendar';
import type { DeadlineRow, ReminderPlan } from './convention.deadlines';
import type { ConventionSettings } from './convention.inputs';
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
}

/** Request and report due dates of a year, from the settings (the convention shows them before the year starts). */
export function yearDueDates(year: number, s: ConventionSettings): { requestDueOn: IsoDate; reportDueOn: IsoDate } {
  return { requestDueOn: requestDueOn(year, s.requestDueMonth, s.requestDueDay), reportDueOn: reportDueOn(year, s.reportDueMonth, s.reportDueDay) };
}

/** THE table of a year: its subsidy request, then its financial report, each with its reminders. */
export function yearDeadlineTable(f: YearFacts): DeadlineRow[] {
  if (f.closed) return [];
  const s = f.settings;
  const { ref, year } = f;
  const due = yearDueDates(year, s);
  const path = `/conventions/${ref}/years/${year}`;
  const note = (recipients: string[], subject: string, body: string): Omit<NotificationRequest, 'key' | 'kind' | 'dueOn' | 'workflowId'> => ({ recipients, subject, body, conventionRef: ref });
  const rows: DeadlineRow[] = [];
  if (!f.requestSent) {
    const R = due.requestDueOn;
    const dates = reminderDates(R, s.requestReminderDaysBefore, s.escalationDaysAfter);
    const escalation = dates.pop()!;
    const reminders: ReminderPlan[] = dates.map(({ on }) => ({
      kind: 'REQUEST_REMINDER',
      deadline: 'SUBSIDY_REQUEST',
      dueOn: R,
      fireOn: on,
      type: 'REMINDER_SENT',
      summary: `Relance : demande de subvention ${year} attendue le ${frLongDate(R)}`,
      notification: () => note([s.financeRecipient], `Demande de subvention ${year} à envoyer avant le ${frLongDate(R)} — ${ref}`, `La demande de subvention de l'année ${year} de la convention ${ref} est attendue pour le ${frLongDate(R)}. Une fois envoyée, enregistrez-la (POST ${path}/request).`),
    }));
    reminders.push({
      kind: 'REQUEST_ESCALATION',
      deadline: 'SUBSIDY_REQUEST',
      dueOn: R,
      fireOn: escalation.on,
      type: 'ESCALATION_SENT',
      summary: `Alerte : demande de subvention ${year} non enregistrée à l'échéance du ${frLongDate(R)}`,
      notification: () => note([s.financeRecipient, s.coordinatorRecipient], `Demande de subvention ${year} en retard — ${ref}`, `La demande de subvention de l'année ${year} de la convention ${ref} était attendue pour le ${frLongDate(R)} et n'est pas enregistrée. Envoyez-la sans délai puis enregistrez-la (POST ${path}/request).`),
    });
    rows.push({ kind: 'SUBSIDY_REQUEST', dueOn: R, label: `Demande de subvention ${year} à envoyer`, year, reminders });
  }
  if (f.reportAwaited) {
    const D = due.reportDueOn;
    const dates = reminderDates(D, s.reportReminderDaysBefore, s.escalationDaysAfter);
    const escalation = dates.pop()!;
    const reminders: ReminderPlan[] = dates.map(({ days, on }) => ({
      kind: `REPORT_REMINDER_${days}`,
      deadline: 'FINANCIAL_REPORT',
      dueOn: D,
      fireOn: on,
      type: 'REMINDER_SENT',
      summary: `Relance J-${days} : compte rendu financier ${year} attendu le ${frLongDate(D)}`,
      notification: () => note([s.financeRecipient], `Compte rendu financier ${year} attendu le ${frLongDate(D)} (J-${days}) — ${ref}`, `Le compte rendu financier (CERFA 15059) de l'année ${year} de la convention ${ref} est à remettre au plus tard le ${frLongDate(D)}, dans ${days} jours. Une fois remis, enregistrez-le (POST ${path}/financial-report).`),
    }));
    reminders.push(
      {
        kind: 'REPORT_ESCALATION',
        deadline: 'FINANCIAL_REPORT',
        dueOn: D,
        fireOn: escalation.on,
        type: 'ESCALATION_SENT',
        summary: `Alerte : compte rendu financier ${year} non remis à l'échéance du ${frLongDate(D)}`,
        notification: () => note([s.financeRecipient, s.coordinatorRecipient], `Compte rendu financier ${year} en retard — ${ref}`, `Le compte rendu financier de l'année ${year} de la convention ${ref} était dû le ${frLongDate(D)} et n'est pas remis. À ${s.atRiskDaysLate} jours de retard, le versement suivant sera signalé comme menacé.`),
      },
      {
        kind: 'PAYMENT_AT_RISK',
        deadline: 'FINANCIAL_REPORT',
        dueOn: D,
        fireOn: addDays(D, s.atRiskDaysLate),
        type: 'PAYMENT_AT_RISK',
        summary: `Versement suivant menacé : compte rendu financier ${year} en retard de ${s.atRiskDaysLate} jours`,
        notification: () => note([s.financeRecipient, s.coordinatorRecipient], `Versement suivant menacé : compte rendu financier ${year} en retard de ${s.atRiskDaysLate} jours — ${ref}`, `Le compte rendu financier de l'année ${year} de la convention ${ref}, dû le ${frLongDate(D)}, a ${s.atRiskDaysLate} jours de retard : le prochain versement de l'État est menacé. Remettez-le sans délai (POST ${path}/financial-report).`),
      },
    );
    rows.push({ kind: 'FINANCIAL_REPORT', dueOn: D, label: `Compte rendu financier ${year} à remettre`, year, reminders });
  }
  return rows;
}
