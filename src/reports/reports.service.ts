/**
 * The yearly indicators (DOMAIN.md §4, `GET /reports/indicators`), computed from Temporal itself.
 *
 * Source of truth: Temporal, without a read model. Each parcours workflow carries in its memo, under the key
 * `figures`, the anonymised `CaseFigures` of its case (workflows/parcours/parcours.figures.ts: QPV, age band, sex, business
 * dates and codes; no name, birth date, address or dossierId), upserted at each change. One paginated visibility
 * listing — `WorkflowType = 'parcoursWorkflow' AND PreReferredOn <= end of period` — returns every case with its
 * memo (decrypted by the client's codec), so a year costs one listing and no per-case query: no worker is involved,
 * closed cases count as well as open ones, and there is no second store to keep in step with the workflows. The
 * few funding-year workflows of the year (`PreFundingYear = year`) give the subsidy figures (their state query, or
 * their result once completed).
 *
 * Measured on this machine (bench/indicators.ts, 2 shared cores): a year of 1 000 cases in about 0.7 s from the memos,
 * against about 35 s when every case is asked with a query (each one replays its history on a worker) — which is why
 * the figures travel in the memo rather than in a separate read model: visibility already is that read model.
 *
 * A case whose memo has no (readable) figures — one recorded before the memo existed — is read with its `getState`
 * query instead, and its figures computed with the same `caseFiguresOf`.
 *
 * The listing skips runs closed by continue-as-new (`ExecutionStatus != 'ContinuedAsNew'`: a long case has several
 * runs, only the latest counts) and keeps one execution per workflow id (a reset leaves a terminated run beside the
 * new one).
 *
 * Cases purged by the retention rule (DOMAIN.md §5) still count in the years they belong to: the purge continues
 * the case as new into a run that keeps only its `CaseFigures`, in the same memo key (workflows/parcours/parcours.purged.ts),
 * and deletes the earlier runs — so the same listing finds it once, without personal data.
 *
 * Only cases of this deployment's task queue are read (as every other listing of the API does).
 */
import { Injectable, Logger } from '@nestjs/common';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { TemporalService } from '../temporal/temporal.service';
import { FUNDING_YEAR_WORKFLOW_TYPE, getYearStateQuery, type FundingYearResult, type FundingYearView } from '../../workflows/convention/convention.contract';
import { getStateQuery, isPurgedView, PARCOURS_WORKFLOW_TYPE } from '../../workflows/parcours/parcours.contract';
import { CASE_FIGURES_MEMO_KEY, caseFiguresOf, isCaseFigures, type CaseFigures } from '../../workflows/parcours/parcours.figures';
import { addDays, type IsoDate } from '../../workflows/shared/calendar';
import { isCountable, periodOf, type FundingFigures, type IndicatorsReport, type PeriodKind } from './indicators';
import { buildReport } from './publication';
import { mapLimit } from '../common/async';
import { eq, latestRuns, lt, onTaskQueue, running, visibilityQuery, workflowType } from '../temporal/visibility-query';
import { getTeamMeetingsQuery, TEAM_MEETINGS_WORKFLOW_TYPE, type TeamMeetingsView } from '../../workflows/team-meetings/team-meetings.contract';

/** Visibility page size (the server caps it). */
const PAGE_SIZE = 1000;
/** Parallel queries when a case or a funding year must be asked directly. */
const QUERY_CONCURRENCY = 8;
/** A year of a large programme is a few thousand cases: one minute is ample, and the API never hangs forever. */
const REPORT_DEADLINE_MS = 60_000;

/** Where the figures of a report came from (logged, never published). */
export interface IndicatorsSourceStats {
  executions: number;
  fromMemo: number;
  fromQuery: number;
  unreadable: number;
  fundingYears: number;
  /** EPS meetings recorded (every year), and the yearly workflows that hold them. */
  meetings: number;
  meetingYears: number;
  ms: number;
}

@Injectable()
export class ReportsService {
  private readonly logger = new Logger(ReportsService.name);

  constructor(private readonly temporal: TemporalService) {}

  private get client() {
    return this.temporal.client;
  }

  /** The report of a year (civil or school); `stats` (optional) receives where the figures came from. */
  async indicators(year: number, kind: PeriodKind, stats?: Partial<IndicatorsSourceStats>): Promise<IndicatorsReport> {
    const started = Date.now();
    const p = periodOf(year, kind);
    const s: IndicatorsSourceStats = { executions: 0, fromMemo: 0, fromQuery: 0, unreadable: 0, fundingYears: 0, meetings: 0, meetingYears: 0, ms: 0 };
    const [cases, funding, meetings] = await this.temporal.connection.withDeadline(Date.now() + REPORT_DEADLINE_MS, () =>
      Promise.all([this.caseFigures(p.to, s), this.funding(year, s), this.recordedMeetings(s)]),
    );
    const report = await buildReport(cases, p, funding, undefined, meetings);
    s.ms = Date.now() - started;
    Object.assign(stats ?? {}, s);
    this.logger.log({ msg: 'indicators computed', year, period: kind, ...s });
    return report;
  }

