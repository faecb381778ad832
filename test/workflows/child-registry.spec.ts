/**
 * The child registry of the duplicate check (issue 17, workflows/registry/child-registry.ts): one holder per child,
 * claims applied one at a time, a stale holder replaced only by who saw it, released by its case when it closes.
 */
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import { childRegistryId, claimChildUpdate, releaseChildSignal, type ClaimChildInput, type childRegistryWorkflow } from '../../workflows/registry/child-registry';
import { recordConsentUpdate } from '../../workflows/parcours/parcours.contract';
import { meta, REF, timeSkippingCases } from './parcours.helpers';

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
});
