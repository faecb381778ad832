import { Injectable, Logger } from '@nestjs/common';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import type { temporal } from '@temporalio/proto';
import { ProblemException } from '../common/problem';
import { AppConfig } from '../config/env';
import { TemporalService } from '../temporal/temporal.service';
import { dossierIdOf, getStateQuery, isPurgedView, PARCOURS_WORKFLOW_TYPE, workflowIdFor, type ParcoursView } from '../../workflows/parcours/parcours.contract';
import { addDays, type IsoDate } from '../../workflows/shared/calendar';
import { PRE_AGE_BAND, PRE_NEXT_DEADLINE, PRE_NEXT_DEADLINE_KIND, PRE_OVERDUE, PRE_QPV, PRE_REFERRED_ON } from '../../workflows/shared/search-attributes';
import { epsCalendarOf, localDate, nextMeetingDate, sortAgenda, waitingDays } from './eps-calendar';
import type { AgendaCaseDto, NextTeamMeetingDto } from './team-meetings.dto';
import { mapLimit } from '../common/async';

/** At most this many cases on one agenda (a month's EPS examines far fewer). */
const MAX_AGENDA = 500;
/** Parallel getState queries while building the agenda. */
const QUERY_CONCURRENCY = 8;

function isoDate(d: unknown): IsoDate | null {
  return d instanceof Date ? d.toISOString().slice(0, 10) : null;
}

interface Found {
  dossierId: string;
  qpv: string;
  ageBand: string;
  referredOn: IsoDate | null;
  reviewDueOn: IsoDate | null;
  overdue: boolean;
}

/** The next EPS meeting and its agenda: the cases awaiting review, found through their search attributes. */
@Injectable()
export class TeamMeetingsService {
  private readonly logger = new Logger(TeamMeetingsService.name);

  constructor(
    private readonly temporal: TemporalService,
    private readonly config: AppConfig,
  ) {}

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
    const query = [
      `WorkflowType = '${PARCOURS_WORKFLOW_TYPE}'`,
      `TaskQueue = '${this.temporal.taskQueue}'`,
      `ExecutionStatus = 'Running'`,
      `PreStage = 'AWAITING_TEAM_REVIEW'`,
    ].join(' AND ');
    const out: Found[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const res: temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse = await this.temporal.connection.withDeadline(
        Date.now() + this.config.UPDATE_TIMEOUT_SECONDS * 1000,
        () => this.temporal.connection.workflowService.listWorkflowExecutions({ namespace: this.temporal.namespace, query, pageSize: 200, nextPageToken }),
      );
      for (const e of res.executions ?? []) {
        const dossierId = dossierIdOf(e.execution?.workflowId ?? '');
        if (!dossierId) continue;
        const sa = decodeTypedSearchAttributes(e.searchAttributes?.indexedFields);
        out.push({
          dossierId,
          qpv: sa.get(PRE_QPV) ?? '',
          ageBand: sa.get(PRE_AGE_BAND) ?? '',
          referredOn: isoDate(sa.get(PRE_REFERRED_ON)),
          reviewDueOn: sa.get(PRE_NEXT_DEADLINE_KIND) === 'TEAM_REVIEW' ? isoDate(sa.get(PRE_NEXT_DEADLINE)) : null,
          overdue: sa.get(PRE_OVERDUE) ?? false,
        });
      }
      nextPageToken = res.nextPageToken && res.nextPageToken.length > 0 ? res.nextPageToken : undefined;
    } while (nextPageToken && out.length < MAX_AGENDA);
    return out.slice(0, MAX_AGENDA);
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
      const read = await this.temporal.connection.withDeadline(Date.now() + 5000, () =>
        this.temporal.client.workflow.getHandle(workflowIdFor(f.dossierId)).query(getStateQuery),
      );
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

