import { Injectable } from '@nestjs/common';
import { WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, type UpdateDefinition } from '@temporalio/common';
import {
  CONVENTION_WORKFLOW_TYPE,
  conventionWorkflowId,
  createConventionUpdate,
  FUNDING_YEAR_WORKFLOW_TYPE,
  fundingYearWorkflowId,
  getStateQuery,
  getTimelineQuery,
  getYearStateQuery,
  getYearTimelineQuery,
  recordAuthorisationUpdate,
  recordDeliberationUpdate,
  recordFinancialReportUpdate,
  recordPaymentUpdate,
  recordPublicationUpdate,
  recordRepaymentUpdate,
  recordSettlementUpdate,
  recordRequestUpdate,
  recordSignatureUpdate,
  recordTransmissionUpdate,
  type Actor,
  type ConventionInput,
  type ConventionTerms,
  type ConventionView,
  type DeliberationAnswer,
  type FundingYearView,
  type TimelineEntry,
  type UpdateMeta,
} from '../../workflows/convention/convention.contract';
import { frEuros, tranchesOf } from '../../workflows/convention/convention.rules';
import { conventionStartOptions } from '../../workflows/convention/convention.view';
import { pendingYearView } from '../../workflows/convention/funding-year.view';
import { FailureType } from '../../workflows/shared/failures';
import { type Caller, primaryRole } from '../auth/roles';
import { keyedUpdate } from '../common/idempotency-key';
import { ProblemException } from '../common/problem';
import { conventionSettingsFrom } from '../config/convention.env';
import { AppConfig } from '../config/env';
import { isNotFound, nextDeadlineOf, TemporalGateway, type ListedExecution } from '../temporal/temporal-gateway';
import { latestRuns, oneOf, onTaskQueue, visibilityQuery, workflowType, eq } from '../temporal/visibility-query';
import { PRE_CONVENTION_REF, PRE_FUNDING_STAGE, PRE_FUNDING_YEAR, PRE_OVERDUE } from '../../workflows/shared/search-attributes';
import type { YearAuthorisationDto } from './dto/authorisation.dto';
import type { CreateConventionDto } from './dto/create-convention.dto';
import type { DeliberationDto } from './dto/deliberation.dto';
import type { PublicationDto, SignatureDto, TransmissionDto } from './dto/legality.dto';
import type { ListConventionsQuery } from './dto/params.dto';
import type { FinancialReportDto, PaymentDto, RepaymentDto, SettlementDto, SubsidyRequestDto } from './dto/year.dto';
import { buildLedger, type Ledger } from './ledger';
import { ui } from '../../workflows/shared/ui-text';
import { plain } from '../common/async';
import { yearNotStartedProblem } from './year-problem';

const DEFAULT_PAGE_SIZE = 50;

/** One convention of `GET /conventions`, from its search attributes and its years' (no worker involved). */
export interface ConventionListItem {
  reference: string;
  stage: string;
  nextDeadline: { kind: string; dueOn: string } | null;
  overdue: boolean;
  /** The funding years started so far, with their stage (a year not started yet is on `GET /conventions/{ref}`). */
  years: Array<{ year: number; stage: string }>;
  workflowStatus: string;
  startedAt: string;
}

/** A page of `GET /conventions`. */
export interface ConventionPage {
  items: ConventionListItem[];
  nextPageToken: string | null;
}


/** Markdown for the Temporal UI's static details: the terms of the convention (public, no personal data). */
function staticDetails(terms: ConventionTerms): string {
  const tranches = tranchesOf(terms)
    .map((t) => `- ${Math.round(t.share * 100)} % — ${t.condition}`)
    .join('\n');
  return [
    `**${terms.subject}**`,
    '',
    `- Parties : ${terms.parties.state} / ${terms.parties.beneficiary}`,
    `- Années : ${terms.years.join(', ')}`,
    `- Montant annuel : ${frEuros(terms.annualAmountCents)}`,
    '',
    'Tranches :',
    tranches,
  ].join('\n');
}

