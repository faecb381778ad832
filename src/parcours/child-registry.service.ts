import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { WorkflowExecutionAlreadyStartedError, type WorkflowStartOptions } from '@temporalio/client';
import { ProblemException } from '../common/problem';
import { AppConfig } from '../config/env';
import { isNotFound, TemporalGateway } from '../temporal/temporal-gateway';
import { eq, ne, onTaskQueue, running, visibilityQuery, workflowType } from '../temporal/visibility-query';
import { PARCOURS_WORKFLOW_TYPE, dossierIdOf, workflowIdFor } from '../../workflows/parcours/parcours.contract';
import {
  CHILD_REGISTRY_WORKFLOW_TYPE,
  REGISTRY_HOLDER_MEMO,
  childRegistryId,
  registryHolderQuery,
  type childRegistryWorkflow,
} from '../../workflows/registry/child-registry';
import { PRE_CHILD_KEY, PRE_REFERENT_ID, PRE_STAGE } from '../../workflows/shared/search-attributes';
import { ui } from '../../workflows/shared/ui-text';
import { releaseChildRegistry } from '../../activities/child-registry';

/** An open case of the child: its dossierId and référent (from its search attributes). */
export interface OpenCase {
  dossierId: string;
  referentId: string | null;
}

/** A claim's outcome: the registry is the dossier's (`runId`: the run this claim started, if it started one), or another open case holds the child. */
export type ClaimOutcome = { claimed: true; runId?: string } | { claimed: false; holder: OpenCase };

/** The registry's current run and its holder (null: released, the run about to complete). */
interface RegistryRun {
  runId: string;
  holder: string | null;
  startedAtMs: number;
}

/** What a holder's dossier is for the child: its open case, a case that can never be it again, or not (yet) it. */
type HolderState = { open: OpenCase } | { final: true } | { pending: true };

/** How long a claim waits for a holder whose case is not started yet before answering 409 "retry shortly". */
const CLAIM_WAIT_MS = 5_000;
const CLAIM_POLL_MS = 150;
const BACKFILL_PAGE = 500;
/**
 * A registry run waits this long before its first workflow task, unless released first (signal-with-start ends the
 * delay: activities/child-registry.ts); past it, it runs and waits for its release as any workflow (still correct).
 */
export const REGISTRY_START_DELAY = '3650d';

/** The start of a child's registry held by `dossierId` (the claim; the bench's direct referral makes the same call). */
export function registryStartOptions(childKey: string, dossierId: string, taskQueue: string): WorkflowStartOptions<typeof childRegistryWorkflow> {
  return {
    workflowId: childRegistryId(childKey),
    taskQueue,
    args: [{ dossierId }],
    memo: { [REGISTRY_HOLDER_MEMO]: dossierId },
    workflowIdConflictPolicy: 'FAIL',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    // no workflow task until its release (signal-with-start): no worker time, no cached workflow per open case
    startDelay: REGISTRY_START_DELAY,
    staticSummary: ui("Registre du dossier ouvert d'un enfant (contrôle des doublons)"),
  };
}

/**
 * The child registry of the duplicate check (workflows/registry/child-registry.ts), from the API:
 *
 * - **claim**: a plain start of `pre-child-<key>` with the dossierId as input and memo (`FAIL` on conflict, a new run
 *   allowed once the previous one completed): no workflow task and no visibility read on the request path. On a
 *   conflict the holder is read with `describe` (its memo; the query for runs started before the memo existed) and
 *   its case with `describe`: this child's open case → duplicate; a case closed → replaced at once; no case yet, or
 *   another child's (a rectification in flight) → replaced only once the claim is older than the claim window
 *   (2 × UPDATE_TIMEOUT_SECONDS: the claimant sends its start at once, with that deadline), the claim waiting up to
 *   5 s for it to appear meanwhile. A replacement terminates the run it judged stale (by run id) and starts a new
 *   one (`FAIL`): of two claimants racing past one stale holder, one starts the new run, the other sees it.
 * - **cases referred before the registry** (no registry run): backfilled once per task queue, in the background from
 *   an instance's first claim (every open case's registry started for it; a marker workflow,
 *   `pre-registry-backfill-<task queue>`, records that the pass completed); until this instance has seen the marker,
 *   each claim that starts a fresh run also looks for an open case of the child in visibility (the fallback) and, if
 *   it finds one, hands the registry to it. (Not at boot: an API that never refers — or starts while Temporal is
 *   down — sends nothing.)
 */
@Injectable()
export class ChildRegistryService implements OnApplicationShutdown {
  private readonly logger = new Logger('ChildRegistry');
  /** True until this instance knows every case referred before the registry has its registry (the fallback scan). */
  legacyScan = true;
  private stopped = false;
  private backfilling?: Promise<void>;

  constructor(
    private readonly temporal: TemporalGateway,
    private readonly config: AppConfig,
  ) {}

  private get claimWindowMs(): number {
    return 2 * this.config.UPDATE_TIMEOUT_SECONDS * 1000;
  }

