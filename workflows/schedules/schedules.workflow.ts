/**
 * The action workflows of the project's Temporal Schedules (DOMAIN.md §3): the daily digest, the EPS agenda and the
 * funding-year kick-off. Each is short: look across cases through search attributes (an activity), then notify.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { log, proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities/index';
import type { NotificationRequest, NotifyResult } from '../../activities/notifications.types';
import { frDate, parisDateOf, parisYearOf } from '../shared/calendar';
import { requestDueOn } from '../convention/convention.rules';
import { nextEpsMeeting } from '../parcours/parcours.rules';
import type {
  DailyDigestInput,
  DailyDigestResult,
  EpsAgendaInput,
  EpsAgendaResult,
  FundingKickoffInput,
  FundingKickoffResult,
} from './schedules.contract';
import { agendaNotification, buildDigestMessages, digestNotification, epsAgendaDay, kickoffDue, kickoffNotification, windowEnd } from './schedules.rules';
import { ui } from '../shared/ui-text';

/** Visibility reads: quick, retried every few seconds while the server is briefly unavailable. */
const LOOKUP = { startToCloseTimeout: '1 minute', retry: { initialInterval: '5 seconds', maximumInterval: '2 minutes', backoffCoefficient: 2 } } as const;

/**
 * Notifications: the SMTP server may be down for a while; retry with backoff until the run's execution timeout (set on
 * the schedule's action). The activity is idempotent by key, so a retry never sends twice.
 */
const NOTIFY = { startToCloseTimeout: '1 minute', retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes', backoffCoefficient: 2 } } as const;

const acts = proxyActivities<Activities>(LOOKUP);

/** Set by the Schedule on each workflow it starts. */
const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
const SCHEDULED_BY_ID = defineSearchAttributeKey('TemporalScheduledById', SearchAttributeType.KEYWORD);

/**
 * The schedule and scheduled time of this run: the search attributes the Schedule sets, else the time Temporal
 * appends to the workflow id, else the start time (a run started by hand). Backfilled and triggered runs have their
 * own scheduled time, hence their own notification keys.
 */
function scheduledRun(fallbackScheduleId: string): { scheduleId: string; scheduledAt: string } {
  const info = workflowInfo();
  const at = info.typedSearchAttributes.get(SCHEDULED_START_TIME);
  const by = info.typedSearchAttributes.get(SCHEDULED_BY_ID);
  const fromId = /-(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)$/.exec(info.workflowId)?.[1];
  const scheduledAt = at ? at.toISOString() : fromId ? new Date(fromId).toISOString() : info.startTime.toISOString();
  return { scheduleId: by ?? fallbackScheduleId, scheduledAt };
}

function send(req: NotificationRequest, summary: string): Promise<NotifyResult> {
  return acts.notify.executeWithOptions({ ...NOTIFY, summary }, [req]);
}

/**
 * Daily digest: each référent, the coordinator and finance get one message listing the deadlines due within the window
 * and the overdue ones, found through the search attributes of the cases, conventions and funding years.
 */
export async function dailyDigestWorkflow(input: DailyDigestInput): Promise<DailyDigestResult> {
  const run = scheduledRun(input.scheduleId);
  const today = parisDateOf(Date.now());
  setCurrentDetails(`Récapitulatif du ${frDate(today)} (exécution prévue ${run.scheduledAt})`);
  const until = windowEnd(today, input.windowDays);
  const items = await acts.collectDeadlines.executeWithOptions({ ...LOOKUP, summary: ui(`Échéances jusqu'au ${frDate(until)}`) }, [{ until }]);
  const messages = buildDigestMessages(items, input);
  const results = await Promise.all(
    messages.map((m) =>
      send(digestNotification(m, { ...run, workflowId: workflowInfo().workflowId, today, windowDays: input.windowDays }), `Récapitulatif → ${m.recipient}`),
    ),
  );
  setCurrentDetails(`Récapitulatif du ${frDate(today)} : ${items.length} échéance(s), ${messages.length} message(s)`);
  log.info('daily digest done', { items: items.length, messages: messages.length });
  return {
    scheduledAt: run.scheduledAt,
    today,
    items: items.length,
    messages: messages.map((m, i) => ({ recipient: m.recipient, items: m.items.length, created: results[i].created })),
  };
}

/**
 * EPS agenda, checked every working day: from the agenda day (a few working days before the next meeting of the EPS
 * calendar) until the meeting, the coordinator gets the agenda once (keyed by meeting date). A daily check rather than
 * a calendar spec, because "3 working days before the first Tuesday, except in August" is no calendar expression, and
 * because a missed day is caught up by the next run.
 */
export async function epsAgendaWorkflow(input: EpsAgendaInput): Promise<EpsAgendaResult> {
  const run = scheduledRun(input.scheduleId);
  const today = parisDateOf(Date.now());
  const meetingDate = nextEpsMeeting(today, input.calendar);
  const agendaDay = epsAgendaDay(meetingDate, input.leadWorkingDays);
  if (today < agendaDay) {
    setCurrentDetails(`Prochaine EPS le ${frDate(meetingDate)} : ordre du jour à envoyer le ${frDate(agendaDay)}`);
    return { today, meetingDate, agendaDay, outcome: 'NOT_YET', cases: 0 };
  }
  const cases = await acts.listAwaitingReview.executeWithOptions({ ...LOOKUP, summary: ui('Dossiers en attente EPS') }, [{}]);
  const req = agendaNotification(cases, { scheduleId: run.scheduleId, workflowId: workflowInfo().workflowId, meetingDate, today, coordinatorRecipient: input.coordinatorRecipient });
  const res = await send(req, `Ordre du jour EPS ${meetingDate}`);
  setCurrentDetails(`Ordre du jour de l'EPS du ${frDate(meetingDate)} : ${cases.length} dossier(s)${res.created ? '' : ' (déjà envoyé)'}`);
  return { today, meetingDate, agendaDay, outcome: res.created ? 'SENT' : 'ALREADY_SENT', cases: cases.length };
}

/** Funding-year kick-off, early January: for each running convention covering the year, finance is reminded of the request. */
export async function fundingKickoffWorkflow(input: FundingKickoffInput): Promise<FundingKickoffResult> {
  const run = scheduledRun(input.scheduleId);
  const year = parisYearOf(Date.parse(run.scheduledAt));
  const dueOn = requestDueOn(year, input.requestDueMonth, input.requestDueDay);
  const conventions = await acts.listRunningConventions.executeWithOptions({ ...LOOKUP, summary: ui(`Conventions en cours (${year})`) }, [{ year }]);
  const due = conventions.filter(kickoffDue);
  const results = await Promise.all(
    due.map((c) =>
      send(kickoffNotification(c, { scheduleId: run.scheduleId, workflowId: workflowInfo().workflowId, year, dueOn, financeRecipient: input.financeRecipient }), `Demande ${year} ${c.conventionRef}`),
    ),
  );
  setCurrentDetails(`Année de financement ${year} : ${due.length} convention(s) rappelée(s), demande avant le ${frDate(dueOn)}`);
  return { year, dueOn, reminders: due.map((c, i) => ({ conventionRef: c.conventionRef, created: results[i].created })) };
}
