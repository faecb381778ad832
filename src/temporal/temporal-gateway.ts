import { Injectable } from '@nestjs/common';
import { isGrpcServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import {
  ApplicationFailure,
  TypedSearchAttributes,
  type Payload,
  type QueryDefinition,
  type UpdateDefinition,
} from '@temporalio/common';
import { google, temporal } from '@temporalio/proto';
import { FailureType } from '../../workflows/shared/failures';
import { PRE_NEXT_DEADLINE, PRE_NEXT_DEADLINE_KIND } from '../../workflows/shared/search-attributes';
import type { UpdateMeta } from '../../workflows/shared/messages';
import { keyedUpdate } from '../common/idempotency-key';
import { PageTokens } from '../common/page-token';
import { AppConfig } from '../config/env';
import { TemporalService } from './temporal.service';
import { searchAttributesOf } from './search-attribute-payloads';

export { searchAttributesOf };

const GRPC_NOT_FOUND = 5;
const STATUS = temporal.api.enums.v1.WorkflowExecutionStatus;

/** One execution of a visibility listing: ids, type, status and the search attributes, decoded. */
export interface ListedExecution {
  workflowId: string;
  runId: string;
  type: string;
  /** RUNNING, COMPLETED, … */
  status: string;
  /** ISO datetime of the run's start ('' when unknown). */
  startedAt: string;
  searchAttributes: TypedSearchAttributes;
}

/** A page of a listing, with the signed token of the next one (null on the last page). */
export interface ListedPage {
  executions: ListedExecution[];
  nextPageToken: string | null;
}

/** A Datetime attribute as the business date it holds (midnight UTC of that day), or null. */
export function attributeDate(d: unknown): string | null {
  return d instanceof Date ? d.toISOString().slice(0, 10) : null;
}

/** The next deadline of a case, convention or year, from its search attributes (PreNextDeadline, PreNextDeadlineKind). */
export function nextDeadlineOf(sa: TypedSearchAttributes): { kind: string; dueOn: string } | null {
  const dueOn = attributeDate(sa.get(PRE_NEXT_DEADLINE));
  const kind = sa.get(PRE_NEXT_DEADLINE_KIND);
  return dueOn && kind ? { kind, dueOn } : null;
}

function timestampIso(t: google.protobuf.ITimestamp | null | undefined): string {
  return t?.seconds != null ? new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString() : '';
}

function statusName(code: number | null | undefined): string {
  const name = code == null ? undefined : STATUS[code];
  return name ? name.replace('WORKFLOW_EXECUTION_STATUS_', '') : 'UNSPECIFIED';
}

/** A raw visibility record as a listed execution. */
export function listedExecution(e: temporal.api.workflow.v1.IWorkflowExecutionInfo): ListedExecution {
  return {
    workflowId: e.execution?.workflowId ?? '',
    runId: e.execution?.runId ?? '',
    type: e.type?.name ?? '',
    status: statusName(e.status),
    startedAt: timestampIso(e.startTime),
    searchAttributes: searchAttributesOf(e.searchAttributes?.indexedFields as Record<string, Payload> | undefined),
  };
}

/** Is this the answer of a workflow that does not exist (unknown id, or deleted)? */
export function isNotFound(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND);
}

/** Is this the "workflow is gone or completed" answer to an update or query? */
export function isNotRunning(err: unknown): boolean {
  if (isNotFound(err)) return true;
  if (err instanceof WorkflowUpdateFailedError && !(err.cause instanceof ApplicationFailure)) return /completed|closed|not found/i.test(err.cause?.message ?? err.message);
  return /workflow execution already completed/i.test((err as Error)?.message ?? '');
}

const DOMAIN_FAILURE_TYPES = new Set<string>(Object.values(FailureType));

/** A refusal by the workflow's rules (an ApplicationFailure of the project's types), not a failure to reach it. */
export function isDomainRefusal(err: unknown): boolean {
  return err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && DOMAIN_FAILURE_TYPES.has(err.cause.type ?? '');
}

/**
 * The one way from the API's services to Temporal: every update, query and listing goes through here, with the
 * configured deadline (UPDATE_TIMEOUT_SECONDS: an expired one answers 504, whatever the feature), listings read
 * through the SDK's public API and paged with the one signed page token. Failures are answered by the one mapping
 * of src/temporal/failure-problem.ts (through the global problem filter).
 */
