/**
 * The notification records kept in Temporal (issue 18, item 2: nothing shared on disk between processes): one
 * `notificationWorkflow` per notification key (workflows/notifications). The workers' `notify` activity and the API's
 * own notices record through `record`; `GET /notifications`, the family's export and the retention purge read the
 * workflows' visibility records (memo = the record as it stands, `PreNotificationTags` = the filters). Any process
 * with a Temporal client may do either: no file, no shared folder.
 */
import { createHash, randomUUID } from 'node:crypto';
import { isGrpcServiceError, WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import {
  NOTIFICATION_ID_PREFIX,
  NOTIFICATION_MEMO,
  NOTIFICATION_WORKFLOW_TYPE,
  NOTHING_TO_SEND_START_DELAY,
  notificationTag,
  notificationTags,
  pendingCopies,
  type NotificationInput,
} from '../workflows/notifications/notification.contract';
import { PRE_NOTIFICATION_TAGS } from '../workflows/shared/search-attributes';
import { ui } from '../workflows/shared/ui-text';
import { eq, latestRuns, onTaskQueue, visibilityQuery, workflowType } from '../src/temporal/visibility-query';
import type { NotificationDelivery, NotificationRecord, NotificationRequest, NotificationStore } from './notifications.types';

/** The workflow id of a notification key: a hash (the key names workflows and staff; the id must name nothing). */
export function notificationWorkflowId(key: string): string {
  return NOTIFICATION_ID_PREFIX + createHash('sha256').update(key).digest('hex').slice(0, 40);
}

/** Filters and page of `GET /notifications`. */
export interface NotificationQuery {
  /** Only notifications with a copy for this staff id. */
  recipient?: string;
  kind?: string;
  dossierId?: string;
  conventionRef?: string;
  pageSize: number;
  /** Temporal's raw page token of the same query. */
  pageToken?: Uint8Array;
}

export interface NotificationPage {
  items: NotificationRecord[];
  /** Temporal's raw token of the next page (absent on the last). */
  nextPageToken?: Uint8Array;
}

const GRPC_NOT_FOUND = 5;

export class TemporalNotifications implements NotificationStore {
  constructor(
    private readonly client: Client,
    /** The task queue of this deployment: where notification workflows run and what the lists read. */
    private readonly taskQueue: string,
    /** Start-to-close timeout of one SMTP attempt (see NotificationInput). */
    private readonly sendAttemptMs: number,
  ) {}

  private get namespace(): string {
    return this.client.options.namespace;
  }

  /**
   * Records the notification once per key: starts its workflow, or, refused because the key's workflow exists
   * (running or closed: conflict policy FAIL, reuse policy REJECT_DUPLICATE), reads the one already started. Two
   * processes recording the same key at once get the same record; only the one whose start created it is told
   * `created`.
   */
  async record(req: NotificationRequest, deliveries: NotificationDelivery[]): Promise<{ record: NotificationRecord; created: boolean }> {
    const record: NotificationRecord = { ...req, id: randomUUID(), createdAt: new Date().toISOString(), deliveries };
    const workflowId = notificationWorkflowId(req.key);
    const input: NotificationInput = { record, sendAttemptMs: this.sendAttemptMs };
    try {
      await this.client.workflow.start(NOTIFICATION_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: this.taskQueue,
        args: [input],
        memo: { [NOTIFICATION_MEMO]: record },
        typedSearchAttributes: [{ key: PRE_NOTIFICATION_TAGS, value: notificationTags(record) }],
        // a key already recorded (running or closed) is refused, then read: a start that succeeds created the record
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        // nothing to e-mail: no workflow task, no cached workflow (the record is whole in the input and the memo)
        ...(pendingCopies(record).length === 0 ? { startDelay: NOTHING_TO_SEND_START_DELAY } : {}),
        staticSummary: ui(`Notification ${req.kind}${req.dossierId ? ` — dossier ${req.dossierId}` : ''}${req.conventionRef ? ` — convention ${req.conventionRef}` : ''}`),
      });
      // this start created the workflow: its memo is `record` (no read back: one call per new notification)
      return { record, created: true };
    } catch (e) {
      if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
    }
    const current = await this.get(req.key);
    if (!current) throw new Error(`The notification workflow of ${req.kind} has no record.`);
    return { record: current, created: current.id === record.id };
  }

  /** The record of a key as it stands (its workflow's memo), or undefined. */
  async get(key: string): Promise<NotificationRecord | undefined> {
    try {
      const d = await this.client.workflow.getHandle(notificationWorkflowId(key)).describe();
      return d.memo?.[NOTIFICATION_MEMO] as NotificationRecord | undefined;
    } catch (e) {
      if (isGrpcServiceError(e) && e.code === GRPC_NOT_FOUND) return undefined;
      if ((e as Error).name === 'WorkflowNotFoundError') return undefined;
      throw e;
    }
  }

  private queryOf(q: Omit<NotificationQuery, 'pageSize' | 'pageToken'>): string {
    return visibilityQuery(
      workflowType(NOTIFICATION_WORKFLOW_TYPE),
      onTaskQueue(this.taskQueue),
      latestRuns(),
      q.kind !== undefined && eq(PRE_NOTIFICATION_TAGS.name, notificationTag.kind(q.kind)),
      q.dossierId !== undefined && eq(PRE_NOTIFICATION_TAGS.name, notificationTag.dossier(q.dossierId)),
      q.conventionRef !== undefined && eq(PRE_NOTIFICATION_TAGS.name, notificationTag.convention(q.conventionRef)),
      q.recipient !== undefined && eq(PRE_NOTIFICATION_TAGS.name, notificationTag.recipient(q.recipient)),
    );
  }

  /**
   * Newest first (the SQL stores list running workflows by start time, newest first), filtered, one page. A full
   * page's token is kept only when another record follows (the SQL stores hand a token with every full page): the
   * last page has none, as every list of the API.
   */
  async query(q: NotificationQuery): Promise<NotificationPage> {
    const query = this.queryOf(q);
    const res = await this.client.workflowService.listWorkflowExecutions({ namespace: this.namespace, query, pageSize: q.pageSize, nextPageToken: q.pageToken });
    const items: NotificationRecord[] = [];
    for (const e of res.executions ?? []) {
      const memo = e.memo?.fields?.[NOTIFICATION_MEMO];
      if (memo) items.push(await this.decode(memo));
    }
    let next = res.nextPageToken && res.nextPageToken.length > 0 ? res.nextPageToken : undefined;
    if (next) {
      const peek = await this.client.workflowService.listWorkflowExecutions({ namespace: this.namespace, query, pageSize: 1, nextPageToken: next });
      if ((peek.executions ?? []).length === 0) next = undefined;
    }
    return { items, ...(next ? { nextPageToken: next } : {}) };
  }

  /** Every record of a case, oldest first. */
  async ofDossier(dossierId: string): Promise<NotificationRecord[]> {
    const out: NotificationRecord[] = [];
    let pageToken: Uint8Array | undefined;
    do {
      const page = await this.query({ dossierId, pageSize: 500, pageToken });
      out.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    return out.reverse();
  }

  /**
   * Deletes every notification record of a purged case (running or not: DeleteWorkflowExecution terminates a running
   * one first). Idempotent: a record already gone counts as deleted. Returns how many were deleted.
   */
  async deleteOfDossier(dossierId: string): Promise<number> {
    const ids = new Set<string>();
    for await (const info of this.client.workflow.list({ query: this.queryOf({ dossierId }), pageSize: 500 })) ids.add(info.workflowId);
    for (const workflowId of ids) {
      try {
        await this.client.workflowService.deleteWorkflowExecution({ namespace: this.namespace, workflowExecution: { workflowId } });
      } catch (e) {
        if (!(isGrpcServiceError(e) && e.code === GRPC_NOT_FOUND)) throw e;
      }
    }
    return ids.size;
  }

  private async decode(payload: Payload): Promise<NotificationRecord> {
    const { payloadCodecs, payloadConverter } = this.client.options.loadedDataConverter;
    let decoded = [payload];
    for (const codec of [...payloadCodecs].reverse()) decoded = await codec.decode(decoded);
    return payloadConverter.fromPayload<NotificationRecord>(decoded[0]!);
  }
}
