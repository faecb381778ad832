import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../workflows/shared/failures';
import { isPermanentSmtpError, messageIdFor, type Mailer } from './mailer';
import type { NotificationDelivery, NotificationRecord, NotificationRequest, NotifyResult } from './notifications.types';
import type { Outbox } from './outbox';

export interface NotificationDeps {
  outbox: Outbox;
  /** Resolves a staff id or `role:<role>` to addresses; an unknown id resolves without an email, an empty role to nothing. */
  resolveRecipient: (recipient: string) => Array<{ id: string; email?: string }>;
  /** SMTP delivery (SMTP_URL); absent: notifications are kept in the outbox only. */
  mailer?: Mailer;
  /** Domain of the deterministic Message-IDs (the sender's). */
  mailDomain?: string;
  /** How long a SENDING state protects an attempt that may still be talking to the SMTP server (ms). */
  sendLeaseMs?: number;
}

/** Failure type of a transient SMTP problem: the activity is retried, only the copies not yet accepted are sent. */
export const SMTP_UNAVAILABLE = 'SmtpUnavailable';

const DEFAULT_LEASE_MS = 45_000;

function checkRequest(req: NotificationRequest): void {
  const missing = (['key', 'kind', 'subject', 'body'] as const).filter((f) => typeof req?.[f] !== 'string' || req[f].trim() === '');
  if (missing.length > 0 || !Array.isArray(req.recipients) || req.recipients.length === 0) {
    throw ApplicationFailure.create({
      type: FailureType.BAD_INPUT,
      message: `A notification needs a key, a kind, at least one recipient, a subject and a body (missing: ${[...missing, ...(Array.isArray(req?.recipients) && req.recipients.length ? [] : ['recipients'])].join(', ')}).`,
      nonRetryable: true,
    });
  }
}

/** The copies to record for a new notification: one per resolved staff member, UNDELIVERABLE when there is no address. */
function initialDeliveries(req: NotificationRequest, deps: NotificationDeps): NotificationDelivery[] {
  const byRecipient = new Map<string, NotificationDelivery>();
  for (const r of req.recipients) {
    const resolved = deps.resolveRecipient(r);
    if (resolved.length === 0) {
      byRecipient.set(r, { recipient: r, status: 'UNDELIVERABLE', detail: 'no staff member in the directory for this recipient' });
      continue;
    }
    for (const p of resolved) {
      if (byRecipient.has(p.id)) continue; // one copy per person, even when named twice (id and role)
      byRecipient.set(
        p.id,
        !p.email
          ? { recipient: p.id, status: 'UNDELIVERABLE', detail: 'no e-mail address in the staff directory' }
          : { recipient: p.id, address: p.email, status: deps.mailer ? 'QUEUED' : 'RECORDED' },
      );
    }
  }
  return [...byRecipient.values()];
}

function summary(record: NotificationRecord): NonNullable<NotifyResult['deliveries']> {
  return record.deliveries.map((d) => ({ recipient: d.recipient, status: d.status }));
}

