import { Injectable } from '@nestjs/common';
import { isGrpcServiceError, WithStartWorkflowOperation, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';
import {
  CONVENTION_WORKFLOW_TYPE,
  conventionWorkflowId,
  createConventionUpdate,
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
import { ProblemException } from '../common/problem';
import { conventionSettingsFrom } from '../config/convention.env';
import { AppConfig } from '../config/env';
import { TemporalService } from '../temporal/temporal.service';
import type { YearAuthorisationDto } from './dto/authorisation.dto';
import type { CreateConventionDto } from './dto/create-convention.dto';
import type { DeliberationDto } from './dto/deliberation.dto';
import type { PublicationDto, SignatureDto, TransmissionDto } from './dto/legality.dto';
import type { ListConventionsQuery } from './dto/params.dto';
import type { FinancialReportDto, PaymentDto, SubsidyRequestDto } from './dto/year.dto';
import { ui } from '../../workflows/shared/ui-text';
import { mapLimit, plain } from '../common/async';
import { yearNotStartedProblem } from './year-problem';

const DEFAULT_PAGE_SIZE = 50;
/** Views are read one query each: a page of conventions is read this many at a time. */
const QUERY_CONCURRENCY = 8;
/** gRPC codes a visibility store answers for a page token it cannot read (SQLite: UNKNOWN, others: INVALID_ARGUMENT). */
const BAD_TOKEN_CODES = new Set([2, 3]);

/** A page of `GET /conventions`. */
export interface ConventionPage {
  items: ConventionView[];
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
    private readonly temporal: TemporalService,
    private readonly config: AppConfig,
  ) {}

  private get client() {
    return this.temporal.client;
  }

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
      return await this.client.workflow.executeUpdateWithStart(createConventionUpdate, {
        args: [meta],
        ...(key ? { updateId: key } : {}),
        startWorkflowOperation: start,
      });
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

  /** `GET /conventions`: conventions of this deployment (its task queue) from visibility, each read by query. */
  async list(query: ListConventionsQuery): Promise<ConventionPage> {
    const clauses = [`WorkflowType = '${CONVENTION_WORKFLOW_TYPE}'`, `TaskQueue = '${this.temporal.taskQueue}'`, `ExecutionStatus != 'ContinuedAsNew'`];
    if (query.stage) clauses.push(`PreFundingStage = '${query.stage}'`);
    let res;
    try {
      res = await this.client.workflowService.listWorkflowExecutions({
        namespace: this.temporal.namespace,
        query: clauses.join(' AND '), // no ORDER BY: the SQL visibility store does not support it; newest first is its default
        pageSize: query.pageSize ?? DEFAULT_PAGE_SIZE,
        nextPageToken: query.pageToken ? Buffer.from(query.pageToken, 'base64url') : undefined,
      });
    } catch (e) {
      if (query.pageToken && isGrpcServiceError(e) && BAD_TOKEN_CODES.has(e.code)) {
        throw ProblemException.of(400, 'validation', 'The pageToken is not valid: pass the nextPageToken of the previous page.', {
          errors: [{ field: 'pageToken', message: 'pageToken is not a token this API issued' }],
        });
      }
      throw e;
    }
    const ids = (res.executions ?? []).map((x) => x.execution?.workflowId).filter((id): id is string => !!id);
    const views = await mapLimit([...new Set(ids)], QUERY_CONCURRENCY, async (id) => {
      try {
        return await this.client.workflow.getHandle(id).query(getStateQuery);
      } catch (e) {
        if (e instanceof WorkflowNotFoundError) return null; // deleted between the list and the query
        throw e;
      }
    });
    const token = res.nextPageToken && res.nextPageToken.length > 0 ? Buffer.from(res.nextPageToken).toString('base64url') : null;
    return { items: views.filter((v): v is ConventionView => v !== null), nextPageToken: token };
  }

  /** `GET /conventions/{ref}`. */
  async get(ref: string): Promise<ConventionView> {
    return this.queryConvention(ref);
  }

  /** `GET /conventions/{ref}/timeline`. */
  async timeline(ref: string): Promise<TimelineEntry[]> {
    try {
      return await this.conventionHandle(ref).query(getTimelineQuery);
    } catch (e) {
      throw e instanceof WorkflowNotFoundError ? this.noConvention(ref) : e;
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
      return await this.yearHandle(ref, year).query(getYearStateQuery);
    } catch (e) {
      if (!(e instanceof WorkflowNotFoundError)) throw e;
    }
    const convention = await this.queryConvention(ref);
    const pending = pendingYearView(convention, year);
    if (!pending) throw this.yearProblem(convention, year);
    return pending;
  }

  /** `GET /conventions/{ref}/years/{year}/timeline`. */
  async yearTimeline(ref: string, year: number): Promise<TimelineEntry[]> {
    try {
      return await this.yearHandle(ref, year).query(getYearTimelineQuery);
    } catch (e) {
      if (!(e instanceof WorkflowNotFoundError)) throw e;
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

  // -------------------------------------------------------------------------------------------------------

  private conventionHandle(ref: string): WorkflowHandle {
    return this.client.workflow.getHandle(conventionWorkflowId(ref));
  }

  private yearHandle(ref: string, year: number): WorkflowHandle {
    return this.client.workflow.getHandle(fundingYearWorkflowId(ref, year));
  }

  private noConvention(ref: string): ProblemException {
    return ProblemException.of(404, 'not-found', `No convention with reference ${ref}.`, { failureType: FailureType.NOT_FOUND, reference: ref });
  }

  private async queryConvention(ref: string): Promise<ConventionView> {
    try {
      return await this.conventionHandle(ref).query(getStateQuery);
    } catch (e) {
      throw e instanceof WorkflowNotFoundError ? this.noConvention(ref) : e;
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

  /** Whether a workflow exists and has finished (completed, failed, terminated…), or undefined when it does not exist. */
  private async closedStatus(handle: WorkflowHandle): Promise<string | null | undefined> {
    try {
      const d = await handle.describe();
      return d.status.name === 'RUNNING' ? null : d.status.name;
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) return undefined;
      throw e;
    }
  }

  private async updateConvention<R, I extends UpdateMeta>(ref: string, def: UpdateDefinition<R, [I]>, input: I, key: string | undefined): Promise<R> {
    const handle = this.conventionHandle(ref);
    try {
      return await handle.executeUpdate(def, { args: [input], ...(key ? { updateId: key } : {}) });
    } catch (e) {
      if (!(e instanceof WorkflowNotFoundError)) throw e;
      const status = await this.closedStatus(handle);
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
      return await handle.executeUpdate(def, { args: [input], ...(key ? { updateId: key } : {}) });
    } catch (e) {
      if (!(e instanceof WorkflowNotFoundError)) throw e;
      const status = await this.closedStatus(handle);
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
