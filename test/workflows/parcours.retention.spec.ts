/**
 * Retention of a closed case on the time-skipping server (issue 6, DOMAIN.md §5): a closed case keeps its data
 * 24 months after the last contact and answers the API meanwhile; then its personal data leave it — the API answers
 * 410 Gone, the case's current history holds nothing about the child (not even decoded with the key), and the
 * anonymised figures of the yearly report remain.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { closeParcoursUpdate, getStateQuery, isPurgedView, recordConsentUpdate, recordLifeEventUpdate, workflowIdFor, type PurgedCaseView } from '../../workflows/parcours/parcours.contract';
import { caseFiguresOf, CASE_FIGURES_MEMO_KEY } from '../../workflows/parcours/parcours.figures';
import { newDossierId } from '../../src/parcours/dossier-id';
import { startTestApp, type TestApp } from '../support/app';
import { decodedHistoryText, type History } from '../support/privacy';
import { testDataConverter, testWorker, timeSkippingEnv, uniqueTaskQueue } from '../support/temporal';
import {
  activate,
  cleanup,
  closingSummaryOf,
  COORD,
  meta,
  recordingActivities,
  REF,
  settle,
  sleepUntil,
  startCase,
  stateOf,
  type StartedCase,
  type StartOptions,
} from './parcours.helpers';
import { addDays, addMonths } from '../../workflows/shared/calendar';

/** What the referral of parcours.helpers carries about the child and the family. */
const SECRETS = ['Lina', 'Benali', 'Samira', 'Cirey', '+33612345678', 'Free text from the orienteur'];

/** Every payload of a history decoded with the test key, plus the raw history, as text. */
const readableText = (history: History) => decodedHistoryText(history, testDataConverter().payloadCodecs![0]);

