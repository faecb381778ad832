/**
 * The child registry of the duplicate check (issue 17, workflows/registry/child-registry.ts): one holder per child,
 * claimed by the start of its run (the dossierId as input), released by its case when it closes — the cases referred
 * before the registry too (patched). The runs claimed by update (before 2026-12-08) still behave as they did.
 */
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import { childRegistryId, claimChildUpdate, registryHolderQuery, releaseChildSignal, type ClaimChildInput, type childRegistryWorkflow } from '../../workflows/registry/child-registry';
import { recordConsentUpdate } from '../../workflows/parcours/parcours.contract';
import { meta, REF, timeSkippingCases } from './parcours.helpers';

/** A claim as the API sends it since 2026-12-08: a plain start with the dossierId as input. */
function startClaim(client: Client, taskQueue: string, childKey: string, dossierId: string) {
  return client.workflow.start<typeof childRegistryWorkflow>('childRegistryWorkflow', {
    workflowId: childRegistryId(childKey),
    taskQueue,
    args: [{ dossierId }],
    memo: { holder: dossierId },
    workflowIdConflictPolicy: 'FAIL',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  });
}

/** A claim by update-with-start, as the runs started before 2026-12-08 were claimed. */
function claim(client: Client, taskQueue: string, childKey: string, input: ClaimChildInput) {
  const startWorkflowOperation = new WithStartWorkflowOperation<typeof childRegistryWorkflow>('childRegistryWorkflow', {
    workflowId: childRegistryId(childKey),
    taskQueue,
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  });
  return client.workflow.executeUpdateWithStart(claimChildUpdate, { args: [input], startWorkflowOperation });
}

describe('child registry (time-skipping)', () => {
  const harness = timeSkippingCases();

  it('holds the first claim, answers it to the others (20 at once: one claimed), replaces a stale holder only for who saw it, and completes when released', async () => {
    await harness.withCase({}, async (c) => {
      const client = harness.env.client;
      const taskQueue = (await c.handle.describe()).taskQueue;
      const key = `ck-test-${c.dossierId}`;
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => claim(client, taskQueue, key, { dossierId: `D-${i}` })));
      const winners = answers.filter((a) => a.claimed);
      expect(winners).toHaveLength(1);
      const holder = winners[0].dossierId;
      expect(answers.every((a) => a.dossierId === holder)).toBe(true);
      // the holder's retry is claimed again; a replacement naming another (already replaced) holder is not
      expect(await claim(client, taskQueue, key, { dossierId: holder })).toEqual({ dossierId: holder, claimed: true });
      expect(await claim(client, taskQueue, key, { dossierId: 'D-new', replacing: 'D-other' })).toEqual({ dossierId: holder, claimed: false });
      // two referrals racing past the same stale holder: the first replaces it, the second sees the new holder
      const [a, b] = [await claim(client, taskQueue, key, { dossierId: 'D-a', replacing: holder }), await claim(client, taskQueue, key, { dossierId: 'D-b', replacing: holder })];
      expect([a, b]).toEqual([{ dossierId: 'D-a', claimed: true }, { dossierId: 'D-a', claimed: false }]);
      // released by another dossier: nothing; by its holder: the registry completes, a new claim starts a new run
      const registry = client.workflow.getHandle(childRegistryId(key));
      await registry.signal(releaseChildSignal, { dossierId: 'D-b' });
      expect((await registry.describe()).status.name).toBe('RUNNING');
      await registry.signal(releaseChildSignal, { dossierId: 'D-a' });
      await registry.result();
      expect(await claim(client, taskQueue, key, { dossierId: 'D-c' })).toEqual({ dossierId: 'D-c', claimed: true });
    });
  });

  it('is released by its case when the case closes', async () => {
    await harness.withCase({ childRegistry: true }, async (c) => {
      const client = harness.env.client;
      const taskQueue = (await c.handle.describe()).taskQueue;
      // the helpers' child key is ck-<dossierId>: the API claims the registry before it starts the case
      expect(await claim(client, taskQueue, c.input.childKey, { dossierId: c.dossierId })).toEqual({ dossierId: c.dossierId, claimed: true });
      const registry = client.workflow.getHandle(childRegistryId(c.input.childKey));
      const refused = await c.handle.executeUpdate(recordConsentUpdate, { args: [{ ...meta(REF), decision: 'REFUSED', signedOn: c.input.referral.referredOn, dataSharingInformed: true }] });
      expect(refused.stage).toBe('CLOSED');
      await registry.result();
      expect((await registry.describe()).status.name).toBe('COMPLETED');
    });
  });

  it('a run started with its claimant holds it (query), ignores another release, completes on its own, and a new run starts after', async () => {
    await harness.withCase({}, async (c) => {
      const client = harness.env.client;
      const taskQueue = (await c.handle.describe()).taskQueue;
      const key = `ck-start-${c.dossierId}`;
      const registry = await startClaim(client, taskQueue, key, 'D-1');
      await expect(startClaim(client, taskQueue, key, 'D-2')).rejects.toThrow(/already started/i);
      expect(await registry.query(registryHolderQuery)).toBe('D-1');
      expect((await registry.describe()).memo).toEqual({ holder: 'D-1' });
      await registry.signal(releaseChildSignal, { dossierId: 'D-2' });
      expect(await registry.query(registryHolderQuery)).toBe('D-1');
      await registry.signal(releaseChildSignal, { dossierId: 'D-1' });
      await registry.result();
      expect(await (await startClaim(client, taskQueue, key, 'D-3')).query(registryHolderQuery)).toBe('D-3');
    });
  });

  it('a case referred before the registry (no childRegistry in its input) releases the registry the backfill started for it', async () => {
    await harness.withCase({}, async (c) => {
      const client = harness.env.client;
      const taskQueue = (await c.handle.describe()).taskQueue;
      expect(c.input.childRegistry).toBeUndefined();
      const registry = await startClaim(client, taskQueue, c.input.childKey, c.dossierId);
      const refused = await c.handle.executeUpdate(recordConsentUpdate, { args: [{ ...meta(REF), decision: 'REFUSED', signedOn: c.input.referral.referredOn, dataSharingInformed: true }] });
      expect(refused.stage).toBe('CLOSED');
      await registry.result();
      expect((await registry.describe()).status.name).toBe('COMPLETED');
    });
  });
});
