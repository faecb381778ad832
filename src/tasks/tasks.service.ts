import { Injectable } from '@nestjs/common';
import { coordinationCases, earliestParcoursDeadlines, fundingDeadlines, PARCOURS_WORKFLOW_TYPE, type HeadMarks } from '../../activities/deadline-search';
import { workflowIdFor } from '../../workflows/parcours/parcours.contract';
import { nextEpsMeeting, type EpsCalendar } from '../../workflows/parcours/parcours.rules';
import type { DeadlineItem } from '../../workflows/schedules/schedules.contract';
import { byUrgency, TASK_KINDS, taskKindOf, type TaskKind } from '../../workflows/schedules/schedules.rules';
import { parisDateOf } from '../../workflows/shared/calendar';
import { taskScopes } from '../auth/access-policy';
import type { Caller } from '../auth/roles';
import { PageTokens } from '../common/page-token';
import { AppConfig } from '../config/env';
import { TemporalService } from '../temporal/temporal.service';
import type { ListTasksQuery, TaskDto, TaskListDto } from './dto/tasks.dto';

function pathOf(item: DeadlineItem): string {
  if (item.dossierId) return `/parcours/${item.dossierId}`;
  if (item.conventionRef) return `/conventions/${item.conventionRef}${item.year ? `/years/${item.year}` : ''}`;
  return `/workflows/${item.workflowId}`;
}

function task(item: DeadlineItem, kind: TaskKind = taskKindOf(item), dueOn = item.dueOn): TaskDto {
  const t: TaskDto = { id: `${item.workflowId}:${kind}`, kind, label: TASK_KINDS[kind], overdue: item.overdue, workflowId: item.workflowId, path: pathOf(item) };
  if (dueOn) t.dueOn = dueOn;
  if (item.dossierId) t.dossierId = item.dossierId;
  if (item.conventionRef) t.conventionRef = item.conventionRef;
  if (item.year !== undefined) t.year = item.year;
  if (item.stage) t.stage = item.stage;
  if (item.kind) t.deadlineKind = item.kind;
  return t;
}

/** Most référents whose list a process remembers the head of (far above a CCAS's staff; a bound on the memory it takes). */
const HEAD_HINTS = 10_000;

/**
 * What is due for the caller, from the search attributes of the cases, conventions and funding years (one visibility
 * query per role, never a query to each workflow): a référent their own cases' next deadline; the coordinator every
 * case waiting for the EPS, every overdue case (escalations) and every active case without a référent; finance every
 * convention or funding year with a deadline. Other roles have no tasks of their own.
 */
@Injectable()
export class TasksService {
  private readonly calendar: EpsCalendar;
  private readonly pages: PageTokens;

  /**
   * What each référent's last whole reading said about the head of their list (`HeadMarks`: at most a dozen dates): a
   * hint, never an answer (whether to read the head first, `earliestParcoursDeadlines`). Per process, at most
   * HEAD_HINTS entries.
   */
  private readonly heads = new Map<string, HeadMarks>();

  private rememberHead(sub: string, marks: HeadMarks): void {
    if (!this.heads.has(sub) && this.heads.size >= HEAD_HINTS) this.heads.clear();
    this.heads.set(sub, marks);
  }

  constructor(
    private readonly temporal: TemporalService,
    config: AppConfig,
  ) {
    this.pages = new PageTokens(config.childKeySecret);
    this.calendar = {
      weekday: config.PRE_EPS_WEEKDAY,
      weekOfMonth: config.PRE_EPS_WEEK_OF_MONTH,
      noMeetingMonths: config.PRE_EPS_NO_MEETING_MONTHS.split(',').filter(Boolean).map(Number),
    };
  }

  /** The caller's tasks in `byUrgency` order: at least the first `need` of them (all of them when fewer). */
  private async collect(caller: Caller, need: number): Promise<TaskDto[]> {
    const client = this.temporal.client;
    const taskQueue = this.temporal.taskQueue;
    const scopes = taskScopes(caller);
    const jobs: Array<Promise<TaskDto[]>> = [];
    // the staff id goes into a visibility query, escaped by its builder (an id no query can hold has no cases)
    if (scopes.ownCases) {
      // the head of the référent's list when it holds the page: each source gives at least its `need` first items, so
      // the merged list's first `need` are right, and a longer list means a next page either way
      jobs.push(
        earliestParcoursDeadlines(client, { referentId: caller.sub, taskQueue }, need, this.heads.get(caller.sub)).then(({ items, marks }) => {
          this.rememberHead(caller.sub, marks);
          return items.map((i) => task(i));
        }),
      );
    }
    if (scopes.coordination) {
      const meeting = nextEpsMeeting(parisDateOf(Date.now()), this.calendar);
      // one list call for the three (coordinationCases), in the order they were listed before
      jobs.push(
        coordinationCases(client, taskQueue).then(({ awaitingReview, overdue, unassigned }) => [
          ...awaitingReview.map((c) => task({ source: 'parcours', workflowId: workflowIdFor(c.dossierId), workflowType: PARCOURS_WORKFLOW_TYPE, dossierId: c.dossierId, stage: 'AWAITING_TEAM_REVIEW', overdue: c.overdue, ...(c.referentId ? { referentId: c.referentId } : {}) }, 'TEAM_REVIEW', meeting)),
          ...overdue.map((i) => task(i)),
          ...unassigned.map((i) => task(i, 'ASSIGN_REFERENT', undefined)),
        ]),
      );
    }
    if (scopes.funding) jobs.push(fundingDeadlines(client, { taskQueue }).then((items) => items.map((i) => task(i))));
    const all = (await Promise.all(jobs)).flat();
    const unique = new Map<string, TaskDto>();
    for (const t of all) if (!unique.has(t.id)) unique.set(t.id, t);
    return [...unique.values()].sort(byUrgency);
  }

  async list(caller: Caller, q: ListTasksQuery): Promise<TaskListDto> {
    const pageToken = q.pageToken ?? q.nextPageToken;
    // the list is the caller's: a token is bound to the caller and their roles
    const list = `tasks\u0000${caller.sub}\u0000${[...caller.roles].sort().join(',')}`;
    const offset = pageToken ? Number(this.pages.openText(pageToken, list)) : 0;
    const size = q.pageSize ?? 50;
    const all = await this.collect(caller, offset + size);
    const items = all.slice(offset, offset + size);
    return { items, ...(offset + size < all.length ? { nextPageToken: this.pages.seal(String(offset + size), list) } : {}) };
  }
}
