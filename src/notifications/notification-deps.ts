import { Client, type ConnectionLike } from '@temporalio/client';
import { senderDomain, smtpMailer } from '../../activities/mailer';
import { TemporalNotifications } from '../../activities/notification-records';
import type { AppConfig } from '../config/env';
import { StaffDirectory } from '../staff/staff-directory';
import { dataConverter } from '../temporal/data-converter';

/**
 * How long one SMTP attempt may last (ms): the mailer's connection, greeting and socket timeouts bound one
 * transaction to about two socket timeouts; the notification workflow gives an attempt that long before another.
 */
export function sendAttemptMs(config: Pick<AppConfig, 'SMTP_TIMEOUT_SECONDS'>): number {
  return (2 * config.SMTP_TIMEOUT_SECONDS + 5) * 1000;
}

/** The notification records of this deployment (its namespace and task queue), through a Temporal client. */
export function temporalNotifications(config: AppConfig, client: Client): TemporalNotifications {
  return new TemporalNotifications(client, config.TEMPORAL_TASK_QUEUE, sendAttemptMs(config));
}

/**
 * What the notification and schedule activities need, from configuration: the staff directory, an SMTP mailer when
 * SMTP_URL is set, and a Temporal client on the worker's own connection — the notification records are workflows,
 * the look-ups across cases visibility queries. Nothing on disk.
 */
export function notificationDeps(config: AppConfig, connection: ConnectionLike) {
  const staff = new StaffDirectory(config);
  const temporalClient = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: dataConverter(config) });
  return {
    notifications: temporalNotifications(config, temporalClient),
    resolveRecipient: (r: string) => staff.resolve(r),
    mailer: config.SMTP_URL ? smtpMailer({ url: config.SMTP_URL, from: config.SMTP_FROM, timeoutSeconds: config.SMTP_TIMEOUT_SECONDS }) : undefined,
    mailDomain: senderDomain(config.SMTP_FROM),
    temporalClient,
  };
}