/** What is still missing before a convention takes effect (for the 409 of a year that has not started). */
function missingBeforeEffect(view: ConventionView): string[] {
  const missing: string[] = [];
  if (!view.adoptedDeliberationId) missing.push('an adopted board deliberation');
  if (!view.legality.publishedOn) missing.push('the publication');
  if (!view.legality.transmittedOn) missing.push('the transmission to the préfecture');
  for (const party of ['BENEFICIARY', 'STATE'] as const) {
    if (!view.signatures.some((s) => s.party === party)) missing.push(`the ${party} signature`);
  }
  return missing;
}

/**
 * The conventions API over Temporal: creation by update-with-start, convention changes as updates of
 * `convention-<ref>`, year changes as updates of the year's own child `convention-<ref>-<year>` (see the routing
 * note of workflows/convention/convention.contract.ts), reads as queries, the list from visibility.
 */
@Injectable()
export class ConventionsService {
  constructor(
    private readonly temporal: TemporalGateway,
    private readonly config: AppConfig,
  ) {}

  private meta(caller: Caller, key: string | undefined): UpdateMeta {
    const actor: Actor = { sub: caller.sub, role: primaryRole(caller) };
    return { actor, at: new Date().toISOString(), ...(key ? { idempotencyKey: key } : {}) };
  }

  /** `POST /conventions`: starts `conventionWorkflow` and answers its first view (a retry with the same key replays it). */
  async create(body: CreateConventionDto, caller: Caller, key?: string): Promise<ConventionView> {
    const meta = this.meta(caller, key);
    const input: ConventionInput = {
      convention: plain(body) as ConventionTerms,
      settings: conventionSettingsFrom(this.config),
      createdBy: meta.actor,
      createdAt: meta.at,
      ...(key ? { idempotencyKey: key } : {}),
    };
    const start = new WithStartWorkflowOperation(CONVENTION_WORKFLOW_TYPE, {
      ...conventionStartOptions(input),
      staticDetails: ui(staticDetails(input.convention)),
      taskQueue: this.temporal.taskQueue,
    });
    try {
      return await this.temporal.withDeadline(() =>
        this.temporal.client.workflow.executeUpdateWithStart(createConventionUpdate, {
          // with a key, the fingerprint of the convention's terms: the same key with other terms is refused (422)
          ...keyedUpdate(createConventionUpdate.name, meta, key, input.convention),
          startWorkflowOperation: start,
        }),
      );
    } catch (e) {
      if (e instanceof WorkflowExecutionAlreadyStartedError) {
        throw ProblemException.of(409, 'duplicate', `A convention with reference ${body.reference} already exists (it is completed).`, {
          failureType: FailureType.DUPLICATE,
          reference: body.reference,
        });
      }
      throw e;
    }
  }

  /**
   * `GET /conventions`: conventions of this deployment (its task queue) from their search attributes, with the years
   * started so far from theirs (one more listing for the page): no query to any workflow, no worker involved.
   */
  async list(query: ListConventionsQuery): Promise<ConventionPage> {
    // no ORDER BY: the SQL visibility store does not support it; newest first is its default
    const where = visibilityQuery(
      workflowType(CONVENTION_WORKFLOW_TYPE),
      onTaskQueue(this.temporal.taskQueue),
      latestRuns(),
      query.stage !== undefined && eq('PreFundingStage', query.stage),
    );
    const page = await this.temporal.listPage(where, query.pageSize ?? DEFAULT_PAGE_SIZE, query.pageToken);
    const seen = new Set<string>();
    const conventions = page.executions.filter((e) => !seen.has(e.workflowId) && seen.add(e.workflowId));
    const years = await this.startedYears(conventions.map((e) => this.referenceOf(e)));
    return { items: conventions.map((e) => this.listItem(e, years.get(this.referenceOf(e)) ?? [])), nextPageToken: page.nextPageToken };
  }

  private referenceOf(e: ListedExecution): string {
    return e.searchAttributes.get(PRE_CONVENTION_REF) ?? e.workflowId.replace(/^convention-/, '');
  }

  private listItem(e: ListedExecution, years: Array<{ year: number; stage: string }>): ConventionListItem {
    const sa = e.searchAttributes;
    return {
      reference: this.referenceOf(e),
      stage: sa.get(PRE_FUNDING_STAGE) ?? 'AWAITING_DELIBERATION',
      nextDeadline: nextDeadlineOf(sa),
      overdue: sa.get(PRE_OVERDUE) ?? false,
      years,
      workflowStatus: e.status,
      startedAt: e.startedAt,
    };
  }