  /** Figures of every case referred on or before `end`: memos from one listing, a query where a memo is missing. */
  private async caseFigures(end: IsoDate, s: IndicatorsSourceStats): Promise<CaseFigures[]> {
    const query = visibilityQuery(
      workflowType(PARCOURS_WORKFLOW_TYPE),
      onTaskQueue(this.temporal.taskQueue),
      latestRuns(),
      lt('PreReferredOn', new Date(`${addDays(end, 1)}T00:00:00Z`)),
    );
    // One execution per case: a reset leaves the old run (terminated) beside the new one; the running one wins.
    const latest = new Map<string, WorkflowExecutionInfo>();
    for await (const info of this.client.workflow.list({ query, pageSize: PAGE_SIZE })) {
      const seen = latest.get(info.workflowId);
      if (!seen || preferred(info, seen)) latest.set(info.workflowId, info);
    }
    s.executions = latest.size;
    const out: CaseFigures[] = [];
    const missing: string[] = [];
    for (const info of latest.values()) {
      const memo = info.memo?.[CASE_FIGURES_MEMO_KEY];
      if (isCaseFigures(memo)) out.push(memo);
      else missing.push(info.workflowId);
    }
    s.fromMemo = out.length;
    const queried = await mapLimit(missing, QUERY_CONCURRENCY, async (workflowId) => {
      try {
        const view = await this.client.workflow.getHandle(workflowId).query(getStateQuery);
        // a purged case always carries its figures in the memo; its state has none left to compute them from
        if (isPurgedView(view)) throw new Error('a purged case without its figures memo');
        return caseFiguresOf(view);
      } catch (e) {
        this.logger.error({ msg: 'indicators: a case could not be read', workflowId, reason: (e as Error).message?.slice(0, 200) });
        throw e;
      }
    });
    s.fromQuery = queried.length;
    out.push(...queried);
    // a sex or age band outside the report's breakdowns would make a breakdown not add up to its total: left out, and said
    s.unreadable = out.filter((f) => !isCountable(f)).length;
    if (s.unreadable > 0) this.logger.warn({ msg: 'indicators: cases left out (sex or age band outside the breakdowns)', count: s.unreadable });
    return out;
  }

  /**
   * The dates of every EPS meeting recorded by this deployment (`POST /team-meetings`): its yearly
   * `teamMeetingsWorkflow`s, found by one visibility listing and each asked once (a few years, a few dozen meetings).
   * Every year, not only the period's: the earlier reports of the chain count their own (src/reports/publication.ts).
   */
  private async recordedMeetings(s: IndicatorsSourceStats): Promise<Set<IsoDate>> {
    const query = visibilityQuery(workflowType(TEAM_MEETINGS_WORKFLOW_TYPE), onTaskQueue(this.temporal.taskQueue), running());
    const ids = new Set<string>();
    for await (const info of this.client.workflow.list({ query, pageSize: PAGE_SIZE })) ids.add(info.workflowId);
    s.meetingYears = ids.size;
    const views = await mapLimit([...ids], QUERY_CONCURRENCY, (id) => this.client.workflow.getHandle(id).query(getTeamMeetingsQuery) as Promise<TeamMeetingsView>);
    const dates = new Set(views.flatMap((v) => v.meetings.map((m) => m.meetingDate)));
    s.meetings = dates.size;
    return dates;
  }

  /** Subsidy of the funding year: summed over the year's funding-year workflows (one per convention). */
  private async funding(year: number, s: IndicatorsSourceStats): Promise<FundingFigures> {
    const query = visibilityQuery(workflowType(FUNDING_YEAR_WORKFLOW_TYPE), onTaskQueue(this.temporal.taskQueue), latestRuns(), eq('PreFundingYear', year));
    const latest = new Map<string, WorkflowExecutionInfo>();
    for await (const info of this.client.workflow.list({ query, pageSize: PAGE_SIZE })) {
      const seen = latest.get(info.workflowId);
      if (!seen || preferred(info, seen)) latest.set(info.workflowId, info);
    }
    s.fundingYears = latest.size;
    const years = await mapLimit([...latest.values()], QUERY_CONCURRENCY, async (info) => {
      const handle = this.client.workflow.getHandle(info.workflowId, info.runId);
      if (info.status.name === 'COMPLETED') {
        const r: FundingYearResult = await handle.result();
        return { conventionRef: r.conventionRef, grantedCents: r.grantedCents, receivedCents: r.receivedCents, spentCents: r.spentCents };
      }
      const v: FundingYearView = await handle.query(getYearStateQuery);
      return { conventionRef: v.conventionRef, grantedCents: v.grantedCents, receivedCents: v.receivedCents, spentCents: v.spentCents };
    });
    const spent = years.filter((y) => y.spentCents !== null);
    return {
      conventions: [...new Set(years.map((y) => y.conventionRef))],
      grantedCents: years.reduce((a, y) => a + y.grantedCents, 0),
      receivedCents: years.reduce((a, y) => a + y.receivedCents, 0),
      spentCents: spent.length === 0 ? null : spent.reduce((a, y) => a + (y.spentCents ?? 0), 0),
    };
  }
}

/** Between two executions of one workflow id: the running one, else the one closed last. */
function preferred(a: WorkflowExecutionInfo, b: WorkflowExecutionInfo): boolean {
  if ((a.status.name === 'RUNNING') !== (b.status.name === 'RUNNING')) return a.status.name === 'RUNNING';
  return (a.closeTime?.getTime() ?? a.startTime.getTime()) > (b.closeTime?.getTime() ?? b.startTime.getTime());
}

