/**
 * A worker in its own OS process, so that a test can SIGKILL it in the middle of an activity: every workflow of the
 * run's bundle and the real activities, notifications recorded as notification workflows in Temporal (nothing on
 * disk), e-mail through SMTP_URL. Started by test/workflows/notifications.smtp.spec.ts through a TypeScript require
 * hook (no build needed).
 */
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index';
import { senderDomain, smtpMailer } from '../../activities/mailer';
import { TemporalNotifications } from '../../activities/notification-records';
import type { AppConfig } from '../../src/config/env';
import { StaffDirectory } from '../../src/staff/staff-directory';

async function main(): Promise<void> {
  const env = process.env as Record<string, string>;
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  const staff = new StaffDirectory({ STAFF_DIRECTORY: env.STAFF_DIRECTORY, PRE_COORDINATOR_ID: env.PRE_COORDINATOR_ID } as AppConfig);
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const from = 'PRE Dijon <pre-noreply@ccas.test>';
  const timeoutSeconds = Number(env.SMTP_TIMEOUT_SECONDS);
  const temporalClient = new Client({ connection });
  const worker = await Worker.create({
    connection,
    taskQueue: env.TASK_QUEUE,
    workflowBundle: { codePath: env.PRE_TEST_WORKFLOW_BUNDLE },
    ...(env.MAX_CACHED_WORKFLOWS ? { maxCachedWorkflows: Number(env.MAX_CACHED_WORKFLOWS) } : {}),
    activities: createActivities({
      notifications: new TemporalNotifications(temporalClient, env.TASK_QUEUE, (2 * timeoutSeconds + 5) * 1000),
      resolveRecipient: (r) => staff.resolve(r),
      mailer: smtpMailer({ url: env.SMTP_URL, from, timeoutSeconds }),
      mailDomain: senderDomain(from),
      temporalClient,
    }),
  });
  process.stdout.write('worker polling\n');
  await worker.run();
}

main().catch((e: unknown) => {
  process.stderr.write(`worker failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