  /** The started funding years of these conventions, by reference, oldest year first. */
  private async startedYears(refs: string[]): Promise<Map<string, Array<{ year: number; stage: string }>>> {
    const out = new Map<string, Array<{ year: number; stage: string }>>();
    if (refs.length === 0) return out;
    const where = visibilityQuery(workflowType(FUNDING_YEAR_WORKFLOW_TYPE), onTaskQueue(this.temporal.taskQueue), latestRuns(), oneOf('PreConventionRef', refs));
    for (const e of await this.temporal.listAll(where, refs.length * 20)) {
      const ref = e.searchAttributes.get(PRE_CONVENTION_REF);
      const year = e.searchAttributes.get(PRE_FUNDING_YEAR);
      if (!ref || typeof year !== 'number') continue;
      const list = out.get(ref) ?? [];
      if (!list.some((y) => y.year === year)) list.push({ year, stage: e.searchAttributes.get(PRE_FUNDING_STAGE) ?? '' });
      out.set(ref, list.sort((a, b) => a.year - b.year));
    }
    return out;
  }

  /** `GET /conventions/{ref}`. */
  async get(ref: string): Promise<ConventionView> {
    return this.queryConvention(ref);
  }

  /** `GET /conventions/{ref}/timeline`. */
  async timeline(ref: string): Promise<TimelineEntry[]> {
    try {
      return await this.temporal.query(this.conventionHandle(ref), getTimelineQuery);
    } catch (e) {
      throw isNotFound(e) ? this.noConvention(ref) : e;
    }
  }

  recordDeliberation(ref: string, body: DeliberationDto, caller: Caller, key?: string): Promise<DeliberationAnswer> {
    return this.updateConvention(ref, recordDeliberationUpdate, { ...this.meta(caller, key), ...plain(body) }, key);
  }

  recordPublication(ref: string, body: PublicationDto, caller: Caller, key?: string): Promise<ConventionView> {
    return this.updateConvention(ref, recordPublicationUpdate, { ...this.meta(caller, key), ...plain(body) }, key);
  }

  recordTransmission(ref: string, body: TransmissionDto, caller: Caller, key?: string): Promise<ConventionView> {
    return this.updateConvention(ref, recordTransmissionUpdate, { ...this.meta(caller, key), ...plain(body) }, key);
  }

  recordSignature(ref: string, body: SignatureDto, caller: Caller, key?: string): Promise<ConventionView> {
    return this.updateConvention(ref, recordSignatureUpdate, { ...this.meta(caller, key), ...plain(body) }, key);
  }

