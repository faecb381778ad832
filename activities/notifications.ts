import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../workflows/shared/failures';
import { SMTP_REFUSED, SMTP_UNAVAILABLE, type MailAccepted, type MailCopy } from '../workflows/notifications/notification.contract';
import { isPermanentSmtpError, messageIdFor, type Mailer } from './mailer';
import type { NotificationDelivery, NotificationRecord, NotificationRequest, NotificationStore, NotifyResult } from './notifications.types';

export { SMTP_REFUSED, SMTP_UNAVAILABLE };

export interface NotificationDeps {
  /** Where notifications are recorded once per key: the notification workflows in Temporal. */
  notifications: NotificationStore;
  /** Resolves a staff id or `role:<role>` to addresses; an unknown id resolves without an email, an empty role to nothing. */
  resolveRecipient: (recipient: string) => Array<{ id: string; email?: string }>;
  /** SMTP delivery (SMTP_URL); absent: notifications are recorded only. */
  mailer?: Mailer;
  /** Domain of the deterministic Message-IDs (the sender's). */
  mailDomain?: string;
}

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

/**
 * The copies to record for a new notification: one per resolved staff member, UNDELIVERABLE when there is no address;
 * with a mailer, QUEUED with the deterministic Message-ID of its e-mail, else RECORDED.
 */
export function initialDeliveries(req: NotificationRequest, deps: Pick<NotificationDeps, 'resolveRecipient' | 'mailer' | 'mailDomain'>): NotificationDelivery[] {
  const domain = deps.mailDomain ?? 'pre-orchestrator.invalid';
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
          : deps.mailer
            ? { recipient: p.id, address: p.email, status: 'QUEUED', messageId: messageIdFor(req.key, p.id, domain) }
            : { recipient: p.id, address: p.email, status: 'RECORDED' },
      );
    }
  }
  return [...byRecipient.values()];
}

function summary(record: NotificationRecord): NonNullable<NotifyResult['deliveries']> {
  return record.deliveries.map((d) => ({ recipient: d.recipient, status: d.status }));
}

/** The one notification activity of every workflow timer and schedule, and the e-mail activity of the notification workflow. */
export function createNotificationActivities(deps: NotificationDeps) {
  return {
    /**
     * Records a notification once per key: the notification workflow of that key (workflows/notifications), which
     * e-mails each recipient once when SMTP is configured. A second record of the same key (a retried activity, a
     * replayed workflow, another worker) returns the first and sends nothing. Recipients without an address are
     * recorded UNDELIVERABLE. The name and signature are those the recorded histories call.
     */
    async notify(req: NotificationRequest): Promise<NotifyResult> {
      checkRequest(req);
      const { record, created } = await deps.notifications.record(req, initialDeliveries(req, deps));
      log.info(created ? 'notification recorded' : 'notification already recorded', { kind: req.kind, key: req.key, deliveries: summary(record) });
      return { id: record.id, created, deliveries: summary(record) };
    },

    /**
     * E-mails one copy of a notification (one attempt; the notification workflow decides what happens next): a 5xx
     * refusal fails it non-retryably as SMTP_REFUSED, anything else (connection, timeout, 4xx) as SMTP_UNAVAILABLE.
     * Once the server accepted it, a heartbeat says so before the answer: an attempt whose answer is lost with its
     * worker is then known as sent.
     */
    async deliverNotificationCopy(copy: MailCopy): Promise<MailAccepted> {
      if (!deps.mailer) {
        throw ApplicationFailure.create({ type: SMTP_UNAVAILABLE, message: 'This worker has no SMTP server configured (SMTP_URL); another attempt follows.' });
      }
      let accepted: MailAccepted;
      try {
        const receipt = await deps.mailer.send({
          to: copy.address,
          subject: copy.subject,
          text: copy.body,
          messageId: copy.messageId,
          headers: { 'X-PRE-Notification-Kind': copy.kind, 'Auto-Submitted': 'auto-generated' },
        });
        accepted = { sentAt: new Date().toISOString(), response: receipt.response.slice(0, 200) };
      } catch (e) {
        const message = `SMTP: ${(e as Error).message}`.slice(0, 300);
        log.info('notification e-mail not accepted', { kind: copy.kind, key: copy.key, recipient: copy.recipient, permanent: isPermanentSmtpError(e) });
        if (isPermanentSmtpError(e)) throw ApplicationFailure.create({ type: SMTP_REFUSED, message, nonRetryable: true });
        throw ApplicationFailure.create({ type: SMTP_UNAVAILABLE, message });
      }
      Context.current().heartbeat(accepted);
      log.info('notification e-mail sent', { kind: copy.kind, key: copy.key, recipient: copy.recipient });
      return accepted;
    },
  };
}
