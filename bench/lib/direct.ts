/**
 * The same work as the API, sent straight to Temporal with the client (no HTTP, no Nest): the same workflow,
 * the same input, update-with-start for a referral exactly as `POST /parcours` does, `executeUpdate` with the
 * Idempotency-Key as update id for the staff updates. The difference in figures is the API's own cost: HTTP,
 * auth, validation, and the reads the API adds around each call (the duplicate check and the visibility wait of a
 * referral, the state read before an update).
 */
import { type Client, WithStartWorkflowOperation } from '@temporalio/client';
import type { AppConfig } from '../../src/config/env';
import { childKeyOf } from '../../src/parcours/child-key';
import { dossierIdForKey } from '../../src/parcours/dossier-id';
import {
  closeParcoursUpdate,
  createReferralUpdate,
  recordConsentUpdate,
  recordTeamReviewUpdate,
  scheduleActionUpdate,
  changeActionUpdate,
  workflowIdFor,
  type ParcoursInput,
  type ParcoursView,
  type ReferralInput,
} from '../../workflows/parcours/parcours.contract';
import { initialSearchAttributes, staticSummaryFor } from '../../workflows/parcours/parcours.view';
import type { parcoursWorkflow } from '../../workflows/parcours/parcours.workflow';
import { parcoursSettingsFrom } from '../../src/config/parcours.env';
import { registryStartOptions } from '../../src/parcours/child-registry.service';
import { CHILD_REGISTRY_WORKFLOW_TYPE, type childRegistryWorkflow } from '../../workflows/registry/child-registry';
import type { GeneratedCase } from './inputs';
import type { StepName } from './steps';

/**
 * The API's duplicate check, as the client calls it for a new child (src/parcours/child-registry.service.ts#start):
 * one plain start of the child's registry, with a start delay (no workflow task). The referral's second workflow
 * operation, measured apart so that API ÷ direct can be read with and without it.
 */
export async function claimDirect(client: Client, config: AppConfig, c: GeneratedCase, dossierId: string): Promise<void> {
  const childKey = childKeyOf(config.childKeySecret, (c.referral as ReferralInput).child);
  await client.workflow.start<typeof childRegistryWorkflow>(CHILD_REGISTRY_WORKFLOW_TYPE, registryStartOptions(childKey, dossierId, config.TEMPORAL_TASK_QUEUE));
}

/** The dossierId `POST /parcours` derives from the case's Idempotency-Key. */
export function directDossierId(config: AppConfig, c: GeneratedCase): string {
  return dossierIdForKey(config.childKeySecret, c.referentId, `${c.keyPrefix}-referral`);
}

/** Starts a case like `POST /parcours` (update-with-start) and answers its first state. */
export async function startDirect(client: Client, config: AppConfig, c: GeneratedCase): Promise<ParcoursView> {
  const key = `${c.keyPrefix}-referral`;
  const dossierId = directDossierId(config, c);
  const referral = c.referral as ReferralInput;
  const actor = { sub: c.referentId, role: 'referent' };
  const at = new Date().toISOString();
  const input: ParcoursInput = {
    dossierId,
    referral,
    childKey: childKeyOf(config.childKeySecret, referral.child),
    settings: parcoursSettingsFrom(config),
    createdBy: actor,
    createdAt: at,
    referentId: c.referentId,
    eligibilityInWorkflow: true,
  };
  const startWorkflowOperation = new WithStartWorkflowOperation<typeof parcoursWorkflow>('parcoursWorkflow', {
    workflowId: workflowIdFor(dossierId),
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    args: [input],
    typedSearchAttributes: initialSearchAttributes(input),
    staticSummary: staticSummaryFor(referral),
    staticDetails: `**Dossier** : ${dossierId}\n\n**Orientation** du ${referral.referredOn} · orienteur : ${referral.orienteur.type}\n\n**Créé par** : ${actor.sub} (${actor.role})`,
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
  });
  return client.workflow.executeUpdateWithStart(createReferralUpdate, {
    args: [{ actor, at, idempotencyKey: key }],
    updateId: key,
    startWorkflowOperation,
  });
}

const UPDATES = {
  consent: recordConsentUpdate,
  teamReview: recordTeamReviewUpdate,
  action: scheduleActionUpdate,
  actionDone: changeActionUpdate,
  closure: closeParcoursUpdate,
} as const;

/** Sends one staff update like the API does (body + actor + time + Idempotency-Key as update id). */
export async function updateDirect(
  client: Client,
  c: GeneratedCase,
  step: Exclude<StepName, 'referral'>,
  ids: { dossierId: string; actionId?: string },
): Promise<ParcoursView> {
  const coordinator = step === 'teamReview' || step === 'closure';
  const actor = coordinator ? { sub: 'u-coord-1', role: 'coordinator' } : { sub: c.referentId, role: 'referent' };
  const body = { consent: c.consent, teamReview: c.teamReview, action: c.action, actionDone: { ...c.actionDone, actionId: ids.actionId }, closure: c.closure }[step];
  const key = `${c.keyPrefix}-${step}`;
  const handle = client.workflow.getHandle(workflowIdFor(ids.dossierId));
  return handle.executeUpdate(UPDATES[step] as typeof recordConsentUpdate, {
    args: [{ ...(body as any), actor, at: new Date().toISOString(), idempotencyKey: key }],
    updateId: key,
  });
}