  private get markerId(): string {
    return `pre-registry-backfill-${this.temporal.taskQueue}`;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Claim
  // ---------------------------------------------------------------------------------------------------------

  /** Claims the child's registry for `dossierId` (see the class); 409 "retry shortly" when a claim in flight does not resolve in 5 s. */
  async claim(childKey: string, dossierId: string): Promise<ClaimOutcome> {
    if (this.legacyScan && !this.backfilling) this.backfilling = this.backfillInBackground();
    const until = Date.now() + CLAIM_WAIT_MS;
    for (;;) {
      const runId = await this.start(childKey, dossierId);
      if (runId) {
        if (this.legacyScan) {
          // the fallback: a visibility store that cannot answer yet (a namespace whose attributes were just registered:
          // test/cluster/tls.spec.ts) does not refuse the referral (500); the gap is logged — a child referred before the
          // registry could then get a second case, which the backfill logs as a pair
          const legacy = await this.legacyOpenCase(childKey, dossierId).catch((err: unknown) => {
            this.logger.error({ msg: 'fallback duplicate scan failed: claim kept on the registry alone', reason: (err as Error).message?.slice(0, 200) });
            return undefined;
          });
          if (legacy) {
            await this.handOver(childKey, runId, legacy.dossierId);
            return { claimed: false, holder: legacy };
          }
        }
        return { claimed: true, runId };
      }
      const run = await this.current(childKey);
      if (run) {
        if (run.holder === dossierId) return { claimed: true };
        const state: HolderState = run.holder === null ? { pending: true } : await this.holderState(run.holder, childKey);
        if ('open' in state) return { claimed: false, holder: state.open };
        if ('final' in state || Date.now() - run.startedAtMs > this.claimWindowMs) {
          // stale: replaced (the run judged stale only), then claimed again from the top
          await this.terminate(childKey, run.runId, 'stale holder replaced');
          continue;
        }
      }
      // completed meanwhile (start again), or a claim whose case is not started yet
      if (Date.now() > until) {
        throw ProblemException.of(409, 'conflict', 'Other referrals of this child are being recorded at the same moment. Retry shortly.', { failureType: 'Conflict' });
      }
      await new Promise((r) => setTimeout(r, CLAIM_POLL_MS));
    }
  }

  /** Starts the child's registry for `dossierId`: its run id, or undefined when a run is already there. */
  private async start(childKey: string, dossierId: string): Promise<string | undefined> {
    try {
      const handle = await this.temporal.withDeadline(() =>
        this.temporal.client.workflow.start<typeof childRegistryWorkflow>(CHILD_REGISTRY_WORKFLOW_TYPE, registryStartOptions(childKey, dossierId, this.temporal.taskQueue)),
      );
      return handle.firstExecutionRunId;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return undefined;
      throw err;
    }
  }

  /** The registry's running run and its holder, or undefined when none runs. */
  private async current(childKey: string): Promise<RegistryRun | undefined> {
    const handle = this.temporal.handle(childRegistryId(childKey));
    let d;
    try {
      d = await this.temporal.withDeadline(() => handle.describe());
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (d.status.name !== 'RUNNING') return undefined;
    const memo = d.memo?.[REGISTRY_HOLDER_MEMO];
    // a run started before the memo (claimed by update) answers its holder to a query
    const holder = typeof memo === 'string' ? memo : await this.temporal.withDeadline(() => this.temporal.client.workflow.getHandle(childRegistryId(childKey), d.runId).query(registryHolderQuery));
    return { runId: d.runId, holder, startedAtMs: d.startTime.getTime() };
  }

  /** The holder's case for this child, from its search attributes (server only). */
  private async holderState(dossierId: string, childKey: string): Promise<HolderState> {
    let d;
    try {
      d = await this.temporal.withDeadline(() => this.temporal.handle(workflowIdFor(dossierId)).describe());
    } catch (err) {
      if (isNotFound(err)) return { pending: true };
      throw err;
    }
    const sa = d.typedSearchAttributes;
    // closed cases never open again
    if (d.status.name !== 'RUNNING' || sa.get(PRE_STAGE) === 'CLOSED') return { final: true };
    // another child's case: a dossier whose start was refused (an Idempotency-Key reused for another child), or a
    // rectification towards this child in flight
    if (sa.get(PRE_CHILD_KEY) !== childKey) return { pending: true };
    return { open: { dossierId, referentId: sa.get(PRE_REFERENT_ID) ?? null } };
  }

  /** Terminates one run of the registry (gone or completed already: nothing to do). */
  private async terminate(childKey: string, runId: string, reason: string): Promise<void> {
    try {
      await this.temporal.withDeadline(() => this.temporal.client.workflow.getHandle(childRegistryId(childKey), runId).terminate(reason));
    } catch (err) {
      if (!isNotFound(err) && !/already completed|not running/i.test((err as Error)?.message ?? '')) throw err;
    }
  }

  /**
   * Gives up a run this claim started when its start was refused, unless the dossier is this child's open case after
   * all (a new case whose first update was refused); best effort: a stale holder is replaced anyway.
   */
  async releaseRun(childKey: string, runId: string, dossierId: string): Promise<void> {
    try {
      const state = await this.holderState(dossierId, childKey);
      if (!('open' in state)) await this.terminate(childKey, runId, 'claim given up: the start of its case was refused');
    } catch {
      // the claim window frees it
    }
  }

  /** Releases the child's registry if `dossierId` holds it (best effort: a stale holder is replaced). */
  async release(childKey: string, dossierId: string): Promise<void> {
    await this.temporal.withDeadline(() => releaseChildRegistry(this.temporal.client, this.temporal.taskQueue, childKey, dossierId)).catch(() => undefined);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Cases referred before the registry: the fallback scan and the backfill
  // ---------------------------------------------------------------------------------------------------------

  /** An open case of this child other than `dossierId`, from visibility (the fallback until the backfill is done). */
  private async legacyOpenCase(childKey: string, dossierId: string): Promise<OpenCase | undefined> {
    const query = visibilityQuery(
      workflowType(PARCOURS_WORKFLOW_TYPE),
      onTaskQueue(this.temporal.taskQueue),
      running(),
      eq('PreChildKey', childKey),
      ne('PreStage', 'CLOSED'),
      ne('WorkflowId', workflowIdFor(dossierId)),
    );
    const page = await this.temporal.listPage(query, 1);
    const e = page.executions[0];
    const found = e && dossierIdOf(e.workflowId);
    return found ? { dossierId: found, referentId: e.searchAttributes.get(PRE_REFERENT_ID) ?? null } : undefined;
  }

  /** Replaces the run this claim started by one held by the legacy case (a conflict: another claim did it first). */
  private async handOver(childKey: string, runId: string, dossierId: string): Promise<void> {
    await this.terminate(childKey, runId, 'handed over to the open case referred before the registry');
    await this.start(childKey, dossierId);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
  }

  private async backfillInBackground(): Promise<void> {
    for (let attempt = 0; !this.stopped && this.legacyScan; attempt += 1) {
      try {
        await this.backfill();
      } catch (err) {
        this.logger.warn({ msg: 'child registry backfill not complete; the fallback scan stays on', reason: (err as Error).message?.slice(0, 200) });
      }
      if (!this.legacyScan) return;
      await new Promise((r) => setTimeout(r, Math.min(60_000, 2_000 * 2 ** attempt)).unref?.());
    }
  }

  /**
   * Gives every open case its registry (those referred before it had none), once per task queue: a case whose
   * registry is held by a claim in flight is visited again; a pass that left none behind starts the marker.
   */
  async backfill(): Promise<void> {
    // the running marker (a terminated one asks for another pass)
    if ((await this.temporal.closedStatus(this.temporal.handle(this.markerId))) === null) {
      this.legacyScan = false;
      return;
    }
    const query = visibilityQuery(workflowType(PARCOURS_WORKFLOW_TYPE), onTaskQueue(this.temporal.taskQueue), running(), ne('PreStage', 'CLOSED'));
    let left = 0;
    let registered = 0;
    let token: string | undefined;
    do {
      const page = await this.temporal.listPage(query, BACKFILL_PAGE, token);
      for (const e of page.executions) {
        if (this.stopped) return;
        const dossierId = dossierIdOf(e.workflowId);
        const childKey = e.searchAttributes.get(PRE_CHILD_KEY);
        if (!dossierId || !childKey) continue;
        const outcome = await this.backfillOne(childKey, dossierId);
        if (outcome === 'started') registered += 1;
        if (outcome === 'pending') left += 1;
      }
      token = page.nextPageToken ?? undefined;
    } while (token);
    if (left > 0) throw new Error(`${left} registries held by claims in flight`);
    try {
      await this.temporal.withDeadline(() =>
        this.temporal.client.workflow.start('registryBackfillDone', {
          workflowId: this.markerId,
          // no worker polls it: the running marker is the record that the pass completed
          taskQueue: `${this.temporal.taskQueue}-markers`,
          workflowIdConflictPolicy: 'FAIL',
          staticSummary: ui('Registre des enfants : reprise des dossiers antérieurs terminée'),
        }),
      );
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    this.legacyScan = false;
    if (registered > 0) this.logger.log({ msg: 'child registry backfilled for the cases referred before it', registered });
  }

  /** One open case's registry: started for it, held by it already, or by another open case ('duplicate'), or by a claim in flight ('pending'). */
  private async backfillOne(childKey: string, dossierId: string): Promise<'started' | 'held' | 'duplicate' | 'pending'> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      if (await this.start(childKey, dossierId)) return 'started';
      const run = await this.current(childKey);
      if (!run) continue;
      if (run.holder === dossierId) return 'held';
      const state: HolderState = run.holder === null ? { pending: true } : await this.holderState(run.holder, childKey);
      if ('open' in state) {
        this.logger.warn({ msg: 'two open cases of one child referred before the registry: the registry names one', dossierId, holder: state.open.dossierId });
        return 'duplicate';
      }
      if (!('final' in state) && Date.now() - run.startedAtMs <= this.claimWindowMs) return 'pending';
      await this.terminate(childKey, run.runId, 'stale holder replaced');
    }
    return 'pending';
  }
}
