/**
 * Workflow timers that reach people: the parcours consent reminder (J+15) of a backdated case fires on the dev server,
 * its notification workflow e-mails it, and a real SMTP server receives exactly one e-mail per recipient — also when
 * the worker process is killed in the middle of sending it and a new one takes over.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnNode, type NodeProcess } from '../../bench/lib/processes';
import { createActivities } from '../../activities/index';
import { messageIdFor, senderDomain, smtpMailer, type Mailer } from '../../activities/mailer';
import { notificationWorkflowId, TemporalNotifications } from '../../activities/notification-records';
import { notificationRecordQuery } from '../../workflows/notifications/notification.contract';
import type { AppConfig } from '../../src/config/env';
import { StaffDirectory } from '../../src/staff/staff-directory';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { devServerAddress, devServerEnv, testWorker, uniqueTaskQueue } from '../support/temporal';
import { cleanup, startCase, type StartedCase } from './parcours.helpers';
import { addDays, dateOf } from '../../workflows/shared/calendar';

const STAFF = 'u-ref-1=referent1@ccas.test,u-coord-1=coordination@ccas.test';
const FROM = 'PRE Dijon <pre-noreply@ccas.test>';
const REFERENT = 'referent1@ccas.test';
const COORDINATOR = 'coordination@ccas.test';

/** Polls in real time (the dev server's clock). */
async function until<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('notifications by e-mail from workflow timers (real SMTP server)', () => {
  let smtp: TestSmtpServer;
  let dir: string;
  let started: StartedCase | undefined;
  const reminders = (to: string) => smtp.mails.filter((m) => m.to.includes(to) && m.headers['x-pre-notification-kind'] === 'CONSENT_REMINDER');

  beforeAll(async () => {
    smtp = await startSmtpServer();
    dir = mkdtempSync(join(process.env.PRE_TEST_TMP ?? tmpdir(), 'notify-smtp-'));
  });
  afterAll(async () => {
    await smtp?.close();
  });
  beforeEach(() => {
    smtp.mails.length = 0;
    smtp.received.length = 0;
    smtp.dropped.length = 0;
    smtp.behaviour = () => ({});
  });
  afterEach(async () => {
    await cleanup(started?.handle);
    started = undefined;
  });

  it('sends the J+15 consent reminder as exactly one e-mail to the référent and one to the coordinator', async () => {
    const devEnv = await devServerEnv();
    const taskQueue = uniqueTaskQueue('notify');
    const records = new TemporalNotifications(devEnv.client, taskQueue, 15_000);
    const staff = new StaffDirectory({ STAFF_DIRECTORY: STAFF, PRE_COORDINATOR_ID: 'u-coord-1' } as AppConfig);
    const mailer: Mailer = smtpMailer({ url: smtp.url, from: FROM, timeoutSeconds: 5 });
    const activities = createActivities({ notifications: records, resolveRecipient: (r) => staff.resolve(r), mailer, mailDomain: senderDomain(FROM), temporalClient: devEnv.client });
    const worker = await testWorker(devEnv, taskQueue, activities);
    try {
      await worker.runUntil(async () => {
        const c = (started = await startCase(devEnv, taskQueue, { referredOn: addDays(dateOf(Date.now()), -16) }));
        const d0 = c.input.referral.referredOn;
        const key = `parcours-${c.dossierId}:CONSENT_REMINDER:${addDays(d0, 60)}`;
        await until(() => reminders(REFERENT).length === 1 && reminders(COORDINATOR).length === 1, 'the two reminders');
        const recorded = await until(async () => {
          const r = await records.get(key);
          return r?.deliveries.every((d) => d.status === 'SENT') ? r : undefined;
        }, 'both copies SENT');
        // recording the same key again (a retried or replayed notify) sends nothing and answers the first record
        const again = await records.record({ key, kind: 'CONSENT_REMINDER', recipients: ['u-ref-1'], subject: 'autre', body: 'autre' }, []);
        expect(again).toEqual({ record: expect.objectContaining({ id: recorded.id, subject: recorded.subject }), created: false });
        await new Promise((r) => setTimeout(r, 1000));
        expect(reminders(REFERENT).map((m) => ({ subject: m.subject, messageId: m.messageId }))).toEqual([
          { subject: recorded.subject, messageId: messageIdFor(key, 'u-ref-1', 'ccas.test') },
        ]);
        expect(reminders(COORDINATOR).map((m) => m.messageId)).toEqual([messageIdFor(key, 'u-coord-1', 'ccas.test')]);
        expect(recorded.subject).toContain(c.dossierId);
        expect(recorded.subject).toMatch(/consentement/i);
        expect(`${reminders(REFERENT)[0].subject}\n${reminders(REFERENT)[0].text}`).not.toMatch(/Lina|Benali|Samira/);
        expect(recorded.deliveries).toEqual([
          expect.objectContaining({ recipient: 'u-ref-1', address: REFERENT, status: 'SENT', attempts: 1 }),
          expect.objectContaining({ recipient: 'u-coord-1', address: COORDINATOR, status: 'SENT', attempts: 1 }),
        ]);
        // the workflow's query answers the same record as its memo
        const live = await devEnv.client.workflow.getHandle(notificationWorkflowId(key)).query(notificationRecordQuery);
        expect(live).toEqual(recorded);
        await devEnv.client.workflow.getHandle(notificationWorkflowId(key)).terminate('test over');
      });
    } finally {
      mailer.close();
      await devEnv.teardown();
    }
  });

  it('sends it once when the worker process is killed in the middle of the SMTP transaction and another takes over (dev server)', async () => {
    // On the dev server (real time), where a killed worker's polls end with its connection; the case is backdated so
    // that its J+15 timer is already due when it starts.
    const devEnv = await devServerEnv();
    const taskQueue = uniqueTaskQueue('notify-kill');
    const records = new TemporalNotifications(devEnv.client, taskQueue, 17_000);
    // TypeScript without a build: a require hook that transpiles the sources the worker process loads
    const register = join(dir, 'ts-register.js');
    writeFileSync(
      register,
      `const ts = require(${JSON.stringify(require.resolve('typescript'))});
const fs = require('fs');
require.extensions['.ts'] = (module, filename) => {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), { fileName: filename, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, experimentalDecorators: true, emitDecoratorMetadata: true } });
  module._compile(out.outputText, filename);
};`,
    );
    const spawnWorker = async (name: string, extra: Record<string, string> = {}): Promise<NodeProcess> => {
      const p = spawnNode(
        name,
        join(__dirname, 'notifications.worker-process.ts'),
        {
          TEMPORAL_ADDRESS: devServerAddress(),
          TASK_QUEUE: taskQueue,
          PRE_TEST_WORKFLOW_BUNDLE: process.env.PRE_TEST_WORKFLOW_BUNDLE!,
          SMTP_URL: smtp.url,
          // a 6 s SMTP timeout gives an attempt 17 s (2 × 6 + 5): the killed worker's attempt times out after that, then is sent again
          SMTP_TIMEOUT_SECONDS: '6',
          STAFF_DIRECTORY: STAFF,
          PRE_COORDINATOR_ID: 'u-coord-1',
          ...extra,
        },
        ['-r', register],
      );
      await p.waitForOutput(/worker polling/, 60_000);
      return p;
    };
    // the mail server holds its answer to the référent's first reminder until the worker is gone: it is never told "250"
    let release: () => void = () => undefined;
    const hold = new Promise<void>((r) => (release = r));
    smtp.behaviour = (mail) =>
      mail.headers['x-pre-notification-kind'] === 'CONSENT_REMINDER' && mail.to.includes(REFERENT) && smtp.received.filter((r) => r.subject === mail.subject && r.to.includes(REFERENT)).length === 1 ? { hold } : {};
    // a worker as deployed (its workflow cache on: the notify local activity needs it): after the kill, the workflows it
    // had cached wait for its dead sticky queue's timeout (5 s) before the other worker takes them
    let first: NodeProcess | undefined = await spawnWorker('worker-1');
    let second: NodeProcess | undefined;
    try {
      const c = (started = await startCase(devEnv, taskQueue, { referredOn: addDays(dateOf(Date.now()), -16) }));
      const d0 = c.input.referral.referredOn;
      const key = `parcours-${c.dossierId}:CONSENT_REMINDER:${addDays(d0, 60)}`;
      await until(() => smtp.received.some((r) => r.messageId === messageIdFor(key, 'u-ref-1', 'ccas.test')), 'the first reminder on the wire');
      // the coordinator's copy (not held back) is SENT before the kill: only the référent's is cut
      await until(async () => (await records.get(key))?.deliveries.find((d) => d.recipient === 'u-coord-1')?.status === 'SENT', "the coordinator's copy SENT");
      await first.kill();
      first = undefined;
      expect((await records.get(key))?.deliveries.map((d) => d.status)).toEqual(['SENDING', 'SENT']);
      second = await spawnWorker('worker-2');
      // the killed attempt times out (17 s), the notification workflow marks it FAILED and sends it again (same Message-ID)
      await until(async () => (await records.get(key))?.deliveries.every((d) => d.status === 'SENT'), 'every copy SENT', 60_000);
      await new Promise((r) => setTimeout(r, 1000));
      expect(smtp.dropped.map((m) => m.to)).toEqual([[REFERENT]]); // cut off by the kill before "250": never committed
      expect(reminders(REFERENT).map((m) => m.messageId)).toEqual([messageIdFor(key, 'u-ref-1', 'ccas.test')]);
      expect(reminders(COORDINATOR).map((m) => m.messageId)).toEqual([messageIdFor(key, 'u-coord-1', 'ccas.test')]);
      expect((await records.get(key))?.deliveries).toEqual([
        expect.objectContaining({ recipient: 'u-ref-1', status: 'SENT', attempts: 2 }),
        expect.objectContaining({ recipient: 'u-coord-1', status: 'SENT', attempts: 1 }),
      ]);
      await until(async () => (await records.ofDossier(c.dossierId)).filter((n) => n.kind === 'CONSENT_REMINDER').length === 1, 'one record listed');
      await devEnv.client.workflow.getHandle(notificationWorkflowId(key)).terminate('test over');
    } finally {
      await first?.kill();
      release();
      await second?.stop(2000);
      await cleanup(started?.handle);
      started = undefined;
      await devEnv.teardown();
    }
  });
});
