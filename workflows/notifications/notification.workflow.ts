/**
 * One notification (see notification.contract.ts): records it once (its id is its key's), e-mails each addressee
 * with an address once, keeps each copy's delivery state in the workflow (query) and its memo (the listing), then
 * sleeps until its case's data are purged (the retention schedule deletes it). Deterministic: workflow code only.
 *
 * Exactly-once over SMTP is impossible; this is how close it gets:
 * - one attempt per copy at a time: the delivery activity is not retried by Temporal (one attempt), and its
 *   start-to-close timeout outlasts the SMTP transaction (`sendAttemptMs`), so a new attempt never starts while an
 *   earlier one may still be talking to the server (a zombie after a worker's death);
 * - a copy is SENDING while its attempt runs and SENT once the server answered its final "250"; a replay, a retried
 *   `notify` or a second worker finds the workflow and sends nothing;
 * - an attempt lost with its worker (a timeout) is sent again unless its heartbeat said the server had accepted it:
 *   the only duplicate left is the RFC 1047 window (the server said "250", the worker died before telling Temporal),
 *   and both copies carry the same deterministic Message-ID, which the mail server or client can drop.
 */
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import { condition, continueAsNew, proxyActivities, setHandler, sleep, upsertMemo, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities/index';
import type { NotificationDelivery } from '../../activities/notifications.types';
import { ui } from '../shared/ui-text';
import { NOTIFICATION_MEMO, notificationRecordQuery, pendingCopies, SMTP_REFUSED, type MailAccepted, type NotificationInput } from './notification.contract';

export { pendingCopies };

/** Backoff between rounds of failed copies: 5 s, doubling, at most 10 minutes (as the notify activity's retries). */
const FIRST_BACKOFF_MS = 5_000;
const MAX_BACKOFF_MS = 10 * 60_000;


function acceptedBeforeTimeout(e: ActivityFailure): MailAccepted | undefined {
  if (!(e.cause instanceof TimeoutFailure)) return undefined;
  const details = e.cause.lastHeartbeatDetails as Partial<MailAccepted> | undefined;
  return details && typeof details.sentAt === 'string' ? { sentAt: details.sentAt, response: String(details.response ?? '') } : undefined;
}

export async function notificationWorkflow(input: NotificationInput): Promise<void> {
  let record = input.record;
  let rounds = input.rounds ?? 0;
  setHandler(notificationRecordQuery, () => record);

  const mail = proxyActivities<Activities>({ startToCloseTimeout: input.sendAttemptMs, retry: { maximumAttempts: 1 } });
  const patch = (recipient: string, change: Partial<NotificationDelivery>) => {
    record = {
      ...record,
      updatedAt: new Date().toISOString(),
      deliveries: record.deliveries.map((d) => (d.recipient === recipient ? { ...d, ...change } : d)),
    };
  };
  const publish = () => upsertMemo({ [NOTIFICATION_MEMO]: record });

  async function send(d: NotificationDelivery): Promise<void> {
    patch(d.recipient, { status: 'SENDING', attempts: (d.attempts ?? 0) + 1, detail: undefined });
    publish();
    try {
      const accepted = await mail.deliverNotificationCopy.executeWithOptions(
        { startToCloseTimeout: input.sendAttemptMs, retry: { maximumAttempts: 1 }, summary: ui(`E-mail ${record.kind} à ${d.recipient}`) },
        [{ key: record.key, kind: record.kind, recipient: d.recipient, address: d.address!, subject: record.subject, body: record.body, messageId: d.messageId! }],
      );
      patch(d.recipient, { status: 'SENT', sentAt: accepted.sentAt, detail: accepted.response.slice(0, 200) });
    } catch (e) {
      if (!(e instanceof ActivityFailure)) throw e;
      const accepted = acceptedBeforeTimeout(e);
      if (accepted) {
        patch(d.recipient, { status: 'SENT', sentAt: accepted.sentAt, detail: accepted.response.slice(0, 200) });
      } else if (e.cause instanceof ApplicationFailure && e.cause.type === SMTP_REFUSED) {
        patch(d.recipient, { status: 'UNDELIVERABLE', detail: e.cause.message.slice(0, 300) });
      } else {
        patch(d.recipient, { status: 'FAILED', detail: (e.cause?.message ?? e.message).slice(0, 300) });
      }
    }
    publish();
  }

  for (let pending = pendingCopies(record); pending.length > 0; pending = pendingCopies(record)) {
    if (rounds > 0) await sleep(Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.min(rounds - 1, 20)));
    // each copy on its own: a copy that keeps failing never holds back the others
    await Promise.all(pending.map(send));
    if (pendingCopies(record).length > 0) rounds += 1;
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof notificationWorkflow>({ ...input, record, rounds });
  }
  // kept as long as the data it is about (DOMAIN.md §5): the retention schedule deletes it with its case
  await condition(() => false);
}
