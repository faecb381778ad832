/**
 * The duplicate check of a referral (issue 17): one small workflow per child, `pre-child-<PreChildKey>` (the keyed
 * fingerprint of the child's normalised names and birth date: no personal data), which holds the dossierId of the
 * child's open case. `POST /parcours` claims it by starting it with that dossierId as its input (and its memo,
 * `holder`), `workflowIdConflictPolicy: FAIL`: Temporal runs one workflow per id, so of two referrals of one child —
 * through one API instance or several — one start succeeds, the other learns the holder (`describe`: memo, start
 * time, run id), at the same cost at 10 000 cases as at 10, with no visibility read and no workflow task on the
 * request path (src/parcours/parcours.service.ts#claimChild).
 *
 * The holder may be stale (its case closed, or never started because the API stopped between the claim and the
 * start): the API replaces it by terminating that run (by its run id: only the run it judged stale) and starting a
 * new one. The case releases the registry when it closes (`releaseChildSignal`); the registry then completes, so the
 * link between the fingerprint and the dossier lasts no longer than the open case (and the namespace's retention of
 * closed runs). Deterministic: workflow code only.
 *
 * Runs started before 2026-12-08 have no input: they were claimed by the `claimChild` update (kept for them), and
 * answer their holder to `registryHolderQuery` (they have no memo).
 */
import { allHandlersFinished, condition, defineQuery, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';

export const CHILD_REGISTRY_WORKFLOW_TYPE = 'childRegistryWorkflow';
/** The memo key of the registry's holder (a dossierId: no personal data), read with `describe`. */
export const REGISTRY_HOLDER_MEMO = 'holder';

/** The registry's workflow id for a child key (`PreChildKey`). */
export function childRegistryId(childKey: string): string {
  return `pre-child-${childKey}`;
}

/** The input of a registry run: the dossier that claims the child by starting it. */
export interface ChildRegistryInput {
  dossierId: string;
}

/** A claim by update (runs started before 2026-12-08 only): this dossier, unless another holds it. */
export interface ClaimChildInput {
  dossierId: string;
  /** The stale holder to replace, as the caller saw it: replaced only if it still holds the registry. */
  replacing?: string;
}

/** The registry's holder after the claim: `claimed` true when it is the claimant's dossier. */
export interface ClaimChildAnswer {
  dossierId: string;
  claimed: boolean;
}

export const claimChildUpdate = defineUpdate<ClaimChildAnswer, [ClaimChildInput]>('claimChild');
/** Sent by a case when it closes (or by the API when the claimant's start was refused): the registry completes if that dossier still holds it. */
export const releaseChildSignal = defineSignal<[{ dossierId: string }]>('releaseChild');
/** The holder (null once released); the API reads the memo of the runs that have one. */
export const registryHolderQuery = defineQuery<string | null>('registryHolder');

export async function childRegistryWorkflow(input?: ChildRegistryInput): Promise<void> {
  let holder: string | null = input?.dossierId ?? null;
  let claimed = input !== undefined;
  setHandler(claimChildUpdate, (i: ClaimChildInput): ClaimChildAnswer => {
    claimed = true;
    if (holder === null || holder === i.dossierId || (i.replacing !== undefined && holder === i.replacing)) holder = i.dossierId;
    return { dossierId: holder, claimed: holder === i.dossierId };
  });
  setHandler(releaseChildSignal, ({ dossierId }) => {
    if (holder === dossierId) holder = null;
  });
  setHandler(registryHolderQuery, () => holder);
  // Complete once released (and no claim in flight): a later referral of the child starts a new run.
  await condition(() => claimed && holder === null);
  await condition(allHandlersFinished);
}
