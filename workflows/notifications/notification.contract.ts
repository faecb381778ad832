/**
 * The notification record (issue 18, item 2: nothing shared on disk): one small workflow per notification key holds
 * the notification, its exactly-once guarantee (one workflow id per key) and each recipient's delivery state. It is
 * started by the workers' `notify` activity (or the API for its own notices) with the record as input and memo, and
 * stays open, sleeping, until the data it is about are purged (the retention schedule deletes it with its case).
 * Types and message definitions only: the API, the activities and the workflow import this file.
 */
import { defineQuery } from '@temporalio/workflow';
import type { NotificationDelivery, NotificationRecord } from '../../activities/notifications.types';

/** The workflow type (`GET /notifications` lists this type). */
export const NOTIFICATION_WORKFLOW_TYPE = 'notificationWorkflow';
/** Prefix of every notification workflow id; the rest is a hash of the key (opaque, no personal data). */
export const NOTIFICATION_ID_PREFIX = 'notification-';
/** The memo field holding the record as it stands (the listing reads it without a worker). */
export const NOTIFICATION_MEMO = 'notification';

/** One e-mail of a notification, as the delivery activity sends it. */
export interface MailCopy {
  key: string;
  kind: string;
  recipient: string;
  address: string;
  subject: string;
  body: string;
  /** Deterministic per key and recipient: the same on every attempt. */
  messageId: string;
}

/** What the SMTP server answered when it accepted a copy. */
export interface MailAccepted {
  sentAt: string;
  response: string;
}

/** Failure type of a copy the SMTP server refused for good (5xx): the copy is UNDELIVERABLE, never retried. */
export const SMTP_REFUSED = 'SmtpRefused';
/** Failure type of a transient SMTP problem: the workflow tries the copy again later. */
export const SMTP_UNAVAILABLE = 'SmtpUnavailable';

export interface NotificationInput {
  record: NotificationRecord;
  /**
   * Start-to-close timeout of one SMTP attempt (ms): longer than an SMTP transaction can last (the mailer's
   * timeouts), so a new attempt never starts while an earlier one may still be talking to the server.
   */
  sendAttemptMs: number;
  /** Rounds of failed attempts so far (carried across continue-as-new: the backoff goes on). */
  rounds?: number;
}

/** The record as it stands, with each recipient's delivery state. */
export const notificationRecordQuery = defineQuery<NotificationRecord>('notificationRecord');

/**
 * The values of `PreNotificationTags` (a KeywordList): what `GET /notifications` filters on. Ids and codes only.
 */
export function notificationTags(r: Pick<NotificationRecord, 'kind' | 'dossierId' | 'conventionRef' | 'deliveries'>): string[] {
  const tags = [`kind:${r.kind}`];
  if (r.dossierId) tags.push(`dossier:${r.dossierId}`);
  if (r.conventionRef) tags.push(`convention:${r.conventionRef}`);
  for (const d of r.deliveries) tags.push(`recipient:${d.recipient}`);
  return [...new Set(tags)];
}

/** The tag a filter compares with. */
export const notificationTag = {
  kind: (kind: string) => `kind:${kind}`,
  dossier: (dossierId: string) => `dossier:${dossierId}`,
  convention: (reference: string) => `convention:${reference}`,
  recipient: (staffId: string) => `recipient:${staffId}`,
} as const;

/** The copies still to e-mail: an address, and not yet SENT nor refused for good. */
export function pendingCopies(record: NotificationRecord): NotificationDelivery[] {
  return record.deliveries.filter((d) => d.address && d.messageId && (d.status === 'QUEUED' || d.status === 'FAILED' || d.status === 'SENDING'));
}

/**
 * A notification with nothing to e-mail (no SMTP server configured, or no recipient with an address) is started with
 * this start delay: its record is whole at its start (input and memo), so it runs no workflow task and takes no place
 * in a worker's cache, as the child registry (issue 17); the retention purge deletes it with its case, as any other.
 */
export const NOTHING_TO_SEND_START_DELAY = '3650d';