  /** `GET /conventions/{ref}/years/{year}`: the year's child; before it starts, the pending view from the convention. */
  async getYear(ref: string, year: number): Promise<FundingYearView> {
    try {
      return await this.temporal.query(this.yearHandle(ref, year), getYearStateQuery);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const convention = await this.queryConvention(ref);
    const pending = pendingYearView(convention, year);
    if (!pending) throw this.yearProblem(convention, year);
    return pending;
  }

  /** `GET /conventions/{ref}/years/{year}/timeline`. */
  async yearTimeline(ref: string, year: number): Promise<TimelineEntry[]> {
    try {
      return await this.temporal.query(this.yearHandle(ref, year), getYearTimelineQuery);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const convention = await this.queryConvention(ref);
    if (!convention.years.some((y) => y.year === year)) throw this.yearProblem(convention, year);
    return [];
  }

  recordAuthorisation(ref: string, year: number, body: YearAuthorisationDto, caller: Caller, key?: string): Promise<FundingYearView> {
    return this.updateYear(ref, year, recordAuthorisationUpdate, { ...this.meta(caller, key), ...plain(body) }, key);
  }

  recordRequest(ref: string, year: number, body: SubsidyRequestDto, caller: Caller, key?: string): Promise<FundingYearView> {
    return this.updateYear(ref, year, recordRequestUpdate, { ...this.meta(caller, key), ...plain(body) }, key);
  }

  recordPayment(ref: string, year: number, body: PaymentDto, caller: Caller, key?: string): Promise<FundingYearView> {
    return this.updateYear(ref, year, recordPaymentUpdate, { ...this.meta(caller, key), ...plain(body) }, key);
  }

  recordFinancialReport(ref: string, year: number, body: FinancialReportDto, caller: Caller, key?: string): Promise<FundingYearView> {
    return this.updateYear(ref, year, recordFinancialReportUpdate, { ...this.meta(caller, key), ...plain(body) }, key);
  }

  recordSettlement(ref: string, year: number, body: SettlementDto, caller: Caller, key?: string): Promise<FundingYearView> {
    return this.updateYear(ref, year, recordSettlementUpdate, { ...this.meta(caller, key), ...plain(body) }, key);
  }

  recordRepayment(ref: string, year: number, body: RepaymentDto, caller: Caller, key?: string): Promise<FundingYearView> {
    return this.updateYear(ref, year, recordRepaymentUpdate, { ...this.meta(caller, key), ...plain(body) }, key);
  }

  /** `GET /conventions/{ref}/ledger`: the convention's view and each year's (a query per started year). */
  async ledger(ref: string): Promise<Ledger> {
    const convention = await this.queryConvention(ref);
    const years = await Promise.all(convention.years.map((y) => this.getYear(ref, y.year)));
    return buildLedger(convention, years);
  }

  // -------------------------------------------------------------------------------------------------------

  private conventionHandle(ref: string): WorkflowHandle {
    return this.temporal.handle(conventionWorkflowId(ref));
  }

  private yearHandle(ref: string, year: number): WorkflowHandle {
    return this.temporal.handle(fundingYearWorkflowId(ref, year));
  }

  private noConvention(ref: string): ProblemException {
    return ProblemException.of(404, 'not-found', `No convention with reference ${ref}.`, { failureType: FailureType.NOT_FOUND, reference: ref });
  }

  private async queryConvention(ref: string): Promise<ConventionView> {
    try {
      return await this.temporal.query(this.conventionHandle(ref), getStateQuery);
    } catch (e) {
      throw isNotFound(e) ? this.noConvention(ref) : e;
    }
  }

  /** 404 for a year that is not one of the convention's, 409 saying what is missing for one not started yet. */
  private yearProblem(convention: ConventionView, year: number): ProblemException {
    const p = yearNotStartedProblem(convention, year);
    const missing = p.status === 409 ? missingBeforeEffect(convention) : [];
    const detail = missing.length > 0 ? `${p.detail} Still missing: ${missing.join(', ')}.` : p.detail;
    const slug = p.status === 404 ? 'not-found' : 'invalid-transition';
    return ProblemException.of(p.status, slug, detail, {
      failureType: p.type,
      reference: convention.reference,
      year,
      stage: convention.stage,
      ...(p.status === 409 ? { missing } : {}),
    });
  }

  private async updateConvention<R, I extends UpdateMeta>(ref: string, def: UpdateDefinition<R, [I]>, input: I, key: string | undefined): Promise<R> {
    const handle = this.conventionHandle(ref);
    try {
      return await this.temporal.update(handle, def, input, key);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      const status = await this.temporal.closedStatus(handle);
      if (status === undefined) throw this.noConvention(ref);
      if (status === null) throw e; // running after all: let the filter answer
      throw ProblemException.of(409, 'closed', `Convention ${ref} is ${status === 'COMPLETED' ? 'completed' : status.toLowerCase()} and accepts no further change.`, {
        failureType: FailureType.CLOSED,
        reference: ref,
      });
    }
  }

  private async updateYear<R, I extends UpdateMeta>(ref: string, year: number, def: UpdateDefinition<R, [I]>, input: I, key: string | undefined): Promise<R> {
    const handle = this.yearHandle(ref, year);
    try {
      return await this.temporal.update(handle, def, input, key);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      const status = await this.temporal.closedStatus(handle);
      if (status === null) throw e;
      if (status !== undefined) {
        throw ProblemException.of(409, 'closed', `The ${year} funding year of convention ${ref} is closed and accepts no further change.`, {
          failureType: FailureType.CLOSED,
          reference: ref,
          year,
        });
      }
      throw this.yearProblem(await this.queryConvention(ref), year);
    }
  }
}