@Injectable()
export class TemporalGateway {
  private readonly pages: PageTokens;

  constructor(
    readonly temporal: TemporalService,
    private readonly config: AppConfig,
  ) {
    this.pages = new PageTokens(config.childKeySecret);
  }

  get client() {
    return this.temporal.client;
  }

  get taskQueue(): string {
    return this.temporal.taskQueue;
  }

  handle(workflowId: string): WorkflowHandle {
    return this.client.workflow.getHandle(workflowId);
  }

  /** Runs `fn` with the configured deadline for Temporal calls (an expired one answers 504). */
  withDeadline<T>(fn: () => Promise<T>, seconds = this.config.UPDATE_TIMEOUT_SECONDS): Promise<T> {
    return this.temporal.connection.withDeadline(Date.now() + seconds * 1000, fn);
  }

  /**
   * Sends one update and answers its result. With an Idempotency-Key, the request's fingerprint (the update's name and
   * the input without its UpdateMeta) is stamped on the input as `requestFingerprint`, and the key with the
   * fingerprint is the update id: the same request replays, the same key with another request reaches the
   * workflow's validator, which refuses it (422 `idempotency-key-reused`).
   */
  update<R, I extends object>(handle: WorkflowHandle, def: UpdateDefinition<R, [I]>, input: I, key?: string): Promise<R> {
    const { actor: _actor, at: _at, idempotencyKey: _key, requestFingerprint: _fp, access: _access, ...body } = input as I & Partial<UpdateMeta>;
    return this.withDeadline(() => handle.executeUpdate(def, keyedUpdate(def.name, input, key, body)));
  }

  /** Asks one query (with its arguments, if any). */
  query<R, A extends unknown[] = []>(handle: WorkflowHandle, def: QueryDefinition<R, A>, ...args: A): Promise<R> {
    return this.withDeadline(() => handle.query(def, ...args));
  }

  /** The search attributes of a running workflow (answered by the server alone), or undefined when it is not running or unknown. */
  async runningAttributes(handle: WorkflowHandle): Promise<TypedSearchAttributes | undefined> {
    try {
      const d = await this.withDeadline(() => handle.describe());
      return d.status.name === 'RUNNING' ? d.typedSearchAttributes : undefined;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** Whether a workflow has finished (its status name: COMPLETED, FAILED, …), is running (null), or does not exist (undefined). */
  async closedStatus(handle: WorkflowHandle): Promise<string | null | undefined> {
    try {
      const d = await this.withDeadline(() => handle.describe());
      return d.status.name === 'RUNNING' ? null : d.status.name;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /**
   * One page of a listing. `pageToken` is a token this method issued for the same query (else 400 before the store
   * is asked); the answer's token is signed for the same query.
   */
  async listPage(query: string, pageSize: number, pageToken?: string): Promise<ListedPage> {
    const raw = pageToken ? this.pages.open(pageToken, query) : undefined;
    const res = await this.withDeadline(() =>
      this.temporal.connection.workflowService.listWorkflowExecutions({ namespace: this.temporal.namespace, query, pageSize, nextPageToken: raw }),
    );
    const next = res.nextPageToken && res.nextPageToken.length > 0 ? this.pages.seal(res.nextPageToken, query) : null;
    return { executions: (res.executions ?? []).map(listedExecution), nextPageToken: next };
  }

  /** Every execution of a listing, at most `max`, page after page. */
  async listAll(query: string, max: number, pageSize = 200): Promise<ListedExecution[]> {
    const out: ListedExecution[] = [];
    let token: string | undefined;
    do {
      const page = await this.listPage(query, pageSize, token);
      out.push(...page.executions);
      token = page.nextPageToken ?? undefined;
    } while (token && out.length < max);
    return out.slice(0, max);
  }

  /** How many executions match. */
  async count(query: string, seconds?: number): Promise<number> {
    const res = await this.withDeadline(() => this.temporal.connection.workflowService.countWorkflowExecutions({ namespace: this.temporal.namespace, query }), seconds);
    return Number(res.count ?? 0);
  }
}
