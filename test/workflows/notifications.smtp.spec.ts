/**
 * Workflow timers that reach people: the parcours consent reminder (J+15) fires on the time-skipping server and a
 * real SMTP server receives exactly one e-mail per recipient — also when the worker process is killed in the middle
 * of sending it and a new one takes over.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { spawnNode, type NodeProcess } from '../../bench/lib/processes';
import { createActivities } from '../../activities/index';
import { messageIdFor, senderDomain, smtpMailer, type Mailer } from '../../activities/mailer';
import { Outbox } from '../../activities/outbox';
import type { AppConfig } from '../../src/config/env';
import { StaffDirectory } from '../../src/staff/staff-directory';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { devServerAddress, devServerEnv, testWorker, timeSkippingEnv, uniqueTaskQueue } from '../support/temporal';
import { cleanup, registerSearchAttributes, sleepUntil, startCase, type StartedCase } from './parcours.helpers';
import { addDays, dateOf } from '../../workflows/shared/calendar';

const STAFF = 'u-ref-1=referent1@ccas.test,u-coord-1=coordination@ccas.test';
const FROM = 'PRE Dijon <pre-noreply@ccas.test>';
const REFERENT = 'referent1@ccas.test';
const COORDINATOR = 'coordination@ccas.test';

/** Polls in real time: activities run in real time while the test server's clock is skipped. */
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
  let env: TestWorkflowEnvironment;
  let smtp: TestSmtpServer;
  let dir: string;
  let started: StartedCase | undefined;
  const reminders = (to: string) => smtp.mails.filter((m) => m.to.includes(to) && m.headers['x-pre-notification-kind'] === 'CONSENT_REMINDER');

  beforeAll(async () => {
    env = await timeSkippingEnv();
    await registerSearchAttributes(env);
    smtp = await startSmtpServer();
    dir = mkdtempSync(join(process.env.PRE_TEST_TMP ?? tmpdir(), 'notify-smtp-'));
  });
  afterAll(async () => {
    await smtp?.close();
    await env?.teardown();
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
    const taskQueue = uniqueTaskQueue('notify');
    const outbox = new Outbox(join(dir, `${taskQueue}.jsonl`));
    const staff = new StaffDirectory({ STAFF_DIRECTORY: STAFF, PRE_COORDINATOR_ID: 'u-coord-1' } as AppConfig);
    const mailer: Mailer = smtpMailer({ url: smtp.url, from: FROM, timeoutSeconds: 5 });
    const activities = createActivities({ outbox, resolveRecipient: (r) => staff.resolve(r), mailer, mailDomain: senderDomain(FROM) });
    const worker = await testWorker(env, taskQueue, activities);
    await worker.runUntil(async () => {
      const c = (started = await startCase(env, taskQueue));
      const d0 = c.input.referral.referredOn;
      await sleepUntil(env, addDays(d0, 14));
      expect(reminders(REFERENT)).toHaveLength(0);
      await sleepUntil(env, addDays(d0, 15));
      await until(() => reminders(REFERENT).length === 1 && reminders(COORDINATOR).length === 1, 'the two reminders');
      // later days bring no second copy
      await sleepUntil(env, addDays(d0, 20));
      await new Promise((r) => setTimeout(r, 500));
      const key = `parcours-${c.dossierId}:CONSENT_REMINDER:${addDays(d0, 60)}`;
      const recorded = outbox.get(key)!;
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
    });
    mailer.close();
  });

  it('sends it once when the worker process is killed in the middle of the SMTP transaction and another takes over (dev server)', async () => {
    // On the dev server (real time), where a killed worker's polls end with its connection; the case is backdated so
    // that its J+15 timer is already due when it starts.
    const devEnv = await devServerEnv();
    const taskQueue = uniqueTaskQueue('notify-kill');
    const outboxFile = join(dir, `${taskQueue}.jsonl`);
    const outbox = new Outbox(outboxFile);
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
          OUTBOX_FILE: outboxFile,
          SMTP_URL: smtp.url,
          // a 1 s SMTP timeout makes the SENDING lease 7 s: the new worker waits that long for the killed one
          SMTP_TIMEOUT_SECONDS: '1',
          STAFF_DIRECTORY: STAFF,
          PRE_COORDINATOR_ID: 'u-coord-1',
          ...extra,
        },
        ['-r', register],
      );
      await p.waitForOutput(/worker polling/, 60_000);
      return p;
    };
    // the mail server holds its answer to the first reminder: the worker dies before it is told "250"
    smtp.behaviour = (mail) =>
      mail.headers['x-pre-notification-kind'] === 'CONSENT_REMINDER' && smtp.received.filter((r) => r.subject === mail.subject).length === 1 ? { delayMs: 900 } : {};
    // no workflow cache on the first worker: its cases do not wait for a dead sticky queue
    let first: NodeProcess | undefined = await spawnWorker('worker-1', { MAX_CACHED_WORKFLOWS: '0' });
    let second: NodeProcess | undefined;
    try {
      const c = (started = await startCase(devEnv, taskQueue, { referredOn: addDays(dateOf(Date.now()), -16) }));
      const d0 = c.input.referral.referredOn;
      const key = `parcours-${c.dossierId}:CONSENT_REMINDER:${addDays(d0, 60)}`;
      await until(() => smtp.received.some((r) => r.messageId === messageIdFor(key, 'u-ref-1', 'ccas.test')), 'the first reminder on the wire');
      await first.kill();
      first = undefined;
      expect(outbox.get(key)?.deliveries.map((d) => d.status)).toEqual(['SENDING', 'QUEUED']);
      second = await spawnWorker('worker-2');
      // The killed attempt would time out after the workflow's start-to-close timeout (1 minute); report it failed
      // now, as that timeout would, to keep the test short.
      const pending = await until(async () => (await c.handle.describe()).raw.pendingActivities?.find((a) => a.activityType?.name === 'notify'), 'the pending notify');
      await devEnv.asyncCompletionClient.fail({ workflowId: c.handle.workflowId, activityId: pending.activityId! }, new Error('worker process killed'));
      // the retry leaves the copy to the killed attempt until its lease ends, then sends what is missing
      await until(() => outbox.get(key)?.deliveries.every((d) => d.status === 'SENT'), 'every copy SENT', 45_000);
      await new Promise((r) => setTimeout(r, 1000));
      expect(smtp.dropped.map((m) => m.to)).toEqual([[REFERENT]]); // cut off by the kill before "250": never committed
      expect(reminders(REFERENT).map((m) => m.messageId)).toEqual([messageIdFor(key, 'u-ref-1', 'ccas.test')]);
      expect(reminders(COORDINATOR).map((m) => m.messageId)).toEqual([messageIdFor(key, 'u-coord-1', 'ccas.test')]);
      expect(outbox.get(key)?.deliveries).toEqual([
        expect.objectContaining({ recipient: 'u-ref-1', status: 'SENT', attempts: 2 }),
        expect.objectContaining({ recipient: 'u-coord-1', status: 'SENT', attempts: 1 }),
      ]);
      expect(outbox.list().filter((n) => n.kind === 'CONSENT_REMINDER')).toHaveLength(1);
    } finally {
      await first?.kill();
      await second?.stop(2000);
      await cleanup(started?.handle);
      started = undefined;
      await devEnv.teardown();
    }
  });
});
