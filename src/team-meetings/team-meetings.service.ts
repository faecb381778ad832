import { Injectable, Logger } from '@nestjs/common';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { primaryRole, type Caller } from '../auth/roles';
import { keyedUpdate } from '../common/idempotency-key';
import { plain } from '../common/async';
import {
  getTeamMeetingsQuery,
  meetingDateOf,
  recordTeamMeetingUpdate,
  TEAM_MEETINGS_WORKFLOW_TYPE,
  teamMeetingsWorkflowId,
  type TeamMeetingInput,
  type TeamMeetingRecord,
  type TeamMeetingsView,
} from '../../workflows/team-meetings/team-meetings.contract';
import type { teamMeetingsWorkflow } from '../../workflows/team-meetings/team-meetings.workflow';
import { reviewMeetingProblem } from '../../workflows/team-meetings/team-meetings.rules';
import { parisDateOf, parisYearOf } from '../../workflows/shared/calendar';
import { ui } from '../../workflows/shared/ui-text';
import { ProblemException } from '../common/problem';
import { AppConfig } from '../config/env';
import { attributeDate, isNotFound, TemporalGateway } from '../temporal/temporal-gateway';
import { eq, onTaskQueue, running, visibilityQuery, workflowType } from '../temporal/visibility-query';
import { dossierIdOf, getStateQuery, isPurgedView, PARCOURS_WORKFLOW_TYPE, workflowIdFor, type ParcoursView } from '../../workflows/parcours/parcours.contract';
import { addDays, type IsoDate } from '../../workflows/shared/calendar';
import { PRE_AGE_BAND, PRE_NEXT_DEADLINE, PRE_NEXT_DEADLINE_KIND, PRE_OVERDUE, PRE_QPV, PRE_REFERRED_ON } from '../../workflows/shared/search-attributes';
import { epsCalendarOf, localDate, nextMeetingDate, sortAgenda, waitingDays } from './eps-calendar';
import type { AgendaCaseDto, NextTeamMeetingDto, TeamMeetingDto, TeamMeetingListDto } from './team-meetings.dto';
import { mapLimit } from '../common/async';

/** At most this many cases on one agenda (a month's EPS examines far fewer). */
const MAX_AGENDA = 500;
/**
 * Reviewable meetings this API instance has read, by meetingId (issue 17: a team review no longer queries the year's
 * workflow each time). Only a meeting found reviewable is kept — a record is never changed or removed, so that
 * answer cannot go stale, while an unknown meeting may be recorded at any moment through another instance.
 */
const REVIEWABLE_CACHE = 200;
/** Parallel getState queries while building the agenda. */
const QUERY_CONCURRENCY = 8;


interface Found {
  dossierId: string;
  qpv: string;
  ageBand: string;
  referredOn: IsoDate | null;
  reviewDueOn: IsoDate | null;
  overdue: boolean;
}

/**
 * The EPS meetings: the records of the meetings held (one `teamMeetingsWorkflow` per civil year, `team-meetings-<task queue>-<year>`,
 * written by update-with-start, read by its query), the check a team review's meeting must pass, and the next
 * meeting with its agenda (the cases awaiting review, found through their search attributes).
 */
@Injectable()
export class TeamMeetingsService {
  private readonly logger = new Logger(TeamMeetingsService.name);
  private readonly reviewable = new Map<string, TeamMeetingRecord>();

  constructor(
    private readonly temporal: TemporalGateway,
    private readonly config: AppConfig,
  ) {}

