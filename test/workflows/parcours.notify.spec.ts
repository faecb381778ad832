/**
 * A notification the mail server keeps refusing must hold back neither the case's other notifications (an urgent
 * safeguarding escalation above all) nor the case itself: each is recorded by its own activity, all at once.
 * On the dev server (real time): the refused activity retries on its real backoff.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { NotificationRequest } from '../../activities/notifications.types';
import { DEFAULT_PARCOURS_SETTINGS, closeParcoursUpdate, createReferralUpdate, getClosingSummaryQuery, recordConsentUpdate, recordLifeEventUpdate, workflowIdFor, type ParcoursInput } from '../../workflows/parcours/parcours.contract';
import { parcoursWorkflow } from '../../workflows/parcours/parcours.workflow';
import { refusingMailServer } from '../support/refusing-mail-server';
import { devServerEnv, testDataConverter, testWorker, uniqueTaskQueue } from '../support/temporal';
import { COORD, eventually, kindsOf, meta, recordingActivities, referral, REF, stateOf } from './parcours.helpers';
import { addDays } from '../../workflows/shared/calendar';

describe('parcours notifications (dev server)', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await devServerEnv({ dataConverter: testDataConverter() });
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('records the later notifications, the safeguarding escalation included, while an earlier one keeps failing', async () => {
    const taskQueue = uniqueTaskQueue('parcours-notify');
    const { outbox, activities: recording } = recordingActivities();
    // the mail server refuses the acknowledgement to the orienteur, again and again (a transient 4xx)
    const { activities, refused } = refusingMailServer(recording, (req) => req.kind === 'REFERRAL_ACK');
    const worker = await testWorker(env, taskQueue, activities, { dataConverter: testDataConverter() });
    const dossierId = `D-${randomUUID().slice(0, 8)}`;
    const today = new Date().toISOString().slice(0, 10);
    const referredOn = addDays(today, -20); // the J+15 consent reminder is already due
    const input: ParcoursInput = { dossierId, referral: referral(referredOn), childKey: `ck-${dossierId}`, settings: DEFAULT_PARCOURS_SETTINGS, createdBy: REF, createdAt: new Date().toISOString() };
    const handle = await env.client.workflow.start(parcoursWorkflow, { workflowId: workflowIdFor(dossierId), taskQueue, args: [input] });
    try {
      await worker.runUntil(async () => {
        await handle.executeUpdate(createReferralUpdate, { args: [meta(REF)] });
        // the reminder is keyed by the consent expiry it announces
        await eventually(async () => expect(kindsOf(outbox, dossierId)).toEqual([`CONSENT_REMINDER@${addDays(referredOn, 60)}`]));
        await handle.executeUpdate(recordConsentUpdate, {
          args: [{ ...meta(REF), decision: 'GRANTED', signedOn: today, signedBy: [{ name: 'Samira Benali', relationship: 'MOTHER' }], dataSharingInformed: true }],
        });
        await handle.executeUpdate(recordLifeEventUpdate, { args: [{ ...meta(REF), type: 'SAFEGUARDING_CONCERN', occurredOn: today }] });
        await eventually(async () => expect(kindsOf(outbox, dossierId)).toContain(`SAFEGUARDING_ESCALATION@${today}`));
        // the refused one is still being retried, and the case goes on meanwhile
        expect(refused.length).toBeGreaterThanOrEqual(1);
        expect(kindsOf(outbox, dossierId).filter((k) => k.startsWith('REFERRAL_ACK'))).toEqual([]);
        expect((await stateOf(handle)).stage).toBe('AWAITING_TEAM_REVIEW');
      });
    } finally {
      await handle.terminate('end of test').catch(() => undefined);
    }
  });

  it('drops a notification the activity refuses for good without failing a workflow task, and the case still closes', async () => {
    const taskQueue = uniqueTaskQueue('parcours-notify');
    const { outbox, activities } = recordingActivities();
    const worker = await testWorker(
      env,
      taskQueue,
      {
        ...activities,
        // a request the activity can never record (a non-retryable refusal): the workflow must go on without it
        notify: async (req: NotificationRequest) => {
          if (req.kind === 'REFERRAL_ACK') throw ApplicationFailure.nonRetryable('no recipient can be resolved', 'BadInput');
          return activities.notify(req);
        },
      },
      { dataConverter: testDataConverter() },
    );
    const dossierId = `D-${randomUUID().slice(0, 8)}`;
    const today = new Date().toISOString().slice(0, 10);
    const input: ParcoursInput = { dossierId, referral: referral(today), childKey: `ck-${dossierId}`, settings: DEFAULT_PARCOURS_SETTINGS, createdBy: REF, createdAt: new Date().toISOString() };
    const handle = await env.client.workflow.start(parcoursWorkflow, { workflowId: workflowIdFor(dossierId), taskQueue, args: [input] });
    try {
      await worker.runUntil(async () => {
        await handle.executeUpdate(createReferralUpdate, { args: [meta(REF)] });
        await handle.executeUpdate(closeParcoursUpdate, { args: [{ ...meta(COORD), reason: 'OTHER', motive: 'Départ', closedOn: today, summary: 'Fin du suivi.' }] });
        // the closing summary is there once every notification is recorded or given up
        await eventually(async () => expect(await handle.query(getClosingSummaryQuery)).toMatchObject({ closureReason: 'OTHER' }), 30_000);
        expect(kindsOf(outbox, dossierId).filter((k) => k.startsWith('REFERRAL_ACK'))).toEqual([]);
        const events = (await handle.fetchHistory()).events ?? [];
        expect(events.filter((e) => e.workflowTaskFailedEventAttributes)).toEqual([]);
        expect(events.some((e) => e.activityTaskFailedEventAttributes)).toBe(true);
      });
    } finally {
      await handle.terminate('end of test').catch(() => undefined);
    }
  });
});
