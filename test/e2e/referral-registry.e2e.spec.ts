/**
 * The duplicate check through the child registry (issue 17), over HTTP: what a stale holder of a child's registry
 * does not do — a dossier whose start failed after its claim never makes a later referral of that child a duplicate,
 * a closed case frees its child at once, a claim whose case never started holds it only for the claim window
 * (2 × UPDATE_TIMEOUT_SECONDS, 6 s here) — and the cases referred before the registry existed (no registry run):
 * found by the fallback scan until the backfill has run, then by the registry the backfill started for them.
 */
import request from 'supertest';
import { childKeyOf } from '../../src/parcours/child-key';
import { ChildRegistryService } from '../../src/parcours/child-registry.service';
import { childRegistryId } from '../../workflows/registry/child-registry';
import { REFERRAL } from '../support/api-examples';
import { eventually, startTestApp, type TestApp } from '../support/app';

function referralOf(firstName: string) {
  return { ...REFERRAL, child: { ...REFERRAL.child, firstName } };
}

describe('referral duplicate check by the child registry', () => {
  let t: TestApp;
  let coord: string;
  let http: () => ReturnType<typeof request>;

  beforeAll(async () => {
    t = await startTestApp({ env: { UPDATE_TIMEOUT_SECONDS: '3' } });
    await t.app.get(ChildRegistryService).backfill(); // what the first claim starts in the background
    const url = await t.app.getUrl();
    http = () => request(url);
    coord = await t.token('u-coord-1', 'coordinator');
  });
  afterAll(async () => {
    await t?.close();
  });

  const refer = (body: unknown, key?: string) => {
    const req = http().post('/parcours').set('Authorization', `Bearer ${coord}`);
    return (key ? req.set('Idempotency-Key', key) : req).send(body as object);
  };

  it('an Idempotency-Key reused for another child (422) leaves that child free to be referred, and the first case still refuses its duplicate', async () => {
    const first = await refer(referralOf('Ines'), 'reg-key-1');
    expect(first.status).toBe(201);
    // the same key with another child: the claim of Noor's registry names Ines's dossier, whose start then refuses the body
    const reused = await refer(referralOf('Noor'), 'reg-key-1');
    expect(reused.status).toBe(422);
    // Noor is not followed: her referral opens her case (the registry's holder is another child's case: replaced)
    const noor = await refer(referralOf('Noor'));
    expect(noor.status).toBe(201);
    expect(noor.body.dossierId).not.toBe(first.body.dossierId);
    // Ines still is: 409 naming her case; so is Noor
    expect(await refer(referralOf('Ines'))).toMatchObject({ status: 409, body: { type: 'urn:pre-orchestrator:problem:duplicate', dossierId: first.body.dossierId } });
    expect(await refer(referralOf('Noor'))).toMatchObject({ status: 409, body: { dossierId: noor.body.dossierId } });
  });

  const keyOf = (firstName: string) => childKeyOf(t.config.childKeySecret, referralOf(firstName).child);
  const registryOf = (firstName: string) => t.client.workflow.getHandle(childRegistryId(keyOf(firstName)));
  /** A registry run as an API instance starts it for `dossierId` (its case started, or not, afterwards). */
  const claimFor = (firstName: string, dossierId: string) =>
    t.client.workflow.start('childRegistryWorkflow', {
      workflowId: childRegistryId(keyOf(firstName)),
      taskQueue: t.config.TEMPORAL_TASK_QUEUE,
      args: [{ dossierId }],
      memo: { holder: dossierId },
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });

  it('a claim whose case never started holds the child for the claim window only (409 conflict, retry shortly), then is replaced', async () => {
    const claimedAt = Date.now();
    await claimFor('Ghost', 'D-NEVERSTARTED');
    // the claim waits up to 5 s for its case to appear, then answers "retry shortly": no second case meanwhile
    expect(await refer(referralOf('Ghost'))).toMatchObject({ status: 409, body: { type: 'urn:pre-orchestrator:problem:conflict' } });
    await new Promise((r) => setTimeout(r, Math.max(0, claimedAt + 6_500 - Date.now())));
    const ghost = await refer(referralOf('Ghost'));
    expect(ghost.status).toBe(201);
    expect((await registryOf('Ghost').describe()).memo).toEqual({ holder: ghost.body.dossierId });
  });

  it('the claimed registry waits without a workflow task; the closing case releases it; a holder whose case is closed (its release lost) is replaced at once', async () => {
    const first = await refer(referralOf('Lina'));
    expect(first.status).toBe(201);
    // started with a start delay: its history is its start alone (no worker time, no cached workflow per open case)
    expect(await registryOf('Lina').describe()).toMatchObject({ status: { name: 'RUNNING' }, historyLength: 1, memo: { holder: first.body.dossierId } });
    const refusal = { decision: 'REFUSED', signedOn: REFERRAL.referredOn, signedBy: [{ name: 'Samira Benali', relationship: 'MOTHER' }], dataSharingInformed: true };
    const closed = await http().post(`/parcours/${first.body.dossierId}/consent`).set('Authorization', `Bearer ${coord}`).send(refusal);
    expect(closed.body.stage).toBe('CLOSED');
    await registryOf('Lina').result(); // released by the case
    await claimFor('Lina', first.body.dossierId); // as if the release had been lost
    const again = await refer(referralOf('Lina'));
    expect(again.status).toBe(201);
    expect(again.body.dossierId).not.toBe(first.body.dossierId);
  });

  it('a case referred before the registry (no registry run) still refuses its duplicate: by the fallback scan until the backfill, then by its backfilled registry', async () => {
    const registry = t.app.get(ChildRegistryService);
    const legacy = await refer(referralOf('Olga'));
    expect(legacy.status).toBe(201);
    // a case referred before the registry existed: no registry run for its child
    await registryOf('Olga').terminate('a case referred before the registry');
    // until this instance knows the backfill is done, a fresh claim looks for an open case of the child and hands the
    // registry to it (the backfill a claim starts in the background is held back here: the fallback alone answers)
    registry.legacyScan = true;
    (registry as unknown as { backfilling?: Promise<void> }).backfilling = new Promise<void>(() => undefined);
    expect(await refer(referralOf('Olga'))).toMatchObject({ status: 409, body: { type: 'urn:pre-orchestrator:problem:duplicate', dossierId: legacy.body.dossierId } });
    expect(await registryOf('Olga').describe()).toMatchObject({ status: { name: 'RUNNING' }, memo: { holder: legacy.body.dossierId } });
    // the backfill: a pass over the open cases starts the registry of those that have none, then the marker
    await registryOf('Olga').terminate('a case referred before the registry');
    await t.client.workflow.getHandle(`pre-registry-backfill-${t.config.TEMPORAL_TASK_QUEUE}`).terminate('backfill again');
    await eventually(async () => (await t.client.workflow.count(`WorkflowId = 'pre-registry-backfill-${t.config.TEMPORAL_TASK_QUEUE}' AND ExecutionStatus = 'Running'`)).count === 0);
    await registry.backfill();
    expect(registry.legacyScan).toBe(false);
    expect(await registryOf('Olga').describe()).toMatchObject({ status: { name: 'RUNNING' }, memo: { holder: legacy.body.dossierId } });
    expect(await refer(referralOf('Olga'))).toMatchObject({ status: 409, body: { type: 'urn:pre-orchestrator:problem:duplicate', dossierId: legacy.body.dossierId } });
  });
});