  /**
   * `POST /team-meetings`: records a meeting held in the year of its date, starting that year's workflow if need be;
   * the workflow's validator refuses a date in the future (422), a second meeting the same day (409), a full year (422).
   */
  async record(body: TeamMeetingDto, caller: Caller, key?: string, nowMs = Date.now()): Promise<TeamMeetingRecord> {
    const year = Number(body.meetingDate.slice(0, 4));
    // the rules the record alone decides, before a year's workflow is started for it (the workflow checks them again)
    const today = parisDateOf(nowMs);
    if (body.meetingDate > today) {
      throw ProblemException.of(422, 'rule-violation', `The meeting date ${body.meetingDate} is in the future: record a meeting once it has been held (today is ${today}).`, { rule: 'meeting-held' });
    }
    const twice = body.attendees.map((a) => a.staffId).filter((id, i, all) => all.indexOf(id) !== i);
    if (twice.length > 0) throw ProblemException.of(422, 'rule-violation', `Each attendee is listed once: ${twice[0]} is listed twice.`, { rule: 'attendee-once' });
    const fields = plain(body) as Omit<TeamMeetingInput, 'actor' | 'at'>;
    const input: TeamMeetingInput = { ...fields, actor: { sub: caller.sub, role: primaryRole(caller) }, at: new Date().toISOString(), ...(key ? { idempotencyKey: key } : {}) };
    const start = new WithStartWorkflowOperation<typeof teamMeetingsWorkflow>(TEAM_MEETINGS_WORKFLOW_TYPE, {
      workflowId: teamMeetingsWorkflowId(this.temporal.taskQueue, year),
      taskQueue: this.temporal.taskQueue,
      args: [{ year }],
      staticSummary: ui(`Réunions de l'EPS ${year}`),
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    return this.temporal.withDeadline(() =>
      this.temporal.client.workflow.executeUpdateWithStart(recordTeamMeetingUpdate, {
        ...keyedUpdate(recordTeamMeetingUpdate.name, input, key, fields),
        startWorkflowOperation: start,
      }),
    );
  }

  /** The meetings recorded for a civil year, by date (none when the year has no workflow yet). */
  async meetingsOf(year: number): Promise<TeamMeetingRecord[]> {
    try {
      const view: TeamMeetingsView = await this.temporal.query(this.temporal.handle(teamMeetingsWorkflowId(this.temporal.taskQueue, year)), getTeamMeetingsQuery);
      return view.meetings;
    } catch (e) {
      if (isNotFound(e)) return [];
      throw e;
    }
  }

  /** `GET /team-meetings?year=`: the year's meetings (the current Paris year by default). */
  async list(year: number | undefined, nowMs = Date.now()): Promise<TeamMeetingListDto> {
    const y = year ?? parisYearOf(nowMs);
    return { year: y, items: await this.meetingsOf(y) };
  }

  /**
   * The meeting a team review names, if a case may be decided at it: 422 `unknown-meeting` when no such meeting is
   * recorded, 422 `secrecy-charter-not-read` when the charter was not read out at it.
   */
  async reviewableMeeting(meetingId: string): Promise<TeamMeetingRecord> {
    const known = this.reviewable.get(meetingId);
    if (known) return known;
    const date = meetingDateOf(meetingId);
    const meeting = date ? (await this.meetingsOf(Number(date.slice(0, 4)))).find((m) => m.meetingId === meetingId) : undefined;
    const problem = reviewMeetingProblem(meetingId, meeting);
    if (problem?.rule === 'unknown-meeting') throw ProblemException.of(422, 'unknown-meeting', problem.detail, { meetingId });
    if (problem) throw ProblemException.of(422, 'secrecy-charter-not-read', problem.detail, { meetingId });
    // a recorded meeting never changes (the year's workflow only appends): once reviewable, always reviewable
    if (this.reviewable.size >= REVIEWABLE_CACHE) this.reviewable.delete(this.reviewable.keys().next().value!);
    this.reviewable.set(meetingId, meeting!);
    return meeting!;
  }

  async next(nowMs = Date.now()): Promise<NextTeamMeetingDto> {
    const calendar = epsCalendarOf(this.config);
    const today = localDate(nowMs);
    let date: IsoDate;
    try {
      date = nextMeetingDate(today, calendar);
    } catch (e) {
      throw ProblemException.of(500, 'configuration', (e as Error).message);
    }
    const found = await this.awaitingReview();
    const agenda = await mapLimit(found, QUERY_CONCURRENCY, (f) => this.agendaCase(f, today));
    return { date, calendar: { ...calendar, noMeetingMonths: [...calendar.noMeetingMonths] }, agenda: sortAgenda(agenda) };
  }

  /** Running cases of this deployment in stage AWAITING_TEAM_REVIEW (visibility: no worker involved). */
  private async awaitingReview(): Promise<Found[]> {
    const query = visibilityQuery(workflowType(PARCOURS_WORKFLOW_TYPE), onTaskQueue(this.temporal.taskQueue), running(), eq('PreStage', 'AWAITING_TEAM_REVIEW'));
    const out: Found[] = [];
    for (const e of await this.temporal.listAll(query, MAX_AGENDA)) {
      const dossierId = dossierIdOf(e.workflowId);
      if (!dossierId) continue;
      const sa = e.searchAttributes;
      out.push({
        dossierId,
        qpv: sa.get(PRE_QPV) ?? '',
        ageBand: sa.get(PRE_AGE_BAND) ?? '',
        referredOn: attributeDate(sa.get(PRE_REFERRED_ON)),
        reviewDueOn: sa.get(PRE_NEXT_DEADLINE_KIND) === 'TEAM_REVIEW' ? attributeDate(sa.get(PRE_NEXT_DEADLINE)) : null,
        overdue: sa.get(PRE_OVERDUE) ?? false,
      });
    }
    return out;
  }

  /**
   * One line of the agenda. The waiting time starts at the consent (read with `getState`); should the query fail,
   * the search attributes give an estimate (review deadline minus the escalation delay, else the referral date).
   */
  private async agendaCase(f: Found, today: IsoDate): Promise<AgendaCaseDto> {
    let since: IsoDate | null = null;
    let moreInfoCount = 0;
    let overdue = f.overdue;
    try {
      const read = await this.temporal.withDeadline(() => this.temporal.handle(workflowIdFor(f.dossierId)).query(getStateQuery), 5);
      if (isPurgedView(read)) throw new Error('purged case'); // never awaiting review: only closed cases are purged
      const view: ParcoursView = read;
      since = view.consent?.signedOn ?? null;
      moreInfoCount = view.reviews.filter((r) => r.decision === 'MORE_INFO').length;
      overdue = view.overdue;
    } catch (e) {
      this.logger.warn({ msg: 'agenda: state query failed, using search attributes', dossierId: f.dossierId, reason: (e as Error).message?.slice(0, 200) });
    }
    since ??= f.reviewDueOn ? addDays(f.reviewDueOn, -this.config.PRE_REVIEW_ESCALATION_DAYS) : (f.referredOn ?? today);
    return { dossierId: f.dossierId, qpv: f.qpv, ageBand: f.ageBand, waitingSince: since, waitingDays: waitingDays(since, today), moreInfoCount, overdue };
  }
}

