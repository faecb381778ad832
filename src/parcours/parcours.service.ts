import { createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, isGrpcServiceError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type UpdateDefinition } from '@temporalio/common';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { temporal } from '@temporalio/proto';
import { primaryRole, type Caller } from '../auth/roles';
import { ProblemException } from '../common/problem';
import { AppConfig } from '../config/env';
import { parcoursSettingsFrom } from '../config/parcours.env';
import { TemporalService } from '../temporal/temporal.service';
import {
  createReferralUpdate,
  dossierIdOf,
  getStateQuery,
  getTimelineQuery,
  isPurgedView,
  PARCOURS_WORKFLOW_TYPE,
  workflowIdFor,
  type Actor,
  type ParcoursInput,
  type ParcoursView,
  type PurgedCaseRecord,
  type PurgedCaseView,
  type ReferralInput,
  type TimelineEntry,
  type UpdateMeta,
} from '../../workflows/parcours/parcours.contract';
import type { parcoursWorkflow } from '../../workflows/parcours/parcours.workflow';
import { FailureType } from '../../workflows/shared/failures';
import { QPV_LABELS, ageBandLabel } from '../../workflows/parcours/parcours.labels';
import { ageBandForReferral, initialSearchAttributes, staticSummaryFor } from '../../workflows/parcours/parcours.view';
import {
  PRE_AGE_BAND,
  PRE_CLOSURE_REASON,
  PRE_NEXT_DEADLINE,
  PRE_NEXT_DEADLINE_KIND,
  PRE_OVERDUE,
  PRE_QPV,
  PRE_REFERRED_ON,
  PRE_REFERENT_ID,
  PRE_STAGE,
} from '../../workflows/shared/search-attributes';
import { childKeyOf } from './child-key';
import { dossierIdForKey, newDossierId } from './dossier-id';
import type { ListParcoursQuery } from './dto/params.dto';
import type { ReferralDto } from './dto/referral.dto';
import type { ParcoursListItemDto } from './dto/views.dto';
import { ui } from '../../workflows/shared/ui-text';
import { plain } from '../common/async';

/** The workflow type every parcours list and check is restricted to. */
const DEFAULT_PAGE_SIZE = 50;
const GRPC_NOT_FOUND = 5;
const STATUS = temporal.api.enums.v1.WorkflowExecutionStatus;

function isoDate(d: unknown): string | null {
  return d instanceof Date ? d.toISOString().slice(0, 10) : null;
}

function statusName(code: number | null | undefined): string {
  const name = code == null ? undefined : STATUS[code];
  return name ? name.replace('WORKFLOW_EXECUTION_STATUS_', '') : 'UNSPECIFIED';
}

/** Is this the "workflow is gone or completed" answer to an update or query? */
function isNotRunning(err: unknown): boolean {
  if (err instanceof WorkflowNotFoundError) return true;
  if (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND) return true;
  if (err instanceof WorkflowUpdateFailedError && !(err.cause instanceof ApplicationFailure)) return /completed|closed|not found/i.test(err.cause?.message ?? err.message);
  return /workflow execution already completed/i.test((err as Error)?.message ?? '');
}

/** A refusal by the case's rules (an ApplicationFailure of the project's types), not a failure to reach it. */
function isDomainRefusal(err: WorkflowUpdateFailedError): boolean {
  return err.cause instanceof ApplicationFailure && DOMAIN_FAILURE_TYPES.has(err.cause.type ?? '');
}
const DOMAIN_FAILURE_TYPES = new Set<string>(Object.values(FailureType));

/** Roles that read every case (a référent reads only the cases assigned to them). */
function readsEveryCase(caller: Caller): boolean {
  return caller.roles.includes('coordinator') || caller.roles.includes('supervisor');
}

/** Roles that change every case. */
function changesEveryCase(caller: Caller): boolean {
  return caller.roles.includes('coordinator');
}

/**
 * The parcours API over Temporal: starts a case with update-with-start, sends every staff action as a workflow
 * update (its answer is the case as it now stands), reads cases through queries and lists them through search
 * attributes. Access rules (API.md): a référent reads and changes only the cases assigned to them.
 */