/** The one notification activity of every workflow timer and schedule. */
export function createNotificationActivities(deps: NotificationDeps) {
  const leaseMs = deps.sendLeaseMs ?? DEFAULT_LEASE_MS;
  const domain = deps.mailDomain ?? 'pre-orchestrator.invalid';

  /**
   * E-mails one copy. Exactly-once is impossible over SMTP; this is how close we get:
   * - the copy is marked SENDING (fsync'ed) before the SMTP transaction and SENT (fsync'ed, with the server's reply)
   *   after it. A retry — of the activity after a crash or a lost completion, or of the workflow's replay, which
   *   reuses the same key — finds SENT and sends nothing: no second e-mail.
   * - A retry that finds SENDING with a live lease leaves it to the attempt that may still be running (a zombie
   *   attempt after a start-to-close timeout) and retries later; the lease outlasts the SMTP timeouts.
   * - A retry that finds SENDING with an expired lease knows the earlier attempt died mid-transaction. SMTP only
   *   commits to deliver when it answers the final "250" after DATA, so a transaction cut before that is not
   *   delivered, and we send again (at-least-once). The only duplicate left is the RFC 1047 window: the server sent
   *   "250" but the process died before fsync'ing SENT (milliseconds). Both copies then carry the same
   *   deterministic Message-ID, so the mail server or client can drop the second, and the outbox holds one record.
   */
  async function sendCopy(record: NotificationRecord, d: NotificationDelivery): Promise<'SENT' | 'FAILED' | 'UNDELIVERABLE' | 'BUSY'> {
    const mailer = deps.mailer!;
    if (d.status === 'SENDING' && d.leaseUntil && Date.parse(d.leaseUntil) > Date.now()) return 'BUSY';
    const messageId = d.messageId ?? messageIdFor(record.key, d.recipient, domain);
    deps.outbox.updateDelivery(record.key, d.recipient, {
      status: 'SENDING',
      messageId,
      attempts: (d.attempts ?? 0) + 1,
      leaseUntil: new Date(Date.now() + leaseMs).toISOString(),
      detail: undefined,
    });
    try {
      const receipt = await mailer.send({
        to: d.address!,
        subject: record.subject,
        text: record.body,
        messageId,
        headers: { 'X-PRE-Notification-Kind': record.kind, 'Auto-Submitted': 'auto-generated' },
      });
      deps.outbox.updateDelivery(record.key, d.recipient, { status: 'SENT', sentAt: new Date().toISOString(), leaseUntil: undefined, detail: receipt.response.slice(0, 200) });
      return 'SENT';
    } catch (e) {
      const detail = `SMTP: ${(e as Error).message}`.slice(0, 300);
      if (isPermanentSmtpError(e)) {
        deps.outbox.updateDelivery(record.key, d.recipient, { status: 'UNDELIVERABLE', leaseUntil: undefined, detail });
        return 'UNDELIVERABLE';
      }
      deps.outbox.updateDelivery(record.key, d.recipient, { status: 'FAILED', leaseUntil: undefined, detail });
      return 'FAILED';
    }
  }

  return {
    /**
     * Records a notification in the durable outbox, once per key, and e-mails each recipient once when SMTP is
     * configured. Recipients without an address are recorded UNDELIVERABLE and not retried; a transient SMTP failure
     * fails the attempt (retryable) after the other copies went out, and the retry sends only what is missing.
     */
    async notify(req: NotificationRequest): Promise<NotifyResult> {
      checkRequest(req);
      const { record, created } = deps.outbox.record(req, initialDeliveries(req, deps));
      if (!created) log.info('notification already recorded', { kind: req.kind, key: req.key });
      if (!deps.mailer) {
        log.info('notification recorded (no SMTP configured)', { kind: req.kind, key: req.key });
        return { id: record.id, created, deliveries: summary(record) };
      }
      const pending = record.deliveries.filter((d) => d.address && (d.status === 'QUEUED' || d.status === 'FAILED' || d.status === 'SENDING'));
      const outcomes: Array<{ recipient: string; outcome: string }> = [];
      for (const d of pending) outcomes.push({ recipient: d.recipient, outcome: await sendCopy(record, d) });
      const latest = deps.outbox.get(req.key) ?? record;
      const notYet = outcomes.filter((o) => o.outcome === 'FAILED' || o.outcome === 'BUSY');
      log.info('notification delivered', { kind: req.kind, key: req.key, created, outcomes });
      if (notYet.length > 0) {
        throw ApplicationFailure.create({
          type: SMTP_UNAVAILABLE,
          message: `${notYet.length} e-mail(s) of notification ${req.kind} not accepted by the SMTP server yet; retrying.`,
          details: [{ key: req.key, recipients: notYet.map((o) => o.recipient) }],
        });
      }
      return { id: record.id, created, deliveries: summary(latest) };
    },
  };
}
