import { createHash } from 'node:crypto';
import { ScheduleOverlapPolicy, type CalendarSpec, type ScheduleOptions, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import type { Duration, Workflow } from '@temporalio/common';
import type { AppConfig } from '../config/env';
import {
  SCHEDULE_TIME_ZONE,
  scheduleIdFor,
  type DailyDigestInput,
  type EpsAgendaInput,
  type FundingKickoffInput,
  type RetentionPurgeInput,
  type ScheduleActionInput,
  type ScheduleName,
} from '../../workflows/schedules/schedules.contract';
import { ui } from '../../workflows/shared/ui-text';

/** One of the project's schedules, as ensureSchedules creates it and `GET /schedules` explains it. */
export interface ScheduleDefinition {
  id: string;
  name: ScheduleName;
  workflowType: string;
  /** French, for the Temporal UI (memo and initial note) and `GET /schedules`. */
  description: string;
  /** The spec in words. */
  specSummary: string;
  /** Why these policies. */
  policyReason: string;
  /** Fingerprint of spec + policies + action: a running schedule with another one is updated at start-up. */
  fingerprint: string;
  options: ScheduleOptions<ScheduleOptionsStartWorkflowAction<Workflow>>;
}

/** The coordinator recipient of the schedules: the configured coordinator and anyone holding the role. */
const COORDINATOR = 'role:coordinator';
const FINANCE = 'role:finance';

function hhmm(value: string): { hour: number; minute: number } {
  const [h, m] = value.split(':').map(Number);
  return { hour: h, minute: m };
}

function withFingerprint(def: Omit<ScheduleDefinition, 'fingerprint'>): ScheduleDefinition {
  const action = def.options.action;
  const args = (action.args ?? []) as Array<Record<string, unknown>>;
  const canonical = JSON.stringify({ spec: def.options.spec, policies: def.options.policies, action: { ...action, args } });
  const fingerprint = createHash('sha256').update(canonical).digest('hex').slice(0, 16);
  const stamped = args.map((a, i) => (i === 0 ? { ...a, definition: fingerprint } : a));
  return { ...def, fingerprint, options: { ...def.options, action: { ...action, args: stamped } } };
}

/** The schedules of DOMAIN.md §3 and the retention job of §5, from configuration (ids carry PRE_SCHEDULE_ID_PREFIX). */
export function scheduleDefinitions(config: AppConfig): ScheduleDefinition[] {
  const taskQueue = config.TEMPORAL_TASK_QUEUE;
  const digestAt = hhmm(config.PRE_DIGEST_TIME);
  // five minutes after the digest: the two runs never compete for the same worker slot
  const agendaMinutes = (digestAt.hour * 60 + digestAt.minute + 5) % (24 * 60);
  const agendaAt = { hour: Math.floor(agendaMinutes / 60), minute: agendaMinutes % 60 };
  const noMeeting = config.PRE_EPS_NO_MEETING_MONTHS.split(',').filter(Boolean).map(Number);
  const at = (t: { hour: number; minute: number }) => `${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')}`;

  /** One schedule that starts `workflowType` with `input` (plus its `scheduleId`): overlap SKIP, never paused on failure. */
  const define = <I extends ScheduleActionInput>(plan: {
    name: ScheduleName;
    workflowType: string;
    input: Omit<I, 'scheduleId'>;
    description: string;
    specSummary: string;
    policyReason: string;
    calendars: CalendarSpec[];
    workflowExecutionTimeout: Duration;
    staticSummary: string;
    catchupWindow: Duration;
  }): ScheduleDefinition => {
    const id = scheduleIdFor(config.PRE_SCHEDULE_ID_PREFIX, plan.name);
    const input = { scheduleId: id, ...plan.input } as I;
    return withFingerprint({
      id,
      name: plan.name,
      workflowType: plan.workflowType,
      description: plan.description,
      specSummary: plan.specSummary,
      policyReason: plan.policyReason,
      options: {
        scheduleId: id,
        spec: { calendars: plan.calendars, timezone: SCHEDULE_TIME_ZONE },
        action: {
          type: 'startWorkflow',
          workflowType: plan.workflowType,
          workflowId: id,
          taskQueue,
          args: [input],
          workflowExecutionTimeout: plan.workflowExecutionTimeout,
          staticSummary: ui(plan.staticSummary),
        },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: plan.catchupWindow, pauseOnFailure: false },
      },
    });
  };

  const digest = define<DailyDigestInput>({
    name: 'daily-digest',
    workflowType: 'dailyDigestWorkflow',
    input: { windowDays: config.PRE_DIGEST_WINDOW_DAYS, coordinatorRecipient: COORDINATOR, financeRecipient: FINANCE },
    description: `Récapitulatif quotidien : chaque référent, la coordination et les finances reçoivent un message avec les échéances en retard et celles des ${config.PRE_DIGEST_WINDOW_DAYS} prochains jours.`,
    specSummary: `Du lundi au vendredi à ${at(digestAt)} (${SCHEDULE_TIME_ZONE})`,
    policyReason:
      "Chevauchement SKIP : un récapitulatif encore en cours n'est pas doublé (le suivant arrive le lendemain). Rattrapage 4 h : après une panne du serveur Temporal, le récapitulatif du matin part encore s'il est rétabli dans la matinée ; plus tard, il ferait doublon avec celui du lendemain.",
    calendars: [{ comment: 'jours ouvrés', dayOfWeek: { start: 'MONDAY', end: 'FRIDAY' }, hour: digestAt.hour, minute: digestAt.minute }],
    // a digest not sent by the afternoon is stale: the next one replaces it
    workflowExecutionTimeout: '8 hours',
    staticSummary: 'Récapitulatif quotidien des échéances',
    catchupWindow: '4 hours',
  });

  const agenda = define<EpsAgendaInput>({
    name: 'eps-agenda',
    workflowType: 'epsAgendaWorkflow',
    input: {
      calendar: { weekday: config.PRE_EPS_WEEKDAY, weekOfMonth: config.PRE_EPS_WEEK_OF_MONTH, noMeetingMonths: noMeeting },
      leadWorkingDays: config.PRE_EPS_AGENDA_LEAD_DAYS,
      coordinatorRecipient: COORDINATOR,
    },
    description: `Ordre du jour de l'EPS : chaque jour ouvré, vérifie si la prochaine réunion (calendrier PRE_EPS_*) est dans ${config.PRE_EPS_AGENDA_LEAD_DAYS} jours ouvrés ou moins ; si oui, la coordination reçoit une fois la liste des dossiers en attente (du plus ancien au plus récent, sans nom).`,
    specSummary: `Du lundi au vendredi à ${at(agendaAt)} (${SCHEDULE_TIME_ZONE}) ; envoi ${config.PRE_EPS_AGENDA_LEAD_DAYS} jours ouvrés avant chaque EPS`,
    policyReason:
      "Vérification quotidienne plutôt qu'un calendrier, car « 3 jours ouvrés avant le 1er mardi, sauf en août » n'est pas une expression de calendrier, et un jour manqué est rattrapé par le suivant (l'envoi est dédoublonné par date de réunion). Chevauchement SKIP ; rattrapage 1 jour.",
    calendars: [{ comment: 'jours ouvrés', dayOfWeek: { start: 'MONDAY', end: 'FRIDAY' }, hour: agendaAt.hour, minute: agendaAt.minute }],
    workflowExecutionTimeout: '1 day',
    staticSummary: "Ordre du jour de l'EPS",
    catchupWindow: '1 day',
  });

  const kickoff = define<FundingKickoffInput>({
    name: 'funding-kickoff',
    workflowType: 'fundingKickoffWorkflow',
    input: { requestDueMonth: config.PRE_REQUEST_DUE_MONTH, requestDueDay: config.PRE_REQUEST_DUE_DAY, financeRecipient: FINANCE },
    description: `Lancement de l'année de financement : chaque ${config.PRE_FUNDING_KICKOFF_DAY} janvier, pour chaque convention en cours, les finances sont rappelées que la demande de subvention de l'année est due le ${String(config.PRE_REQUEST_DUE_DAY).padStart(2, '0')}/${String(config.PRE_REQUEST_DUE_MONTH).padStart(2, '0')}.`,
    specSummary: `Chaque année le ${config.PRE_FUNDING_KICKOFF_DAY} janvier à 08:00 (${SCHEDULE_TIME_ZONE})`,
    policyReason:
      "Une fois par an et avant une échéance ferme : rattrapage 30 jours, pour qu'une panne début janvier n'empêche pas le rappel avant la fin du mois (le rappel est dédoublonné par année et convention). Chevauchement SKIP.",
    calendars: [{ comment: "début de l'année de financement", month: 'JANUARY', dayOfMonth: config.PRE_FUNDING_KICKOFF_DAY, hour: 8, minute: 0 }],
    workflowExecutionTimeout: '7 days',
    staticSummary: "Lancement de l'année de financement",
    catchupWindow: '30 days',
  });

  const retention = define<RetentionPurgeInput>({
    name: 'retention-purge',
    workflowType: 'retentionPurgeWorkflow',
    input: { maxCases: 500 },
    description: `Conservation des données : chaque nuit, pour chaque dossier clos dont les données personnelles ont été purgées (${config.PRE_RETENTION_MONTHS} mois après le dernier contact), supprime les exécutions antérieures qui les contenaient ; seuls restent les chiffres anonymes des indicateurs.`,
    specSummary: `Chaque jour à 03:30 (${SCHEDULE_TIME_ZONE}), 500 dossiers au plus par passage`,
    policyReason:
      "Tâche idempotente (un dossier reste listé tant que son effacement n'est pas confirmé) : chevauchement SKIP, rattrapage 1 jour ; une nuit manquée est reprise par la suivante.",
    calendars: [{ comment: 'chaque nuit', hour: 3, minute: 30 }],
    workflowExecutionTimeout: '6 hours',
    staticSummary: 'Conservation des données : effacement des dossiers purgés',
    catchupWindow: '1 day',
  });

  return [digest, agenda, kickoff, retention].map((d) => ({
    ...d,
    options: { ...d.options, memo: { description: d.description, policies: d.policyReason }, state: { note: d.description } },
  }));
}
