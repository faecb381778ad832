import { Injectable, Logger } from '@nestjs/common';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, type UpdateDefinition } from '@temporalio/common';
import { assertMayChangeCase, assertMayDecideDerogation, assertMayReadCase, caseListReferent, mayReadCase } from '../auth/access-policy';
import { primaryRole, type Caller } from '../auth/roles';
import { keyedUpdate } from '../common/idempotency-key';
import { ProblemException } from '../common/problem';
import { AppConfig } from '../config/env';
import { parcoursSettingsFrom } from '../config/parcours.env';
import { NotificationsService } from '../notifications/notifications.service';
import { attributeDate, isDomainRefusal, isNotFound, isNotRunning, nextDeadlineOf, TemporalGateway, type ListedExecution } from '../temporal/temporal-gateway';
import { anyOf, eq, isNull, latestRuns, ne, onTaskQueue, running, visibilityQuery, workflowIdIs, workflowType } from '../temporal/visibility-query';
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
import { QPV_LABELS, ageBandLabel } from '../../workflows/parcours/parcours.labels';
import { ageBandForReferral, initialSearchAttributes, staticSummaryFor } from '../../workflows/parcours/parcours.view';
import {
  PRE_AGE_BAND,
  PRE_CLOSURE_REASON,
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

const DEFAULT_PAGE_SIZE = 50;


/** An open case of the same child: its dossierId and référent, from visibility. */
interface OpenCase {
  dossierId: string;
  referentId: string | null;
}

/**
 * The parcours API over Temporal: starts a case with update-with-start, sends every staff action as a workflow
 * update (its answer is the case as it now stands), reads cases through queries and lists them through search
 * attributes, all through the Temporal gateway. Who may read or change a case is src/auth/access-policy.ts.
 */
@Injectable()
export class ParcoursService {
  private readonly logger = new Logger(ParcoursService.name);
  /** Referrals in flight per child key: two referrals for one child never race past the duplicate check here. */
  private readonly referralsInFlight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly temporal: TemporalGateway,
    private readonly config: AppConfig,
    private readonly notifications: NotificationsService,
  ) {}

  private handle(dossierId: string): WorkflowHandle {
    return this.temporal.handle(workflowIdFor(dossierId));
  }

  private actor(caller: Caller): Actor {
    return { sub: caller.sub, role: primaryRole(caller) };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Referral
  // ---------------------------------------------------------------------------------------------------------

  /**
   * `POST /parcours`: refuses a second open case for the same child (409; see `duplicate` for who learns its
   * dossierId), then starts the case and
   * sends `createReferral` in one call, so the answer is the validated first state, eligibility included.
   * With an Idempotency-Key the dossierId is derived from (caller, key) and the start attaches to the existing
   * workflow: a retry never opens a second case and replays the first answer.
   */
  async refer(body: ReferralDto, caller: Caller, key?: string): Promise<ParcoursView> {
    if (body.derogation) assertMayDecideDerogation(caller);
    const referral = plain(body) as ReferralInput;
    const childKey = childKeyOf(this.config.childKeySecret, referral.child);
    const dossierId = key ? dossierIdForKey(this.config.childKeySecret, caller.sub, key) : newDossierId();
    // one referral of a child at a time: in this process (oneAtATime), and across API processes (the lease)
    return this.oneAtATime(childKey, () => this.temporal.withLease(`referral-${childKey.slice(0, 32)}`, async () => {
      const existing = await this.openCaseOf(childKey);
      if (existing && existing.dossierId !== dossierId) throw this.duplicate(existing, caller);
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
        view = await this.temporal.withDeadline(() =>
          this.temporal.client.workflow.executeUpdateWithStart(createReferralUpdate, {
            // with a key, the fingerprint of the referral body: the same key with another child or body is refused (422)
            ...keyedUpdate(createReferralUpdate.name, { actor, at, ...(key ? { idempotencyKey: key } : {}) }, key, referral),
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
    }));
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

  /**
   * The 409 of a second referral for a child already followed (no oracle, docs/domain.md): whoever may read the open
   * case learns its dossierId; anyone else learns only that the child is followed, and the coordinator is told (a
   * notice in the outbox naming the case and the caller, nothing about the child), who can then bring them together.
   */
  private duplicate(existing: OpenCase, caller: Caller): ProblemException {
    if (mayReadCase(caller, existing.referentId)) {
      return ProblemException.of(409, 'duplicate', `An open case already exists for this child: ${existing.dossierId}. Add to that case instead of referring the child again.`, {
        failureType: 'Duplicate',
        dossierId: existing.dossierId,
      });
    }
    try {
      this.notifications.noticeToCoordinator({
        key: `duplicate-referral:${existing.dossierId}:${caller.sub}:${new Date().toISOString().slice(0, 10)}`,
        kind: 'DUPLICATE_REFERRAL',
        subject: `Orientation en double pour le dossier ${existing.dossierId}`,
        body: `${caller.sub} a orienté un enfant déjà suivi dans le dossier ${existing.dossierId}. Aucun second dossier n'a été ouvert ; rapprochez-vous de ${caller.sub} et du référent du dossier.`,
        dossierId: existing.dossierId,
      });
      this.logger.log({ msg: 'duplicate referral refused without the dossierId; the coordinator was told', dossierId: existing.dossierId, by: caller.sub });
    } catch (e) {
      // the refusal stands even if the outbox is busy: the log keeps what the coordinator should have been told
      this.logger.error({ msg: 'duplicate referral refused without the dossierId; the notice to the coordinator failed', dossierId: existing.dossierId, by: caller.sub, reason: (e as Error).message?.slice(0, 200) });
    }
    return ProblemException.of(
      409,
      'duplicate',
      'An open case already exists for this child, followed by someone else: no second case was opened. The coordinator has been told and will put you in touch.',
      { failureType: 'Duplicate' },
    );
  }

  /** An open case of the same child, through visibility (PreChildKey), or null. */
  private async openCaseOf(childKey: string): Promise<OpenCase | null> {
    const query = visibilityQuery(workflowType(PARCOURS_WORKFLOW_TYPE), running(), eq('PreChildKey', childKey), ne('PreStage', 'CLOSED'));
    const page = await this.temporal.listPage(query, 5);
    for (const e of page.executions) {
      const dossierId = dossierIdOf(e.workflowId);
      if (dossierId) return { dossierId, referentId: e.searchAttributes.get(PRE_REFERENT_ID) ?? null };
    }
    return null;
  }

  /**
   * Waits (briefly) until visibility lists the new case, so that the duplicate check of the next referral for the
   * same child sees it. Visibility is eventually consistent; on the server this is typically immediate.
   */
  private async untilVisible(dossierId: string): Promise<void> {
    const query = visibilityQuery(workflowIdIs(workflowIdFor(dossierId)));
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      try {
        if ((await this.temporal.count(query)) > 0) return;
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
      view = await this.temporal.query(this.handle(dossierId), getStateQuery);
    } catch (err) {
      if (isNotFound(err)) throw this.notFound(dossierId);
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

  /** The case, if the caller may read it. */
  async readable(dossierId: string, caller: Caller): Promise<ParcoursView> {
    const view = await this.state(dossierId);
    assertMayReadCase(caller, view);
    return view;
  }

  /** Every recorded change with actor and time, oldest first. */
  async timeline(dossierId: string, caller: Caller): Promise<{ dossierId: string; items: TimelineEntry[] }> {
    await this.readable(dossierId, caller);
    const items = await this.temporal.query(this.handle(dossierId), getTimelineQuery);
    return { dossierId, items };
  }

  /**
   * `GET /parcours`: a page of cases from their search attributes (no personal data, no worker involved). The
   * cases are those of this deployment's task queue; a référent's list holds only their own cases.
   */
  async list(q: ListParcoursQuery, caller: Caller): Promise<{ items: ParcoursListItemDto[]; nextPageToken: string | null }> {
    const referentId = caseListReferent(caller, q.referentId);
    const query = visibilityQuery(
      workflowType(PARCOURS_WORKFLOW_TYPE),
      onTaskQueue(this.temporal.taskQueue),
      // the earlier runs of a case that continued-as-new are the same case
      latestRuns(),
      // a purged case is gone (410): it has nothing left to list
      anyOf(isNull('PreRetention'), eq('PreRetention', 'HELD')),
      q.stage !== undefined && eq('PreStage', q.stage),
      q.qpv !== undefined && eq('PreQpv', q.qpv),
      referentId !== undefined && eq('PreReferentId', referentId),
      q.overdue !== undefined && eq('PreOverdue', q.overdue === 'true'),
      q.closureReason !== undefined && eq('PreClosureReason', q.closureReason),
    );
    const page = await this.temporal.listPage(query, q.pageSize ?? DEFAULT_PAGE_SIZE, q.pageToken);
    return { items: page.executions.map((e) => this.listItem(e)), nextPageToken: page.nextPageToken };
  }

  private listItem(e: ListedExecution): ParcoursListItemDto {
    const sa = e.searchAttributes;
    return {
      dossierId: dossierIdOf(e.workflowId) ?? '',
      stage: sa.get(PRE_STAGE) ?? 'REFERRED',
      qpv: sa.get(PRE_QPV) ?? '',
      ageBand: sa.get(PRE_AGE_BAND) ?? '',
      referentId: sa.get(PRE_REFERENT_ID) ?? null,
      referredOn: attributeDate(sa.get(PRE_REFERRED_ON)),
      nextDeadline: nextDeadlineOf(sa),
      overdue: sa.get(PRE_OVERDUE) ?? false,
      closureReason: sa.get(PRE_CLOSURE_REASON) ?? null,
      workflowStatus: e.status,
      startedAt: e.startedAt,
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
    assertMayChangeCase(caller, before);
    if (before.stage === 'CLOSED') return this.closedAnswer(dossierId, before, key);
    const input = { ...plain(fields), actor: this.actor(caller), at: new Date().toISOString(), ...(key ? { idempotencyKey: key } : {}) } as I;
    const send = () => this.temporal.update(this.handle(dossierId), update, input, key);
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
      const timeline = await this.temporal.query(this.handle(dossierId), getTimelineQuery);
      if (timeline.some((e) => e.idempotencyKey === key)) return view;
    }
    const c = view.closure;
    const detail = c
      ? `The case is closed (${c.reason} on ${c.closedOn}) and accepts no change.`
      : 'The case is closed and accepts no change.';
    throw ProblemException.of(409, 'closed', detail, { failureType: 'Closed', dossierId, stage: 'CLOSED', ...(c ? { closureReason: c.reason } : {}) });
  }
}
