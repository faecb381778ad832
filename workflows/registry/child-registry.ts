/**
 * The duplicate check of a referral (issue 17): one small workflow per child, `pre-child-<PreChildKey>` (the keyed
 * fingerprint of the child's normalised names and birth date: no personal data), which holds the dossierId of the
 * child's open case. `POST /parcours` claims it with update-with-start before starting the case: Temporal runs one
 * workflow per id and its updates one at a time, so two referrals of one child — through one API instance or
 * several — never both pass, at the same cost at 10 000 cases as at 10, with no visibility read on the request path.
 *
 * The holder may be stale (its case closed, or never started because the API stopped between the claim and the
 * start): the API checks it with `describe` and replaces it only if it is still the holder (`replacing`). The case
 * releases the registry when it closes (`releaseChildSignal`); the registry then completes, so the link between the
 * fingerprint and the dossier lasts no longer than the open case (and the namespace's retention of closed runs).
 * Deterministic: workflow code only.
 */
import { allHandlersFinished, condition, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';

export const CHILD_REGISTRY_WORKFLOW_TYPE = 'childRegistryWorkflow';

/** The registry's workflow id for a child key (`PreChildKey`). */
export function childRegistryId(childKey: string): string {
  return `pre-child-${childKey}`;
}

/** A claim: this dossier for the child, unless another holds it (`replacing`: the stale holder the API checked). */
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
/** Sent by a case when it closes: the registry completes if that case still holds it. */
export const releaseChildSignal = defineSignal<[{ dossierId: string }]>('releaseChild');

export async function childRegistryWorkflow(): Promise<void> {
  let holder: string | null = null;
  let claimed = false;
  setHandler(claimChildUpdate, (i: ClaimChildInput): ClaimChildAnswer => {
    claimed = true;
    if (holder === null || holder === i.dossierId || (i.replacing !== undefined && holder === i.replacing)) holder = i.dossierId;
    return { dossierId: holder, claimed: holder === i.dossierId };
  });
  setHandler(releaseChildSignal, ({ dossierId }) => {
    if (holder === dossierId) holder = null;
  });
  // Complete once released (and no claim in flight): a later referral of the child starts a new run.
  await condition(() => claimed && holder === null);
  await condition(allHandlersFinished);
}
