/**
 * Finds cases, conventions and funding years by their search attributes (visibility), never by querying each
 * workflow: one list call answers "what is due" for the digest, the EPS agenda, the kick-off and `GET /me/tasks`.
 */
import type { Client } from '@temporalio/client';
import type { Payload, TypedSearchAttributes } from '@temporalio/common';
import { searchAttributesOf } from '../src/temporal/search-attribute-payloads';
import {
  allOf,
  anyOf,
  eq,
  isNotNull,
  isNull,
  isQueryable,
  lte,
  onTaskQueue,
  running,
  visibilityQuery,
  workflowType,
  type Term,
} from '../src/temporal/visibility-query';
import { CONVENTION_WORKFLOW_TYPE, FUNDING_YEAR_WORKFLOW_TYPE } from '../workflows/convention/convention.contract';
import { dossierIdOf, PARCOURS_WORKFLOW_TYPE } from '../workflows/parcours/parcours.contract';
import type { AgendaCase, DeadlineItem, IsoDate, RunningConvention } from '../workflows/schedules/schedules.contract';
import { byUrgency } from '../workflows/schedules/schedules.rules';
import {
  PRE_AGE_BAND,
  PRE_CONVENTION_REF,
  PRE_FUNDING_STAGE,
  PRE_FUNDING_YEAR,
  PRE_NEXT_DEADLINE,
  PRE_NEXT_DEADLINE_KIND,
  PRE_OVERDUE,
  PRE_QPV,
  PRE_REFERRED_ON,
  PRE_REFERENT_ID,
  PRE_STAGE,
} from '../workflows/shared/search-attributes';

export { CONVENTION_WORKFLOW_TYPE, FUNDING_YEAR_WORKFLOW_TYPE, PARCOURS_WORKFLOW_TYPE };

/** Most items one look-up returns: far above a PRE's caseload, a bound against a runaway query. */
const MAX_ITEMS = 5000;

/**
 * Records per list call: the server's largest page (frontend.visibilityMaxPageSize, 1000 by default). A full page
 * always costs one more call, answered empty: with pages of 500, a référent's 500 cases took two calls, the second
 * a quarter of the look-up's time on the dev server's SQLite (bench:visibility: p50 227 → 172 ms).
 */
const LIST_PAGE_SIZE = 1000;

/** End of a date (PreNextDeadline holds midnight UTC of the due date). */
function endOf(date: IsoDate): Date {
  return new Date(`${date}T23:59:59Z`);
}

function dateOfAttribute(d: Date | undefined): IsoDate | undefined {
  return d ? d.toISOString().slice(0, 10) : undefined;
}

/**
 * What a look-up reads of a visibility record: its id, type and search attributes — from the raw list, so that no
 * memo is decoded (the client's list would have the codec decrypt every record's memo, which a look-up never reads).
 */
export interface ListedRecord {
  workflowId: string;
  type: string;
  typedSearchAttributes: TypedSearchAttributes;
}

/** A visibility record as a deadline item (ids, codes and dates only). */
export function deadlineItemOf(info: ListedRecord): DeadlineItem {
  const sa = info.typedSearchAttributes;
  const isParcours = info.type === PARCOURS_WORKFLOW_TYPE;
  const year = sa.get(PRE_FUNDING_YEAR);
  const item: DeadlineItem = {
    source: isParcours ? 'parcours' : 'funding',
    workflowId: info.workflowId,
    workflowType: info.type,
    overdue: sa.get(PRE_OVERDUE) === true,
  };
  const dossierId = isParcours ? dossierIdOf(info.workflowId) : null;
  if (dossierId) item.dossierId = dossierId;
  const ref = sa.get(PRE_CONVENTION_REF);
  if (ref) item.conventionRef = ref;
  if (typeof year === 'number') item.year = year;
  const stage = isParcours ? sa.get(PRE_STAGE) : sa.get(PRE_FUNDING_STAGE);
  if (stage) item.stage = stage;
  const referentId = sa.get(PRE_REFERENT_ID);
  if (referentId) item.referentId = referentId;
  const kind = sa.get(PRE_NEXT_DEADLINE_KIND);
  if (kind) item.kind = kind;
  const dueOn = dateOfAttribute(sa.get(PRE_NEXT_DEADLINE));
  if (dueOn) item.dueOn = dueOn;
  return item;
}