@Injectable()
export class ParcoursService {
  private readonly logger = new Logger(ParcoursService.name);
  /** Referrals in flight per child key: two referrals for one child never race past the duplicate check here. */
  private readonly referralsInFlight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly temporal: TemporalService,
    private readonly config: AppConfig,
  ) {}

  private get client() {
    return this.temporal.client;
  }

  private handle(dossierId: string): WorkflowHandle {
    return this.client.workflow.getHandle(workflowIdFor(dossierId));
  }

  /** Runs `fn` with the configured deadline for Temporal calls (an expired one answers 504). */
  private withDeadline<T>(fn: () => Promise<T>): Promise<T> {
    return this.temporal.connection.withDeadline(Date.now() + this.config.UPDATE_TIMEOUT_SECONDS * 1000, fn);
  }

  private actor(caller: Caller): Actor {
    return { sub: caller.sub, role: primaryRole(caller) };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Referral
  // ---------------------------------------------------------------------------------------------------------

  /**
   * `POST /parcours`: refuses a second open case for the same child (409 naming it), then starts the case and
   * sends `createReferral` in one call, so the answer is the validated first state, eligibility included.
   * With an Idempotency-Key the dossierId is derived from (caller, key) and the start attaches to the existing
   * workflow: a retry never opens a second case and replays the first answer.
   */
  async refer(body: ReferralDto, caller: Caller, key?: string): Promise<ParcoursView> {
    if (body.derogation && !changesEveryCase(caller)) {
      throw ProblemException.of(403, 'forbidden-role', 'An eligibility derogation is decided by a coordinator.');
    }
    const referral = plain(body) as ReferralInput;
    const childKey = childKeyOf(this.config.childKeySecret, referral.child);
    const dossierId = key ? dossierIdForKey(this.config.childKeySecret, caller.sub, key) : newDossierId();
    return this.oneAtATime(childKey, async () => {
      const existing = await this.openCaseOf(childKey);
      if (existing && existing !== dossierId) {
        throw ProblemException.of(409, 'duplicate', `An open case already exists for this child: ${existing}. Add to that case instead of referring the child again.`, {
          failureType: 'Duplicate',
          dossierId: existing,
        });
      }
      const actor = this.actor(caller);
      const at = new Date().toISOString();
      const input: ParcoursInput = {
        dossierId,
        referral,
        childKey,
        settings: parcoursSettingsFrom(this.config),
        createdBy: actor,
        createdAt: at,
        // a référent who refers a child follows the case until a coordinator assigns someone else
        ...(actor.role === 'referent' ? { referentId: caller.sub } : {}),
      };
      const start = new WithStartWorkflowOperation<typeof parcoursWorkflow>(PARCOURS_WORKFLOW_TYPE, {
        workflowId: workflowIdFor(dossierId),
        taskQueue: this.temporal.taskQueue,
        args: [input],
        typedSearchAttributes: initialSearchAttributes(input),
        // written without personal data, readable in the Temporal UI without the codec (ui)
        staticSummary: ui(staticSummaryFor(referral)),
        staticDetails: ui(this.staticDetails(dossierId, referral, actor)),
        // With a key, a retry attaches to the case its first attempt started; a closed one is never restarted.
        workflowIdConflictPolicy: key ? 'USE_EXISTING' : 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
      let view: ParcoursView;
      try {
        view = await this.withDeadline(() =>
          this.client.workflow.executeUpdateWithStart(createReferralUpdate, {
            args: [{ actor, at, ...(key ? { idempotencyKey: key } : {}) }],
            ...(key ? { updateId: key } : {}),
            startWorkflowOperation: start,
          }),
        );
      } catch (err) {
        // The retried referral's case is already closed (e.g. ineligible): it cannot change, its state is the answer.
        if (key && err instanceof WorkflowExecutionAlreadyStartedError) return this.readable(dossierId, caller);
        throw err;
      }
      await this.untilVisible(dossierId);
      return view;
    });
  }

  /** Static details for the Temporal UI: who referred, when, which rule; nothing that identifies the child. */
  private staticDetails(dossierId: string, referral: ReferralInput, actor: Actor): string {
    const qpv = QPV_LABELS[referral.child.qpv] ?? referral.child.qpv;
    return [
      `**Dossier** : ${dossierId}`,
      `**Orientation** du ${referral.referredOn} · orienteur : ${referral.orienteur.type}`,
      `**QPV** : ${qpv} · **Tranche d'âge** : ${ageBandLabel(ageBandForReferral(referral))}`,
      `**Créé par** : ${actor.sub} (${actor.role})`,
      `**Règle d'éligibilité** : ${this.config.PRE_ELIGIBILITY_RULE_VERSION}`,
    ].join('\n\n');
  }

  /** Serialises work per key within this process (a chain of promises, dropped when idle). */
  private async oneAtATime<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.referralsInFlight.get(key) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.referralsInFlight.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.referralsInFlight.get(key) === settled) this.referralsInFlight.delete(key);
    }
  }

  /** The dossierId of an open case of the same child, through visibility (PreChildKey), or null. */
  private async openCaseOf(childKey: string): Promise<string | null> {
    const query = `WorkflowType = '${PARCOURS_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND PreChildKey = '${childKey}' AND PreStage != 'CLOSED'`;
    const res = await this.withDeadline(() =>
      this.temporal.connection.workflowService.listWorkflowExecutions({ namespace: this.temporal.namespace, query, pageSize: 5 }),
    );
    for (const e of res.executions ?? []) {
      const id = dossierIdOf(e.execution?.workflowId ?? '');
      if (id) return id;
    }
    return null;
  }

  /**
   * Waits (briefly) until visibility lists the new case, so that the duplicate check of the next referral for the
   * same child sees it. Visibility is eventually consistent; on the server this is typically immediate.
   */
  private async untilVisible(dossierId: string): Promise<void> {
    const query = `WorkflowId = '${workflowIdFor(dossierId)}'`;
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      try {
        const res = await this.temporal.connection.workflowService.countWorkflowExecutions({ namespace: this.temporal.namespace, query });
        if (Number(res.count ?? 0) > 0) return;
      } catch (e) {
        this.logger.warn({ msg: 'visibility check failed', dossierId, reason: (e as Error).message });
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    this.logger.warn({ msg: 'new case not yet visible after 3 s', dossierId });
  }

  // ---------------------------------------------------------------------------------------------------------
  // Reads
  // ---------------------------------------------------------------------------------------------------------

  /**
   * The case as it stands (`getState`, also on a closed case); 404 for an unknown dossier, 410 for a case whose
   * personal data were purged at the end of its retention (DOMAIN.md §5).
   */
  private async state(dossierId: string): Promise<ParcoursView> {
    let view: ParcoursView | PurgedCaseView;
    try {
      view = await this.withDeadline(() => this.handle(dossierId).query(getStateQuery));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND)) throw this.notFound(dossierId);
      throw err;
    }
    if (isPurgedView(view)) throw this.gone(view.purged);
    return view;
  }

  private gone(p: PurgedCaseRecord): ProblemException {
    return ProblemException.of(
      410,
      'purged',
      `Case ${p.dossierId} was closed on ${p.closedOn} and its personal data were purged on ${p.purgedAt.slice(0, 10)}, ${p.retentionMonths} months after the last contact (${p.lastContactOn}): only anonymised figures remain.`,
      { dossierId: p.dossierId, closedOn: p.closedOn, closureReason: p.closureReason, lastContactOn: p.lastContactOn, purgedOn: p.purgedAt.slice(0, 10) },
    );
  }

  private notFound(dossierId: string): ProblemException {
    return ProblemException.of(404, 'not-found', `No case ${dossierId}.`, { dossierId });
  }

  private assertAssigned(view: ParcoursView, caller: Caller, allowed: (c: Caller) => boolean): void {
    if (allowed(caller)) return;
    if (caller.roles.includes('referent') && view.referentId === caller.sub) return;
    throw ProblemException.of(403, 'not-assigned', `Case ${view.dossierId} is followed by another référent: only its référent or a coordinator may access it.`, {
      dossierId: view.dossierId,
    });
  }

  /** The case, if the caller may read it. */
  async readable(dossierId: string, caller: Caller): Promise<ParcoursView> {
    const view = await this.state(dossierId);
    this.assertAssigned(view, caller, readsEveryCase);
    return view;
  }

  /** Every recorded change with actor and time, oldest first. */
  async timeline(dossierId: string, caller: Caller): Promise<{ dossierId: string; items: TimelineEntry[] }> {
    await this.readable(dossierId, caller);
    const items = await this.withDeadline(() => this.handle(dossierId).query(getTimelineQuery));
    return { dossierId, items };
  }

  /**
   * `GET /parcours`: a page of cases from their search attributes (no personal data, no worker involved). The
   * cases are those of this deployment's task queue; a référent's list holds only their own cases.
   */
  async list(q: ListParcoursQuery, caller: Caller): Promise<{ items: ParcoursListItemDto[]; nextPageToken: string | null }> {
    let referentId = q.referentId;
    if (!readsEveryCase(caller)) {
      if (referentId && referentId !== caller.sub) {
        throw ProblemException.of(403, 'not-assigned', "A référent lists only their own cases: leave referentId out or use your own id.");
      }
      referentId = caller.sub;
    }
    const where = [
      `WorkflowType = '${PARCOURS_WORKFLOW_TYPE}'`,
      `TaskQueue = '${this.temporal.taskQueue}'`,
      // the earlier runs of a case that continued-as-new are the same case
      `ExecutionStatus != 'ContinuedAsNew'`,
      // a purged case is gone (410): it has nothing left to list
      `(PreRetention IS NULL OR PreRetention = 'HELD')`,
    ];
    // every value below passed the DTO's closed lists or staff-id pattern: no quote can reach the query
    if (q.stage) where.push(`PreStage = '${q.stage}'`);
    if (q.qpv) where.push(`PreQpv = '${q.qpv}'`);
    if (referentId) where.push(`PreReferentId = '${referentId}'`);
    if (q.overdue) where.push(`PreOverdue = ${q.overdue === 'true'}`);
    if (q.closureReason) where.push(`PreClosureReason = '${q.closureReason}'`);
    const query = where.join(' AND ');
    const res = await this.withDeadline(() =>
      this.temporal.connection.workflowService.listWorkflowExecutions({
        namespace: this.temporal.namespace,
        query,
        pageSize: q.pageSize ?? DEFAULT_PAGE_SIZE,
        nextPageToken: q.pageToken ? this.openPageToken(q.pageToken, query) : undefined,
      }),
    );
    const items = (res.executions ?? []).map((e) => this.listItem(e));
    const token = res.nextPageToken && res.nextPageToken.length > 0 ? this.sealPageToken(Buffer.from(res.nextPageToken), query) : null;
    return { items, nextPageToken: token };
  }

  /**
   * The page token given to clients: Temporal's raw token and a MAC binding it to the list's query. A forged,
   * damaged or other list's token is a 400 here rather than an opaque server error after retries.
   */
  private sealPageToken(raw: Buffer, query: string): string {
    return `${raw.toString('base64url')}.${this.pageTokenMac(raw, query)}`;
  }

  private openPageToken(token: string, query: string): Buffer {
    const [body, mac] = token.split('.');
    const raw = Buffer.from(body ?? '', 'base64url');
    const expected = this.pageTokenMac(raw, query);
    if (!mac || mac.length !== expected.length || !timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) {
      throw ProblemException.of(400, 'validation', 'The pageToken is not a nextPageToken of this list.', {
        errors: [{ field: 'pageToken', message: 'pageToken must be the nextPageToken of a previous page of the same list (same filters)' }],
      });
    }
    return raw;
  }

  private pageTokenMac(raw: Buffer, query: string): string {
    return createHmac('sha256', this.config.childKeySecret).update('page-token\u0000').update(query).update('\u0000').update(raw).digest('base64url').slice(0, 22);
  }

  private listItem(e: temporal.api.workflow.v1.IWorkflowExecutionInfo): ParcoursListItemDto {
    const sa = decodeTypedSearchAttributes(e.searchAttributes?.indexedFields);
    const dueOn = isoDate(sa.get(PRE_NEXT_DEADLINE));
    const kind = sa.get(PRE_NEXT_DEADLINE_KIND);
    const started = e.startTime?.seconds != null ? new Date(Number(e.startTime.seconds) * 1000 + Math.floor((e.startTime.nanos ?? 0) / 1e6)).toISOString() : '';
    return {
      dossierId: dossierIdOf(e.execution?.workflowId ?? '') ?? '',
      stage: sa.get(PRE_STAGE) ?? 'REFERRED',
      qpv: sa.get(PRE_QPV) ?? '',
      ageBand: sa.get(PRE_AGE_BAND) ?? '',
      referentId: sa.get(PRE_REFERENT_ID) ?? null,
      referredOn: isoDate(sa.get(PRE_REFERRED_ON)),
      nextDeadline: dueOn && kind ? { kind, dueOn } : null,
      overdue: sa.get(PRE_OVERDUE) ?? false,
      closureReason: sa.get(PRE_CLOSURE_REASON) ?? null,
      workflowStatus: statusName(e.status),
      startedAt: started,
    };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Changes
  // ---------------------------------------------------------------------------------------------------------

  /**
   * Sends one staff action as a workflow update and answers the case as it now stands. Before sending: 404 for an
   * unknown dossier, 403 for a référent on a case not assigned to them, 409 for a closed case (its workflow has
   * completed and takes no update) — unless the request is the retry of one already applied (same
   * Idempotency-Key in the timeline), which replays the case as it stands.
   */
  async change<I extends UpdateMeta>(
    dossierId: string,
    caller: Caller,
    update: UpdateDefinition<ParcoursView, [I]>,
    fields: Omit<I, keyof UpdateMeta>,
    key?: string,
  ): Promise<ParcoursView> {
    const before = await this.state(dossierId);
    this.assertAssigned(before, caller, changesEveryCase);
    if (before.stage === 'CLOSED') return this.closedAnswer(dossierId, before, key);
    const input = { ...plain(fields), actor: this.actor(caller), at: new Date().toISOString(), ...(key ? { idempotencyKey: key } : {}) } as I;
    const send = () => this.withDeadline(() => this.handle(dossierId).executeUpdate(update, { args: [input], ...(key ? { updateId: key } : {}) }));
    try {
      return await send();
    } catch (err) {
      if (!isNotRunning(err)) {
        // purged between the read and the update (the tombstone has no update handler): 410 rather than an opaque error
        if (err instanceof WorkflowUpdateFailedError && !isDomainRefusal(err)) await this.state(dossierId);
        throw err;
      }
      // the case closed (and its workflow completed) between the read and the update …
      const now = await this.state(dossierId);
      if (now.stage === 'CLOSED') return this.closedAnswer(dossierId, now, key);
      // … or the run ended while continuing-as-new: the update was not accepted, send it once more to the new run
      return send();
    }
  }

  /** A closed case: the replay of a request it already applied, else 409 naming the closure. */
  private async closedAnswer(dossierId: string, view: ParcoursView, key?: string): Promise<ParcoursView> {
    if (key) {
      const timeline = await this.withDeadline(() => this.handle(dossierId).query(getTimelineQuery));
      if (timeline.some((e) => e.idempotencyKey === key)) return view;
    }
    const c = view.closure;
    const detail = c
      ? `The case is closed (${c.reason} on ${c.closedOn}) and accepts no change.`
      : 'The case is closed and accepts no change.';
    throw ProblemException.of(409, 'closed', detail, { failureType: 'Closed', dossierId, stage: 'CLOSED', ...(c ? { closureReason: c.reason } : {}) });
  }
}