describe('retention of a closed case (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let t: TestApp;
  let handle: WorkflowHandle | undefined;

  beforeAll(async () => {
    env = await timeSkippingEnv({ dataConverter: testDataConverter() });
    // The real API on the time-skipping server: reads only (no schedules, no worker of its own).
    t = await startTestApp({ worker: false, env: { TEMPORAL_ADDRESS: env.address, PRE_SCHEDULES_AT_STARTUP: 'false' } });
  });
  afterAll(async () => {
    await cleanup(handle);
    await t?.close();
    await env?.teardown();
  });

  async function withCase(body: (c: StartedCase) => Promise<void>, opts: StartOptions = {}): Promise<void> {
    const taskQueue = uniqueTaskQueue('retention');
    const worker = await testWorker(env, taskQueue, recordingActivities(env.client).activities, { dataConverter: testDataConverter() });
    await worker.runUntil(async () => {
      const c = await startCase(env, taskQueue, { searchAttributes: false, dossierId: newDossierId(), ...opts });
      handle = c.handle;
      await body(c);
      await settle(c.handle);
    });
  }

  const get = async (path: string) => t.http().get(path).set('Authorization', `Bearer ${await t.token('u-coord-1', 'coordinator')}`);

  it('keeps a closed case readable for 24 months after the closure, then purges it: 410, nothing readable left, figures kept', async () => {
    await withCase(async (c) => {
      const d0 = c.input.referral.referredOn;
      // a parcours (validated by the EPS): the followed cases' retention
      await activate(c);
      const closedOn = addDays(d0, 10);
      await sleepUntil(env, closedOn);
      const closed = await c.handle.executeUpdate(closeParcoursUpdate, { args: [{ ...meta(COORD), reason: 'OTHER', motive: 'Départ', closedOn, summary: 'Fin du suivi.' }] });
      const purgeOn = addMonths(closedOn, 24);
      expect(closed).toMatchObject({ stage: 'CLOSED', retention: { lastContactOn: closedOn, retentionMonths: 24, purgeOn } });
      const summary = await closingSummaryOf(env, c.handle);
      const figures = caseFiguresOf(await stateOf(c.handle));

      // The day before the purge the case is still there, child included.
      await sleepUntil(env, addDays(purgeOn, -1));
      const before = await get(`/parcours/${c.dossierId}`);
      expect(before.status).toBe(200);
      expect(before.body).toMatchObject({ dossierId: c.dossierId, stage: 'CLOSED', child: { firstName: 'Lina' }, retention: { purgeOn } });

      // The purge day: the API answers 410 Gone for the case and its timeline, and refuses changes the same way.
      await sleepUntil(env, purgeOn, 2);
      const remains = (await c.handle.query(getStateQuery)) as PurgedCaseView;
      expect(isPurgedView(remains)).toBe(true);
      expect(remains.purged).toMatchObject({ dossierId: c.dossierId, closedOn, closureReason: 'OTHER', lastContactOn: closedOn, purgeOn, erasure: null });
      const gone = await get(`/parcours/${c.dossierId}`);
      expect(gone.status).toBe(410);
      expect(gone.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(gone.body).toMatchObject({ status: 410, title: 'Gone', dossierId: c.dossierId, closedOn, closureReason: 'OTHER', lastContactOn: closedOn, purgedOn: purgeOn });
      expect(gone.body.detail).toContain('purged');
      expect((await get(`/parcours/${c.dossierId}/timeline`)).status).toBe(410);
      const change = await t
        .http()
        .post(`/parcours/${c.dossierId}/consent`)
        .set('Authorization', `Bearer ${await t.token('u-coord-1', 'coordinator')}`)
        .send({ decision: 'GRANTED', signedOn: d0, signedBy: [{ name: 'X', relationship: 'MOTHER' }], dataSharingInformed: true });
      expect(change.status).toBe(410);
      for (const secret of SECRETS) expect(JSON.stringify([gone.body, remains])).not.toContain(secret);

      // The current run's history — input, memo, everything — holds nothing about the child, even decoded.
      const current = await env.client.workflow.getHandle(workflowIdFor(c.dossierId)).fetchHistory();
      const text = await readableText(current);
      for (const secret of [...SECRETS, c.input.referral.child.birthDate]) expect(text).not.toContain(secret);
      // … but the earlier run did (the scan is not blind); the retention schedule deletes it (dev server test).
      const firstRun = await env.client.workflow.getHandle(workflowIdFor(c.dossierId), c.handle.firstExecutionRunId).fetchHistory();
      expect(await readableText(firstRun)).toContain('Benali');

      // The anonymised figures of the report remain, in the memo the report reads.
      const described = await env.client.workflow.getHandle(workflowIdFor(c.dossierId)).describe();
      expect(described.status.name).toBe('RUNNING');
      expect(described.memo?.[CASE_FIGURES_MEMO_KEY]).toEqual(figures);
      expect(figures).toMatchObject({ closure: { reason: 'OTHER', on: closedOn }, qpv: summary.qpv, ageBand: summary.ageBand });
    });
  });

  it('counts the 24 months from the day the family became unreachable when the case closed LOST_CONTACT', async () => {
    await withCase(async (c) => {
      const d0 = c.input.referral.referredOn;
      await activate(c);
      await c.handle.executeUpdate(recordLifeEventUpdate, { args: [{ ...meta(REF), type: 'FAMILY_UNREACHABLE', occurredOn: d0 }] });
      await sleepUntil(env, addDays(d0, 90));
      const summary = await closingSummaryOf(env, c.handle);
      expect(summary).toMatchObject({ closureReason: 'LOST_CONTACT', closedOn: addDays(d0, 90) });
      const view = await stateOf(c.handle);
      expect(view.retention).toEqual({ lastContactOn: d0, retentionMonths: 24, purgeOn: addMonths(d0, 24), followed: true });
      await sleepUntil(env, addMonths(d0, 24), 2);
      const remains = await c.handle.query(getStateQuery);
      expect(isPurgedView(remains) && remains.purged).toMatchObject({ closureReason: 'LOST_CONTACT', lastContactOn: d0, purgeOn: addMonths(d0, 24) });
    });
  });

  it('keeps a referral that never became a parcours (the family refused) 6 months after its closure, then purges it', async () => {
    await withCase(async (c) => {
      const d0 = c.input.referral.referredOn;
      const closed = await c.handle.executeUpdate(recordConsentUpdate, { args: [{ ...meta(REF), decision: 'REFUSED', signedOn: d0, note: 'La famille ne souhaite pas.' }] });
      const purgeOn = addMonths(d0, 6);
      expect(closed).toMatchObject({ stage: 'CLOSED', closure: { reason: 'NO_CONSENT' }, retention: { lastContactOn: d0, retentionMonths: 6, purgeOn, followed: false } });
      await closingSummaryOf(env, c.handle);
      await sleepUntil(env, addDays(purgeOn, -1));
      expect(await stateOf(c.handle)).toMatchObject({ stage: 'CLOSED', child: { firstName: 'Lina' } });
      await sleepUntil(env, purgeOn, 2);
      const remains = await c.handle.query(getStateQuery);
      expect(isPurgedView(remains) && remains.purged).toMatchObject({ closureReason: 'NO_CONSENT', lastContactOn: d0, retentionMonths: 6, purgeOn, followed: false });
      const text = await readableText(await env.client.workflow.getHandle(workflowIdFor(c.dossierId)).fetchHistory());
      for (const secret of SECRETS) expect(text).not.toContain(secret);
    });
  });

  it('keeps an ineligible referral the configured shorter period, never longer than a followed case', async () => {
    // 20 years old on the referral date: closed INELIGIBLE at once
    await withCase(
      async (c) => {
        const d0 = c.input.referral.referredOn;
        expect(c.first).toMatchObject({ stage: 'CLOSED', closure: { reason: 'INELIGIBLE' }, retention: { lastContactOn: d0, retentionMonths: 3, purgeOn: addMonths(d0, 3), followed: false } });
        await closingSummaryOf(env, c.handle);
        await sleepUntil(env, addMonths(d0, 3), 2);
        expect(isPurgedView(await c.handle.query(getStateQuery))).toBe(true);
      },
      { birthDate: '2000-01-01', settings: { notFollowedRetentionMonths: 3 } },
    );
    // a shorter period for followed cases caps the one of referrals
    await withCase(
      async (c) => {
        expect(c.first).toMatchObject({ closure: { reason: 'INELIGIBLE' }, retention: { retentionMonths: 2, followed: false } });
        await closingSummaryOf(env, c.handle);
      },
      { birthDate: '2000-01-01', settings: { retentionMonths: 2, notFollowedRetentionMonths: 6 } },
    );
  });
});