async function collect<T>(client: Client, query: string, map: (info: ListedRecord) => T): Promise<T[]> {
  const out: T[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const res = await client.workflowService.listWorkflowExecutions({ namespace: client.options.namespace, query, pageSize: LIST_PAGE_SIZE, nextPageToken });
    for (const e of res.executions ?? []) {
      out.push(map({ workflowId: e.execution?.workflowId ?? '', type: e.type?.name ?? '', typedSearchAttributes: searchAttributesOf(e.searchAttributes?.indexedFields as Record<string, Payload> | undefined) }));
      if (out.length >= MAX_ITEMS) return out;
    }
    nextPageToken = res.nextPageToken && res.nextPageToken.length > 0 ? res.nextPageToken : undefined;
  } while (nextPageToken);
  return out;
}

/** Which items a deadline look-up returns. */
export interface DeadlineFilter {
  /** Only this deployment's workflows (its task queue): several deployments may share a namespace. */
  taskQueue?: string;
  /** Due on or before this date, or overdue. Absent: every item with a deadline. */
  until?: IsoDate;
  /** Only this référent's cases. */
  referentId?: string;
  /** Only cases in this stage. */
  stage?: string;
  /** Only cases without a référent. */
  unassigned?: boolean;
  /** Only overdue items. */
  overdueOnly?: boolean;
  /** Also cases without any deadline (e.g. every case waiting for the EPS, every case without a référent). */
  withoutDeadline?: boolean;
}

function scope(taskQueue: string | undefined): Term | undefined {
  return taskQueue ? onTaskQueue(taskQueue) : undefined;
}

function deadlineClause(f: DeadlineFilter): Term | undefined {
  if (f.overdueOnly) return eq('PreOverdue', true);
  if (f.withoutDeadline) return undefined;
  if (f.until) return anyOf(eq('PreOverdue', true), lte('PreNextDeadline', endOf(f.until)));
  return anyOf(eq('PreOverdue', true), isNotNull('PreNextDeadline'));
}

/** Running parcours with a deadline matching the filter. */
export async function parcoursDeadlines(client: Client, f: DeadlineFilter = {}): Promise<DeadlineItem[]> {
  // a value no query can hold (e.g. a NUL in an id) is on no case: nothing is due
  if ((f.referentId !== undefined && !isQueryable(f.referentId)) || (f.stage !== undefined && !isQueryable(f.stage))) return [];
  const query = visibilityQuery(
    workflowType(PARCOURS_WORKFLOW_TYPE),
    scope(f.taskQueue),
    running(),
    deadlineClause(f),
    f.referentId !== undefined && eq('PreReferentId', f.referentId),
    f.stage !== undefined && eq('PreStage', f.stage),
    f.unassigned && isNull('PreReferentId'),
  );
  return collect(client, query, deadlineItemOf);
}

/**
 * What a whole reading of a list taught about its head, for next time (`earliestParcoursDeadlines`): for the item at
 * each index 1, 2, 4, 8… of the list in `byUrgency` order, and at the index the page read asked for with room to
 * spare (`roomFor`: a tenth more than its need), its due date (`until`) and how many items were overdue or due on or
 * before that date (`within`, ties included), out of `total`. A hint, never an answer: cases move.
 */
export interface HeadMarks {
  total: number;
  marks: Array<{ index: number; until: IsoDate; within: number }>;
}

