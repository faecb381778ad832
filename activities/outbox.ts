import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, fsyncSync, mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { NotificationRecord, NotificationRequest } from './notifications.types';

/**
 * The durable notification outbox: an append-only JSON-lines file, fsync'ed on each write, indexed by
 * idempotency key. It survives restarts; a second record with the same key returns the first.
 * One file per deployment (a shared volume when API and workers are separate processes).
 */
export class Outbox {
  private readonly byKey = new Map<string, NotificationRecord>();
  private loadedSize = -1;

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
  }

  /** Re-reads the file when another process appended to it. */
  private refresh(): void {
    if (!existsSync(this.file)) return;
    const text = readFileSync(this.file, 'utf8');
    if (text.length === this.loadedSize) return;
    this.byKey.clear();
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const rec = JSON.parse(line) as NotificationRecord;
        this.byKey.set(rec.key, { ...this.byKey.get(rec.key), ...rec });
      } catch {
        // a torn last line from a crash mid-write is ignored; the activity retry writes it again
      }
    }
    this.loadedSize = text.length;
  }

  get(key: string): NotificationRecord | undefined {
    this.refresh();
    return this.byKey.get(key);
  }

  /** Records the notification once; returns the existing record when the key is known. */
  record(req: NotificationRequest, deliveries: NotificationRecord['deliveries']): { record: NotificationRecord; created: boolean } {
    const existing = this.get(req.key);
    if (existing) return { record: existing, created: false };
    const record: NotificationRecord = { ...req, id: randomUUID(), createdAt: new Date().toISOString(), deliveries };
    this.append(record);
    return { record, created: true };
  }

  /** Replaces a record's delivery states (appends a newer version of the line). */
  update(record: NotificationRecord): void {
    this.append(record);
  }

  list(): NotificationRecord[] {
    this.refresh();
    return [...this.byKey.values()];
  }

  private append(record: NotificationRecord): void {
    const fd = openSync(this.file, 'a');
    try {
      appendFileSync(fd, JSON.stringify(record) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.byKey.set(record.key, record);
    this.loadedSize = -1;
  }
}
