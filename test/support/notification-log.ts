/**
 * The notification store of the workflow tests on the time-skipping server: what the real `notify` activity records,
 * in memory, read synchronously by the assertions (which notifications a case or a convention decided). The
 * production store (notification workflows in Temporal, activities/notification-records.ts) is tested on the dev
 * server: test/workflows/notifications.records.spec.ts, test/e2e/notifications.e2e.spec.ts.
 */
import { randomUUID } from 'node:crypto';
import type { NotificationDelivery, NotificationRecord, NotificationRequest, NotificationStore } from '../../activities/notifications.types';

export class NotificationLog implements NotificationStore {
  private readonly byKey = new Map<string, NotificationRecord>();

  async record(req: NotificationRequest, deliveries: NotificationDelivery[]): Promise<{ record: NotificationRecord; created: boolean }> {
    const existing = this.byKey.get(req.key);
    if (existing) return { record: existing, created: false };
    const record: NotificationRecord = { ...req, id: randomUUID(), createdAt: new Date().toISOString(), deliveries };
    this.byKey.set(req.key, record);
    return { record, created: true };
  }

  get(key: string): NotificationRecord | undefined {
    return this.byKey.get(key);
  }

  /** Every notification, oldest first. */
  list(): NotificationRecord[] {
    return [...this.byKey.values()];
  }
}
