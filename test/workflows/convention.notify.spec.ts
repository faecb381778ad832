/**
 * A reminder the mail server keeps refusing must hold back neither the convention (its other work: starting its
 * years when the last party signs, answering that signature) nor a funding year (its other reminders, and telling
 * its convention about its changes): each notification is recorded by its own activity, all at once.
 * On the dev server (real time): the refused activities retry on their real backoff.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { recordRequestUpdate, recordSignatureUpdate } from '../../workflows/convention/convention.contract';
import { addDays, dateOf } from '../../workflows/shared/calendar';
import { refusingMailServer } from '../support/refusing-mail-server';
import { devServerEnv, testDataConverter, testWorker, uniqueTaskQueue } from '../support/temporal';
import { cleanup, conventionState, eventually, kindsOf, makeEnforceable, meta, notificationsOf, recordingActivities, startConvention, yearHandle, type StartedConvention } from './convention.helpers';

describe('convention notifications (dev server)', () => {
  let env: TestWorkflowEnvironment;
  let current: StartedConvention | undefined;

  beforeAll(async () => {
    env = await devServerEnv({ dataConverter: testDataConverter() });
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('starts the years and records their reminders while the signature reminder keeps failing, and a year reports to its convention while one of its reminders keeps failing', async () => {
    const taskQueue = uniqueTaskQueue('convention-notify');
    const today = dateOf(Date.now());
    // two past years, the convention in effect for 119 days: every deadline of the first one (request, report) had
    // passed when it opened, the second one's request too; their catch-up dates (opening + 30 days) have passed since
    const first = Number(today.slice(0, 4)) - 2;
    const enforceable = addDays(today, -120);
    const effectiveOn = addDays(enforceable, 1);
    const catchUp = addDays(effectiveOn, 30);
    const { outbox, activities: recording } = recordingActivities();
    // the mail server refuses the signature reminder, and the first year's request escalation, again and again
    const { activities, refused } = refusingMailServer(
      recording,
      (req) => req.kind === 'SIGNATURE_REMINDER' || (req.kind === 'REQUEST_ESCALATION' && req.key.endsWith(`-${first}:REQUEST_ESCALATION:${catchUp}`)),
    );
    const worker = await testWorker(env, taskQueue, activities, { dataConverter: testDataConverter() });
    try {
      await worker.runUntil(async () => {
        current = await startConvention(env, taskQueue, [first, first + 1]);
        const c = current;
        // the signature reminder (enforceable + 15 days) is due at once
        await makeEnforceable(c, enforceable);
        await c.handle.executeUpdate(recordSignatureUpdate, { args: [{ ...meta(), party: 'STATE', signatory: 'Le préfet', signedOn: enforceable }] });
        await eventually(() => expect(refused.map((r) => r.kind)).toContain('SIGNATURE_REMINDER'));

        // the last signature answers once both years' workflows exist: the failing reminder does not hold them back
        const inEffect = await c.handle.executeUpdate(recordSignatureUpdate, { args: [{ ...meta(), party: 'BENEFICIARY', signatory: 'M. HOAREAU', signedOn: effectiveOn }] });
        expect(inEffect.stage).toBe('IN_EFFECT');
        const keys = () => notificationsOf(outbox, c.ref).map((n) => n.key);
        await eventually(() => expect(keys()).toContain(`convention-${c.ref}-${first + 1}:REQUEST_ESCALATION:${catchUp}`), 30_000);
        // the first year's report reminder goes out while its request escalation keeps failing
        await eventually(() => expect(keys()).toContain(`convention-${c.ref}-${first}:PAYMENT_AT_RISK:${catchUp}`), 30_000);
        expect(refused.map((r) => r.kind)).toContain('REQUEST_ESCALATION');

        // and the year still tells its convention about a change
        await yearHandle(env, c.ref, first).executeUpdate(recordRequestUpdate, { args: [{ ...meta(), sentOn: today }] });
        await eventually(async () => expect((await conventionState(c)).years.find((y) => y.year === first)?.stage).toBe('AWAITING_REPORT'), 30_000);

        // the refused ones are still being retried, never recorded
        expect(kindsOf(outbox, c.ref).filter((k) => k.startsWith('SIGNATURE_REMINDER'))).toEqual([]);
        expect(keys().filter((k) => k.endsWith(`-${first}:REQUEST_ESCALATION:${catchUp}`))).toEqual([]);
      });
    } finally {
      await cleanup(env, current);
    }
  });
});
