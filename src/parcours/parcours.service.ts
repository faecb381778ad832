import { Injectable, Logger } from '@nestjs/common';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, type UpdateDefinition } from '@temporalio/common';
import { assertMayChangeCase, assertMayDecideDerogation, assertMayExportCase, assertMayReadCase, caseListReferent, changeAccessOf, mayReadCase, notAssigned } from '../auth/access-policy';
import { primaryRole, type Caller } from '../auth/roles';
import { keyedUpdate } from '../common/idempotency-key';
import { ProblemException } from '../common/problem';
import { AppConfig } from '../config/env';
import { parcoursSettingsFrom } from '../config/parcours.env';
import { NotificationsService } from '../notifications/notifications.service';
import { attributeDate, isDomainRefusal, isNotFound, isNotRunning, nextDeadlineOf, TemporalGateway, type ListedExecution } from '../temporal/temporal-gateway';
import { anyOf, eq, isNull, latestRuns, onTaskQueue, visibilityQuery, workflowType } from '../temporal/visibility-query';
import {
  createReferralUpdate,
  dossierIdOf,
  getStateQuery,
  getAnswerQuery,
  getTimelineQuery,
  isPurgedView,
  PARCOURS_WORKFLOW_TYPE,
  recordDataExportUpdate,
  rectifyParcoursUpdate,
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
import type { DataExportDto, RectificationDto } from './dto/rights.dto';
import type { ParcoursListItemDto } from './dto/views.dto';
import { FailureType } from '../../workflows/shared/failures';
import { ChildRegistryService, type OpenCase } from './child-registry.service';
import { parisDateOf } from '../../workflows/shared/calendar';
import { ui } from '../../workflows/shared/ui-text';
import { plain } from '../common/async';

const DEFAULT_PAGE_SIZE = 50;


/** How `change` sends an update beyond the common path. */
interface ChangeOptions<I> {
  /** Sent to a closed case too (held for its retention), rather than answered 409. */
  closedToo?: boolean;
  /** Fields the API stamps on the input before sending it (e.g. a recomputed fingerprint). */
  stamp?: () => Promise<Partial<I>> | Partial<I>;
}


/**
 * The parcours API over Temporal: starts a case with update-with-start, sends every staff action as a workflow
 * update (its answer is the case as it now stands), reads cases through queries and lists them through search
 * attributes, all through the Temporal gateway. Who may read or change a case is src/auth/access-policy.ts.
 */
@Injectable()
export class ParcoursService {
  private readonly logger = new Logger(ParcoursService.name);

  constructor(
    private readonly temporal: TemporalGateway,
    private readonly config: AppConfig,
    private readonly notifications: NotificationsService,
    private readonly registry: ChildRegistryService,
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
   * `POST /parcours`: claims the child's registry for the new dossier — a second open case for the same child is
   * refused (409; see `duplicate` for who learns its dossierId) — then starts the case and sends `createReferral` in
   * one call, so the answer is the validated first state, eligibility included (decided by the workflow in that task).
   * With an Idempotency-Key the dossierId is derived from (caller, key) and the start attaches to the existing
   * workflow: a retry never opens a second case and replays the first answer.
   */
  async refer(body: ReferralDto, caller: Caller, key?: string): Promise<ParcoursView> {
    if (body.derogation) assertMayDecideDerogation(caller);
    const referral = plain(body) as ReferralInput;
    const childKey = childKeyOf(this.config.childKeySecret, referral.child);
    const dossierId = key ? dossierIdForKey(this.config.childKeySecret, caller.sub, key) : newDossierId();
    // the duplicate check, race-free across API instances: one start of the child's registry (child-registry.service.ts)
    const claim = await this.claimChild(childKey, dossierId, caller);
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
      eligibilityInWorkflow: true,
      childRegistry: true,
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
    try {
      return await this.temporal.withDeadline(() =>
        this.temporal.client.workflow.executeUpdateWithStart(createReferralUpdate, {
          // with a key, the fingerprint of the referral body: the same key with another child or body is refused (422)
          ...keyedUpdate(createReferralUpdate.name, { actor, at, ...(key ? { idempotencyKey: key } : {}) }, key, referral),
          startWorkflowOperation: start,
        }),
      );
    } catch (err) {
      const refused = err instanceof WorkflowExecutionAlreadyStartedError || err instanceof WorkflowUpdateFailedError;
      // a start refused (the dossier is another child's case, or closed): the registry run this claim started is given up
      if (refused && claim.runId) await this.registry.releaseRun(childKey, claim.runId, dossierId);
      // The retried referral's case is already closed (e.g. ineligible): it cannot change, its state is the answer.
      if (key && err instanceof WorkflowExecutionAlreadyStartedError) return this.readable(dossierId, caller);
      // … or already purged (a referral that never became a parcours is purged early): its tombstone takes no
      // update, and the retry is answered as the case stands — 410 once purged
      if (key && err instanceof WorkflowUpdateFailedError && !isDomainRefusal(err)) return this.readable(dossierId, caller);
      throw err;
    }
  }

  /**
   * The duplicate check: claims the child's registry for `dossierId` (src/parcours/child-registry.service.ts). Held
   * by this child's open case: this referral is a duplicate (409, `duplicate`); held by a case closed, gone, never
   * started or another child's: replaced (at once, or once the claim window is over for a claim that may still
   * start its case).
   */
  private async claimChild(childKey: string, dossierId: string, caller: Caller): Promise<{ runId?: string }> {
    const outcome = await this.registry.claim(childKey, dossierId);
    if (!outcome.claimed) throw await this.duplicate(outcome.holder, caller);
    return outcome;
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

  /**
   * The 409 of a second referral for a child already followed (no oracle, docs/domain.md): whoever may read the open
   * case learns its dossierId; anyone else learns only that the child is followed, and the coordinator is told (a
   * notice recorded as a notification naming the case and the caller, nothing about the child), who can then bring
   * them together.
   */
  private async duplicate(existing: OpenCase, caller: Caller): Promise<ProblemException> {
    if (mayReadCase(caller, existing.referentId)) {
      return ProblemException.of(409, 'duplicate', `An open case already exists for this child: ${existing.dossierId}. Add to that case instead of referring the child again.`, {
        failureType: 'Duplicate',
        dossierId: existing.dossierId,
      });
    }
    try {
      await this.notifications.noticeToCoordinator({
        key: `duplicate-referral:${existing.dossierId}:${caller.sub}:${parisDateOf(Date.now())}`,
        kind: 'DUPLICATE_REFERRAL',
        subject: `Orientation en double pour le dossier ${existing.dossierId}`,
        body: `${caller.sub} a orienté un enfant déjà suivi dans le dossier ${existing.dossierId}. Aucun second dossier n'a été ouvert ; rapprochez-vous de ${caller.sub} et du référent du dossier.`,
        dossierId: existing.dossierId,
      });
      this.logger.log({ msg: 'duplicate referral refused without the dossierId; the coordinator was told', dossierId: existing.dossierId, by: caller.sub });
    } catch (e) {
      // the refusal stands even if Temporal refuses the notice: the log keeps what the coordinator should have been told
      this.logger.error({ msg: 'duplicate referral refused without the dossierId; the notice to the coordinator failed', dossierId: existing.dossierId, by: caller.sub, reason: (e as Error).message?.slice(0, 200) });
    }
    return ProblemException.of(
      409,
      'duplicate',
      'An open case already exists for this child, followed by someone else: no second case was opened. The coordinator has been told and will put you in touch.',
      { failureType: 'Duplicate' },
    );
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
   * Sends one staff action as a workflow update and answers the case as it now stands, without reading the case
   * first: the update carries the caller's access (access policy) and the workflow's validator refuses a référent on
   * a case not assigned to them (403), then a closed case (409), before any rule. When the workflow does not take the
   * update: 404 for an unknown dossier, 410 for a purged one; a closed case whose workflow has completed answers 409
   * — unless the request is the retry of one already applied (same Idempotency-Key in the timeline), which replays
   * the case as it stands.
   */
  async change<I extends UpdateMeta>(
    dossierId: string,
    caller: Caller,
    update: UpdateDefinition<ParcoursView, [I]>,
    fields: Omit<I, keyof UpdateMeta>,
    key?: string,
    opts: ChangeOptions<I> = {},
  ): Promise<ParcoursView> {
    const stamped = opts.stamp ? await opts.stamp() : {};
    const input = { ...plain(fields), ...stamped, actor: this.actor(caller), at: new Date().toISOString(), ...(key ? { idempotencyKey: key } : {}), access: changeAccessOf(caller) } as I;
    const send = () => this.temporal.update(this.handle(dossierId), update, input, key);
    try {
      return await send();
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === FailureType.NOT_ASSIGNED) throw notAssigned(dossierId);
      if (!isNotRunning(err)) {
        // purged (the tombstone has no update handler): 410 rather than an opaque error
        if (err instanceof WorkflowUpdateFailedError && !isDomainRefusal(err)) await this.state(dossierId);
        throw err;
      }
      // unknown (404), purged (410), or closed with its workflow completed …
      const now = await this.state(dossierId);
      assertMayChangeCase(caller, now);
      if (now.stage === 'CLOSED' && !opts.closedToo) return this.closedAnswer(dossierId, now, key);
      // … or the run ended while continuing-as-new: the update was not accepted, send it once more to the new run
      return send();
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // The family's rights (GDPR)
  // ---------------------------------------------------------------------------------------------------------

  /**
   * `POST /parcours/{dossierId}/rectifications` (art. 16): a closed case still holding its data is rectified too.
   * When a name or the birth date changes, the child's identity fingerprint (PreChildKey) is recomputed here (the
   * workflow has no key) and stamped on the update; a fingerprint that is another open case's is refused (409, as a
   * duplicate referral).
   */
  async rectify(dossierId: string, caller: Caller, body: RectificationDto, key?: string): Promise<ParcoursView> {
    // a new fingerprint of an open case claims the child's registry under it (409 if another open case holds it)
    // before the change, and releases the old one after it (or the new one if the change is refused)
    let moved: { from: string; to: string } | undefined;
    const view = await this.change(dossierId, caller, rectifyParcoursUpdate, body, key, {
      closedToo: true,
      stamp: async () => {
        const p = body.child;
        if (!p || (p.firstName === undefined && p.lastName === undefined && p.birthDate === undefined)) return {};
        // the names and birth date the correction completes: read first (404, 410, 403 for a case not the caller's)
        const before = await this.readable(dossierId, caller);
        assertMayChangeCase(caller, before);
        const identity = (c: { firstName: string; lastName: string; birthDate: string }) => childKeyOf(this.config.childKeySecret, c);
        const from = identity(before.child);
        const childKey = identity({
          firstName: p.firstName ?? before.child.firstName,
          lastName: p.lastName ?? before.child.lastName,
          birthDate: p.birthDate ?? before.child.birthDate,
        });
        if (before.stage !== 'CLOSED' && childKey !== from) {
          await this.claimChild(childKey, dossierId, caller);
          moved = { from, to: childKey };
        }
        return { childKey };
      },
    }).catch(async (err: unknown) => {
      if (moved) await this.releaseChild(moved.to, dossierId);
      throw err;
    });
    if (moved) await this.releaseChild(moved.from, dossierId);
    return view;
  }

  /** Releases the child's registry under `childKey` if `dossierId` holds it (best effort: a stale holder is replaced). */
  private releaseChild(childKey: string, dossierId: string): Promise<void> {
    return this.registry.release(childKey, dossierId);
  }


  /**
   * `GET /parcours/{dossierId}/export` (art. 15): the export is first recorded in the case (an update, so its timeline
   * says who exported what and when), then answered: the case record, its whole timeline (this export included) and
   * the notifications recorded about it.
   */
  async exportCase(dossierId: string, caller: Caller): Promise<DataExportDto> {
    assertMayExportCase(caller);
    await this.state(dossierId);
    const exportedAt = new Date().toISOString();
    const actor = this.actor(caller);
    let view: ParcoursView;
    try {
      view = await this.temporal.update(this.handle(dossierId), recordDataExportUpdate, { actor, at: exportedAt });
    } catch (err) {
      // purged meanwhile (the tombstone has no update handler): 410 rather than an opaque error
      if (err instanceof WorkflowUpdateFailedError && !isDomainRefusal(err)) await this.state(dossierId);
      throw err;
    }
    const timeline = await this.temporal.query(this.handle(dossierId), getTimelineQuery);
    this.logger.log({ msg: 'access export recorded', dossierId, by: caller.sub });
    return {
      dossierId,
      exportedAt,
      exportedBy: actor,
      legalBasis: 'RGPD art. 15',
      case: view as unknown as DataExportDto['case'],
      timeline,
      notifications: await this.notifications.ofDossier(dossierId),
    };
  }

  /** A closed case: the replay of a request it already applied, else 409 naming the closure. */
  private async closedAnswer(dossierId: string, view: ParcoursView, key?: string): Promise<ParcoursView> {
    if (key) {
      // the keys the case remembers (its last 100), or an entry of the timeline it still carries
      if ((await this.temporal.query(this.handle(dossierId), getAnswerQuery, key)) !== null) return view;
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
