/**
 * The deadlines of a convention and of its years (DOMAIN.md §2.3, §2.4), each workflow's in ONE pure table: for each
 * deadline, what an answer shows and the reminders and escalations it calls for. The `deadlines` of the answers,
 * the reminders sent (or skipped) and the instant the workflow wakes up next are all derived from the table; this
 * file holds the convention's table and the reminder mechanics both use (funding-year.deadlines.ts has the year's).
 */
import type { NotificationRequest } from '../../activities/notifications.types';
import { addDays, byDueDate, dateOf, frLongDate, instantOf, isOverdue, isReached, type IsoDate } from '../shared/calendar';
import type { Journal } from '../shared/journal';
import type { Wake } from '../shared/loop';
import { SYSTEM_ACTOR } from '../shared/messages';
import type { ConventionTimelineType, FundingDeadlineKind, SignatureParty } from './convention.codes';
import type { ConventionSettings, ConventionTerms } from './convention.inputs';
import { PARTY_LABELS } from './convention.labels';
import { finalReportDueOn } from './convention.rules';
import type { DeadlineView, ReminderRecord, TimelineEntry } from './convention.records';

/** A reminder or escalation that a deadline calls for. */
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

/** One deadline of a convention or year: what an answer shows, and the reminders it calls for. */
export interface DeadlineRow {
  kind: FundingDeadlineKind;
  dueOn: IsoDate;
  label: string;
  /** A year's deadline (shown on the convention too). */
  year?: number;
  reminders: ReminderPlan[];
}

/** The deadlines an answer shows, soonest first. */
export function shownDeadlines(rows: readonly DeadlineRow[], nowMs: number, hour: number | null): DeadlineView[] {
  return rows
    .map((d) => ({ kind: d.kind, dueOn: d.dueOn, overdue: isOverdue(d.dueOn, nowMs, hour), label: d.label, ...(d.year !== undefined ? { year: d.year } : {}) }))
    .sort(byDueDate);
}

const planId = (p: ReminderPlan) => `${p.kind}:${p.dueOn}`;

/**
 * Sends the reminders reached by `nowMs`. When several of one deadline are reached together (a year started late, a
 * worker down for days), only the latest is sent and the others are recorded as skipped: staff get the current state
 * of the deadline once, not a burst of stale reminders. Returns how many were decided.
 */
export function fireReminders(j: Journal<TimelineEntry>, records: ReminderRecord[], workflowId: string, rows: readonly DeadlineRow[], nowMs: number, stage: string, year?: number, hour?: number | null): number {
  const due = rows.flatMap((d) => d.reminders).filter((p) => !j.fired.has(planId(p)) && isReached(p.fireOn, nowMs, hour));
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
      j.fired.add(planId(p));
      records.push({ kind: p.kind, dueOn: p.dueOn, fireOn: p.fireOn, at, skipped: true });
    }
    if (skipped.length > 0) {
      const summary = `${skipped.length} relance(s) dépassée(s) non envoyée(s) (${skipped.map((p) => p.kind).join(', ')}) : seule la plus récente l'est`;
      j.add({ actor: SYSTEM_ACTOR, type: 'REMINDERS_SKIPPED', summary, stage, onDate: dateOf(nowMs), year }, nowMs);
    }
    j.fired.add(planId(send));
    records.push({ kind: send.kind, dueOn: send.dueOn, fireOn: send.fireOn, at, skipped: false });
    j.outbox.push({ ...send.notification(), key: `${workflowId}:${send.kind}:${send.dueOn}`, kind: send.kind, dueOn: send.dueOn, workflowId });
    j.add({ actor: SYSTEM_ACTOR, type: send.type, summary: send.summary, stage, onDate: send.fireOn, year }, nowMs);
  }
  return due.length;
}

/**
 * The next reminder to wait for, or the next day a deadline becomes overdue: the workflow wakes then too, so its
 * search attributes and queries say "overdue" from that day, not from its next change.
 */
export function nextReminderWake(j: Journal<TimelineEntry>, rows: readonly DeadlineRow[], nowMs: number, hour: number | null): Wake | null {
  let best: Wake | null = null;
  for (const p of rows.flatMap((d) => d.reminders)) {
    if (j.fired.has(planId(p))) continue;
    const atMs = instantOf(p.fireOn, hour);
    if (!best || atMs < best.atMs) best = { atMs, summary: `${p.kind} ${p.fireOn}` };
  }
  for (const d of rows.map((r) => addDays(r.dueOn, 1))) {
    const atMs = instantOf(d, hour);
    if (atMs > nowMs && (!best || atMs < best.atMs)) best = { atMs, summary: `Échéance dépassée ${d}` };
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------------
// The convention's own table
// ---------------------------------------------------------------------------------------------------------

/** The final report due date of a convention: the report date after its last year (30 June 2027 for 2024–2026). */
export function conventionFinalReportDueOn(years: readonly number[], s: ConventionSettings): IsoDate {
  return finalReportDueOn(years, s.reportDueMonth, s.reportDueDay);
}

/** What the convention's deadlines depend on. */
export interface ConventionFacts {
  terms: ConventionTerms;
  settings: ConventionSettings;
  completed: boolean;
  /** AWAITING_SIGNATURES: the date by which both parties should have signed (enforceable + N days). */
  signaturesDueOn: IsoDate | null;
  enforceableOn: IsoDate | null;
  signed: SignatureParty[];
  finalReportDueOn: IsoDate;
  /** The last year's report is still awaited (or the year has not reported yet). */
  finalReportAwaited: boolean;
}

/** THE table of the convention: the signatures (with their reminder), then the final report. */
export function conventionDeadlineTable(f: ConventionFacts): DeadlineRow[] {
  if (f.completed) return [];
  const rows: DeadlineRow[] = [];
  const ref = f.terms.reference;
  const sig = f.signaturesDueOn;
  if (sig) {
    const missing = (['BENEFICIARY', 'STATE'] as const).filter((p) => !f.signed.includes(p));
    const who = missing.map((p) => (p === 'BENEFICIARY' ? `le bénéficiaire (${f.terms.parties.beneficiary})` : `l'État (${f.terms.parties.state})`)).join(' et ');
    const days = f.settings.signatureReminderDays;
    rows.push({
      kind: 'SIGNATURES',
      dueOn: sig,
      label: `Signature(s) attendue(s) : ${missing.map((p) => PARTY_LABELS[p]).join(' et ')}`,
      reminders: [
        {
          kind: 'SIGNATURE_REMINDER',
          deadline: 'SIGNATURES',
          dueOn: sig,
          fireOn: sig,
          type: 'REMINDER_SENT',
          summary: `Relance : signatures attendues depuis ${days} jours (${who})`,
          notification: () => ({
            recipients: [f.settings.financeRecipient, f.settings.coordinatorRecipient],
            subject: `Convention ${ref} : signature(s) attendue(s) depuis ${days} jours`,
            body: `La délibération approuvant la convention ${ref} est exécutoire depuis le ${frLongDate(f.enforceableOn!)}. Signature(s) manquante(s) : ${who}. La convention prend effet à la dernière signature : enregistrez chacune (POST /conventions/${ref}/signatures).`,
            conventionRef: ref,
          }),
        },
      ],
    });
  }
  if (f.finalReportAwaited) {
    const last = Math.max(...f.terms.years);
    rows.push({ kind: 'FINAL_REPORT', dueOn: f.finalReportDueOn, label: `Rapport final de la convention (compte rendu ${last}) à remettre`, reminders: [] });
  }
  return rows;
}
