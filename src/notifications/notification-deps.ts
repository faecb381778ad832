import { Client, type ConnectionLike } from '@temporalio/client';
import { senderDomain, smtpMailer } from '../../activities/mailer';
import { Outbox, outboxPath } from '../../activities/outbox';
import type { AppConfig } from '../config/env';
import { StaffDirectory } from '../staff/staff-directory';
import { dataConverter } from '../temporal/data-converter';

/**
 * What the notification and schedule activities need, from configuration: the outbox of PRE_DATA_DIR, the staff
 * directory, an SMTP mailer when SMTP_URL is set, and a Temporal client on the worker's own connection (the look-ups
 * across cases are visibility queries).
 */
export function notificationDeps(config: AppConfig, connection?: ConnectionLike) {
  const staff = new StaffDirectory(config);
  return {
    outbox: new Outbox(outboxPath(config.dataDir)),
    resolveRecipient: (r: string) => staff.resolve(r),
    mailer: config.SMTP_URL ? smtpMailer({ url: config.SMTP_URL, from: config.SMTP_FROM, timeoutSeconds: config.SMTP_TIMEOUT_SECONDS }) : undefined,
    mailDomain: senderDomain(config.SMTP_FROM),
    // an attempt may still be in its SMTP transaction for about two socket timeouts; a retry waits that long
    sendLeaseMs: (2 * config.SMTP_TIMEOUT_SECONDS + 5) * 1000,
    temporalClient: connection ? new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: dataConverter(config) }) : undefined,
  };
}