/** A head is read for `need` items when it held a tenth more at the last whole reading: the index of that item. */
function roomFor(need: number): number {
  return Math.ceil((need * 11) / 10); // 55 for a page of 50 (need * 1.1 is 55.000000000000007)
}
/** A head read is worth its risk (a second, whole reading when it falls short) only when it leaves this much out. */
const HEAD_AT_MOST = 0.75;

/** The marks of a whole reading (`items` in any order) made for a page of `need` items. */
export function headMarksOf(items: DeadlineItem[], need: number): HeadMarks {
  const sorted = [...items].sort(byUrgency);
  const indexes = new Set<number>([roomFor(need)]);
  for (let index = 1; index < sorted.length; index *= 2) indexes.add(index);
  const marks: HeadMarks['marks'] = [];
  for (const index of [...indexes].sort((a, b) => a - b)) {
    const item = sorted[index];
    if (!item || item.overdue || item.dueOn === undefined) continue; // an overdue item: every overdue one is read anyway
    let within = index + 1;
    while (within < sorted.length && sorted[within].dueOn === item.dueOn) within++;
    marks.push({ index, until: item.dueOn, within });
  }
  return { total: sorted.length, marks };
}

/**
 * The `need` most urgent parcours items of the filter, in `byUrgency` order once sorted, without listing all of them
 * when fewer will do.
 * The items overdue or due on or before a date come first in that order (overdue first, then by due date: every item
 * left out is due later than every item kept), so when more than `need` of them are there, they are the answer.
 * A list call costs the store a fixed part (it scans the namespace's records: about 60 ms on the dev server's SQLite at
 * 10 000 records) and about the same again per record returned (bench:visibility: a référent's 500 cases p50 243 ms,
 * the first 57 of them 91 ms). So the head is read alone only when the last whole reading (`known`, its marks) says
 * that a date holds more than `need` items with room to spare (the mark at index ≥ `roomFor(need)`) and at most three
 * quarters of the list; otherwise the whole list is read at once, and its marks returned, for next time. A head that
 * fell short (cases moved) is followed by a whole reading: the answer is the same either way.
 */
export async function earliestParcoursDeadlines(
  client: Client,
  f: Omit<DeadlineFilter, 'until' | 'overdueOnly' | 'withoutDeadline'>,
  need: number,
  known?: HeadMarks,
): Promise<{ items: DeadlineItem[]; marks: HeadMarks }> {
  const mark = known?.marks.find((m) => m.index >= roomFor(need));
  if (known && mark && mark.within <= known.total * HEAD_AT_MOST) {
    const head = await parcoursDeadlines(client, { ...f, until: mark.until });
    if (head.length > need) return { items: head, marks: known };
  }
  const items = await parcoursDeadlines(client, f);
  return { items, marks: headMarksOf(items, need) };
}

/** Running conventions and funding years with a deadline matching the filter. */
export function fundingDeadlines(client: Client, f: DeadlineFilter = {}): Promise<DeadlineItem[]> {
  const query = visibilityQuery(workflowType(CONVENTION_WORKFLOW_TYPE, FUNDING_YEAR_WORKFLOW_TYPE), scope(f.taskQueue), running(), deadlineClause(f));
  return collect(client, query, deadlineItemOf);
}

/** A visibility record of a case waiting for the EPS as an agenda line (codes and dates only). */
function agendaCaseOf(info: ListedRecord): AgendaCase {
  const sa = info.typedSearchAttributes;
  const c: AgendaCase = { dossierId: dossierIdOf(info.workflowId) ?? info.workflowId, overdue: sa.get(PRE_OVERDUE) === true };
  const qpv = sa.get(PRE_QPV);
  if (qpv) c.qpv = qpv;
  const band = sa.get(PRE_AGE_BAND);
  if (band) c.ageBand = band;
  const referredOn = dateOfAttribute(sa.get(PRE_REFERRED_ON));
  if (referredOn) c.referredOn = referredOn;
  const referentId = sa.get(PRE_REFERENT_ID);
  if (referentId) c.referentId = referentId;
  if (sa.get(PRE_NEXT_DEADLINE_KIND) === 'TEAM_REVIEW') {
    const due = dateOfAttribute(sa.get(PRE_NEXT_DEADLINE));
    if (due) c.reviewDueOn = due;
  }
  return c;
}

