import { log } from '@temporalio/activity';
import type { NotificationRecord, NotificationRequest, NotifyResult } from './notifications.types';
import type { Outbox } from './outbox';

export interface NotificationDeps {
  outbox: Outbox;
  /** Resolves a staff id or `role:<role>` to addresses; unknown ids resolve to nothing. */
  resolveRecipient: (recipient: string) => Array<{ id: string; email?: string }>;
}

/** The one notification activity of every workflow timer and schedule. */
export function createNotificationActivities(deps: NotificationDeps) {
  return {
    /** Records a notification in the durable outbox, once per key. */
    async notify(req: NotificationRequest): Promise<NotifyResult> {
      const deliveries = req.recipients.flatMap((r): NotificationRecord['deliveries'] => {
        const resolved = deps.resolveRecipient(r);
        if (resolved.length === 0) return [{ recipient: r, status: 'UNDELIVERABLE' as const, detail: 'no address in the staff directory' }];
        return resolved.map((p) => ({ recipient: p.id, address: p.email, status: 'RECORDED' as const }));
      });
      const { record, created } = deps.outbox.record(req, deliveries);
      log.info('notification recorded', { kind: req.kind, key: req.key, created });
      return { id: record.id, created };
    },
  };
}
