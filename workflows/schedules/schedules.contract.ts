/**
 * The contract of the schedule action workflows (DOMAIN.md §3): what each Temporal Schedule starts, with what input,
 * and what the activities that look across cases answer. The API (src/schedules/) builds the schedules from this
 * file; the workflows (schedules.workflow.ts) and activities (activities/digest.activities.ts) implement it.
 *
 * Every schedule's action workflow id is the schedule id: Temporal appends the scheduled time
 * (`pre-daily-digest-2026-01-05T06:30:00Z`), and the run's notifications are keyed by schedule id + scheduled time,
 * so a trigger, a backfill or a retried run each notify once.
 */
import type { IsoDate } from '../shared/calendar';
import type { EpsCalendar } from '../parcours/parcours.rules';

export type { IsoDate } from '../shared/calendar';
export type { EpsCalendar } from '../parcours/parcours.rules';

/** The project's schedules; the id is `<PRE_SCHEDULE_ID_PREFIX><name>` (default prefix `pre-`). */
export const SCHEDULE_NAMES = ['daily-digest', 'eps-agenda', 'funding-kickoff', 'retention-purge'] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

/** The schedule id of a schedule name. */
export function scheduleIdFor(prefix: string, name: ScheduleName): string {
  return `${prefix}${name}`;
}

/** Time zone of every schedule: the CCAS de Dijon's. */
export const SCHEDULE_TIME_ZONE = 'Europe/Paris';

/** Notification kinds the schedules send. */
export const SCHEDULE_NOTIFICATION_KINDS = ['DAILY_DIGEST', 'EPS_AGENDA', 'FUNDING_REQUEST_DUE'] as const;

/** Fields every action input carries. */
export interface ScheduleActionInput {
  /** The schedule that starts it (also read from TemporalScheduledById when present). */
  scheduleId: string;
  /**
   * Fingerprint of the schedule definition (spec, policies, input) that ensureSchedules compares to decide whether a
   * running schedule must be updated. The workflow ignores it.
   */
  definition?: string;
}

/** Input of `dailyDigestWorkflow`. */
export interface DailyDigestInput extends ScheduleActionInput {
  /** Deadlines due within this many days are listed, plus the overdue ones (default 7). */
  windowDays: number;
  /** Who gets the coordinator's digest: a staff id or `role:coordinator`. */
  coordinatorRecipient: string;
  /** Who gets the funding digest: `role:finance` by default. */
  financeRecipient: string;
}

/** Input of `epsAgendaWorkflow`: a daily check "is the next EPS meeting close enough to send its agenda?". */
export interface EpsAgendaInput extends ScheduleActionInput {
  calendar: EpsCalendar;
  /** The agenda goes out this many working days before the meeting (and on any later day until the meeting). */
  leadWorkingDays: number;
  coordinatorRecipient: string;
}

/** Input of `fundingKickoffWorkflow`. */
export interface FundingKickoffInput extends ScheduleActionInput {
  /** The subsidy request is due on this month/day of the year (default 31 January). */
  requestDueMonth: number;
  requestDueDay: number;
  financeRecipient: string;
}

/** Input of `retentionPurgeWorkflow` (DOMAIN.md §5): deletes the earlier runs of the cases purged since the last run. */
export interface RetentionPurgeInput extends ScheduleActionInput {
  /** At most this many cases a run (the next run takes the rest). */
  maxCases: number;
}

/** A purged case whose earlier runs (the histories that held its personal data) are still to delete. */
export interface PurgedCaseRef {
  dossierId: string;
  workflowId: string;
  /** The tombstone run, kept. */
  runId: string;
}

/** What a retention run did: counts and dossier ids only. */
export interface RetentionPurgeResult {
  cases: number;
  runsDeleted: number;
  /** More purged cases than `maxCases` were waiting: the next run goes on. */
  more: boolean;
}

// ---------------------------------------------------------------------------------------------------------
// What the activities answer (no personal data: ids, codes and dates only)
// ---------------------------------------------------------------------------------------------------------

/** A case, convention or funding year with a deadline, as its search attributes describe it. */
export interface DeadlineItem {
  source: 'parcours' | 'funding';
  workflowId: string;
  /** Workflow type: parcoursWorkflow, conventionWorkflow or fundingYearWorkflow. */
  workflowType: string;
  dossierId?: string;
  conventionRef?: string;
  year?: number;
  /** PreStage (parcours) or PreFundingStage (funding). */
  stage?: string;
  referentId?: string;
  /** PreNextDeadlineKind. */
  kind?: string;
  /** PreNextDeadline as a date. */
  dueOn?: IsoDate;
  /** PreOverdue. */
  overdue: boolean;
}

/** Input of the `collectDeadlines` activity. */
export interface CollectDeadlinesInput {
  /** Items due on or before this date are returned, and every overdue one. */
  until: IsoDate;
  /** Only cases of this référent (the task list); all when absent. */
  referentId?: string;
}

/** A case awaiting the EPS, for the agenda: no name, only what the meeting needs to order the cases. */
export interface AgendaCase {
  dossierId: string;
  qpv?: string;
  ageBand?: string;
  referredOn?: IsoDate;
  referentId?: string;
  /** The escalation date when the case is not reviewed in time (PreNextDeadline of kind TEAM_REVIEW). */
  reviewDueOn?: IsoDate;
  overdue: boolean;
}

/** A running convention, for the yearly kick-off. */
export interface RunningConvention {
  conventionRef: string;
  workflowId: string;
  /**
   * Whether the convention has a funding year for the year asked: true/false when its year workflows say so, null
   * when none is visible yet (the reminder is then sent: a superfluous reminder is cheaper than a missed request).
   */
  coversYear: boolean | null;
  /** PreFundingStage of the year's workflow, when it exists. */
  yearStage?: string;
}

// ---------------------------------------------------------------------------------------------------------
// Results (shown in the Temporal UI and in GET /schedules' recent actions)
// ---------------------------------------------------------------------------------------------------------

export interface DailyDigestResult {
  scheduledAt: string;
  today: IsoDate;
  items: number;
  messages: Array<{ recipient: string; items: number; created: boolean }>;
}

export interface EpsAgendaResult {
  today: IsoDate;
  meetingDate: IsoDate;
  agendaDay: IsoDate;
  /** NOT_YET: before the agenda day; SENT: recorded now; ALREADY_SENT: an earlier run sent this meeting's agenda. */
  outcome: 'NOT_YET' | 'SENT' | 'ALREADY_SENT';
  cases: number;
}

export interface FundingKickoffResult {
  year: number;
  dueOn: IsoDate;
  reminders: Array<{ conventionRef: string; created: boolean }>;
}