/** Running parcours waiting for the EPS. */
export function awaitingReview(client: Client, taskQueue?: string): Promise<AgendaCase[]> {
  const query = visibilityQuery(workflowType(PARCOURS_WORKFLOW_TYPE), scope(taskQueue), running(), eq('PreStage', 'AWAITING_TEAM_REVIEW'));
  return collect(client, query, agendaCaseOf);
}

/** What the coordinator's tasks are made of: the cases waiting for the EPS, the overdue ones, the active ones without a référent. */
export interface CoordinationCases {
  awaitingReview: AgendaCase[];
  overdue: DeadlineItem[];
  unassigned: DeadlineItem[];
}

/**
 * The three look-ups of the coordinator's tasks in one list call: `awaitingReview`, `parcoursDeadlines({ overdueOnly })`
 * and `parcoursDeadlines({ stage: 'ACTIVE', unassigned, withoutDeadline })` — the same records, each case sorted into
 * every one of the three it belongs to. A list call costs the store a fixed part (a scan of the namespace's records,
 * about 60 ms on the dev server's SQLite at 10 000 records, bench:visibility) besides its records: one call instead of
 * three.
 */
export async function coordinationCases(client: Client, taskQueue?: string): Promise<CoordinationCases> {
  const query = visibilityQuery(
    workflowType(PARCOURS_WORKFLOW_TYPE),
    scope(taskQueue),
    running(),
    anyOf(eq('PreStage', 'AWAITING_TEAM_REVIEW'), eq('PreOverdue', true), allOf(eq('PreStage', 'ACTIVE'), isNull('PreReferentId'))),
  );
  const out: CoordinationCases = { awaitingReview: [], overdue: [], unassigned: [] };
  await collect(client, query, (info) => {
    const sa = info.typedSearchAttributes;
    const stage = sa.get(PRE_STAGE);
    if (stage === 'AWAITING_TEAM_REVIEW') out.awaitingReview.push(agendaCaseOf(info));
    if (sa.get(PRE_OVERDUE) === true) out.overdue.push(deadlineItemOf(info));
    if (stage === 'ACTIVE' && sa.get(PRE_REFERENT_ID) === undefined) out.unassigned.push(deadlineItemOf(info));
  });
  return out;
}

/** Running conventions, each with whether its funding years include `year`. */
export async function runningConventions(client: Client, year: number, taskQueue?: string): Promise<RunningConvention[]> {
  const where = visibilityQuery(workflowType(CONVENTION_WORKFLOW_TYPE), scope(taskQueue), running());
  const conventions = await collect(client, where, (info) => ({
    workflowId: info.workflowId,
    conventionRef: info.typedSearchAttributes.get(PRE_CONVENTION_REF) ?? info.workflowId.replace(/^convention-/, ''),
  }));
  const out: RunningConvention[] = [];
  for (const c of conventions) {
    let coversYear: boolean | null = null;
    let yearStage: string | undefined;
    // a reference a query cannot hold: its years are unknown, remind anyway
    if (isQueryable(c.conventionRef)) {
      const years = await collect(client, visibilityQuery(workflowType(FUNDING_YEAR_WORKFLOW_TYPE), eq('PreConventionRef', c.conventionRef)), (info) => ({
        year: info.typedSearchAttributes.get(PRE_FUNDING_YEAR),
        stage: info.typedSearchAttributes.get(PRE_FUNDING_STAGE),
      }));
      const known = years.filter((y) => typeof y.year === 'number');
      coversYear = known.length === 0 ? null : known.some((y) => y.year === year);
      yearStage = known.find((y) => y.year === year)?.stage;
    }
    out.push({ ...c, coversYear, ...(yearStage ? { yearStage } : {}) });
  }
  return out;
}
