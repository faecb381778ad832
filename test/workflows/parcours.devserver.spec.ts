/**
 * The parcours workflow on the run's real dev server, with the production data converter (encrypted payloads,
 * encoded failures): update-with-start answers the first state, the search attributes are queryable in visibility
 * (the supervisor's filters and the duplicate-referral check), refusals keep their type and sentence, and a
 * completed case refuses updates.
 */
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { assignReferentUpdate, closeParcoursUpdate, createReferralUpdate, DEFAULT_PARCOURS_SETTINGS, recordTeamReviewUpdate, workflowIdFor, type ParcoursInput } from '../../workflows/parcours/parcours.contract';
import { parcoursWorkflow } from '../../workflows/parcours/parcours.workflow';
import { devServerEnv, testDataConverter, testWorker, uniqueTaskQueue } from '../support/temporal';
import { COORD, eventually, meta, recordingActivities, referral, refusal, REF, searchAttributesOf, settle, stateOf } from './parcours.helpers';
import { initialSearchAttributes, staticSummaryFor } from '../../workflows/parcours/parcours.view';
import { addMonths } from '../../workflows/shared/calendar';

describe('parcours on the dev server', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await devServerEnv({ dataConverter: testDataConverter() });
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('answers POST /parcours in one call with update-with-start, and is found by its search attributes', async () => {
    const taskQueue = uniqueTaskQueue('parcours-dev');
    const { activities } = recordingActivities(env.client);
    const worker = await testWorker(env, taskQueue, activities, { dataConverter: testDataConverter() });
    await worker.runUntil(async () => {
      const dossierId = `D-${randomUUID().slice(0, 8)}`;
      const childKey = `ck-${randomUUID()}`;
      const today = new Date().toISOString().slice(0, 10);
      const input: ParcoursInput = { dossierId, referral: referral(today), childKey, settings: DEFAULT_PARCOURS_SETTINGS, createdBy: REF, createdAt: new Date().toISOString() };
      const first = await env.client.workflow.executeUpdateWithStart(createReferralUpdate, {
        args: [meta(REF, `idem-${dossierId}`)],
        startWorkflowOperation: new WithStartWorkflowOperation(parcoursWorkflow, {
          workflowId: workflowIdFor(dossierId),
          taskQueue,
          args: [input],
          workflowIdConflictPolicy: 'FAIL',
          typedSearchAttributes: initialSearchAttributes(input),
          staticSummary: staticSummaryFor(input.referral),
        }),
      });
      expect(first).toMatchObject({ dossierId, stage: 'AWAITING_CONSENT', eligibility: { eligible: true }, referentId: 'u-ref-1' });
      const handle = env.client.workflow.getHandle(workflowIdFor(dossierId));

      // The duplicate-referral check and the supervisor's filters read visibility (eventually consistent).
      const ids = await eventually(async () => {
        const found: string[] = [];
        for await (const wf of env.client.workflow.list({ query: `PreChildKey = '${childKey}' AND PreStage != 'CLOSED'` })) found.push(wf.workflowId);
        expect(found).toEqual([workflowIdFor(dossierId)]);
        return found;
      });
      expect(ids).toHaveLength(1);
      const d = await handle.describe();
      expect(await d.staticSummary()).toBe("Parcours PRE · Grésilles · 6–10 ans · orienté par l'école");
      // The UI's current details: stage, next deadline and what it is, no personal data.
      const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      expect(metadata.currentDetails).toContain('**Étape** : En attente du consentement');
      expect(metadata.currentDetails).toContain('Clôture sans consentement');
      expect(metadata.currentDetails).not.toMatch(/Lina|Benali|Samira|Cirey/);
      expect(Object.fromEntries(d.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value instanceof Date ? p.value.toISOString() : p.value]))).toMatchObject({
        PreStage: 'AWAITING_CONSENT',
        PreQpv: 'GRESILLES',
        PreReferentId: 'u-ref-1',
        PreAgeBand: '6-10',
        PreOverdue: false,
        PreNextDeadlineKind: 'CONSENT_EXPIRY',
        PreChildKey: childKey,
      });

      // Refusals keep their type and sentence through the encoded-failure converter.
      expect(await refusal(handle.executeUpdate(recordTeamReviewUpdate, { args: [{ ...meta(COORD), meetingDate: today, decision: 'MORE_INFO' }] }))).toEqual({
        type: 'InvalidTransition',
        message: 'The case is in stage AWAITING_CONSENT, which accepts: consent, events, derogations, referent, closure.',
        details: { dossierId, stage: 'AWAITING_CONSENT', accepts: ['consent', 'events', 'derogations', 'referent', 'closure'] },
      });

      await handle.executeUpdate(closeParcoursUpdate, { args: [{ ...meta(COORD), reason: 'OTHER', motive: 'Test', closedOn: today, summary: 'Fin du test.' }] });
      await settle(handle);
      await eventually(async () => {
        const found: string[] = [];
        for await (const wf of env.client.workflow.list({ query: `PreChildKey = '${childKey}' AND PreStage != 'CLOSED'` })) found.push(wf.workflowId);
        expect(found).toEqual([]);
      });
      // A closed case is held for its retention period: it refuses every change (409 "closed" through the API)
      // and shows until when its personal data are kept.
      const late = handle.executeUpdate(assignReferentUpdate, { args: [{ ...meta(COORD), referentId: 'u-ref-2' }] });
      expect(await refusal(late)).toMatchObject({ type: 'Closed' });
      await eventually(async () => expect(await searchAttributesOf(handle)).toMatchObject({ PreStage: 'CLOSED', PreRetention: 'HELD', PrePurgeOn: `${addMonths(today, 6)}T00:00:00.000Z` }));
      expect((await handle.describe()).status.name).toBe('RUNNING');
      // closed before the EPS validated it: a referral that never became a parcours, kept 6 months (not 24)
      expect(await stateOf(handle)).toMatchObject({ stage: 'CLOSED', retention: { lastContactOn: today, retentionMonths: 6, purgeOn: addMonths(today, 6), followed: false } });
    });
  });
});
