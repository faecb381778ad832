import { Injectable, Logger } from '@nestjs/common';
import { ProblemException } from '../common/problem';
import { AppConfig } from '../config/env';
import { attributeDate, TemporalGateway } from '../temporal/temporal-gateway';
import { eq, onTaskQueue, running, visibilityQuery, workflowType } from '../temporal/visibility-query';
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
    private readonly temporal: TemporalGateway,
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

