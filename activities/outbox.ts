import { randomUUID } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NotificationDelivery, NotificationRecord, NotificationRequest } from './notifications.types';

/** The outbox file of a data folder (worker and API must share PRE_DATA_DIR, e.g. a volume). */
export function outboxPath(dataDir: string): string {
  return join(dataDir, 'outbox', 'notifications.jsonl');
}

/** Filters and page of `Outbox.query` (`GET /notifications`). */
export interface OutboxQuery {
  /** Only notifications with a delivery to this staff id. */
  recipient?: string;
  kind?: string;
  dossierId?: string;
  conventionRef?: string;
  pageSize: number;
  pageToken?: string;
}

export interface OutboxPage {
  items: NotificationRecord[];
  nextPageToken?: string;
}

/** The outbox could not be locked (another process holds it too long): a retryable condition. */
export class OutboxBusyError extends Error {
  constructor(file: string) {
    super(`The notification outbox ${file} is locked by another process; retry.`);
    this.name = 'OutboxBusyError';
  }
}

const LOCK_WAIT_MS = 3000;
/** A lock older than this is from a crashed process (a locked section is a read, an append and an fsync). */
const LOCK_STALE_MS = 10_000;
const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * The durable notification outbox: an append-only JSON-lines file, fsync'ed on each write, where the last line of
 * a key is its current version. It survives restarts; a second record with the same key returns the first.
 *
 * One file per deployment, shared by the workers (which write) and the API (which reads): each process keeps an
 * index and reads only what other processes appended since. Writers take a lock file around "read the current
 * version, append the next" so two processes never both create the same key.
 */
export class Outbox {
  private readonly byKey = new Map<string, { record: NotificationRecord; seq: number }>();
  private readonly lockFile: string;
  private offset = 0;
  private nextSeq = 0;

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    this.lockFile = `${file}.lock`;
  }

  /** Reads what was appended since the last read (by this or another process). */
  private refresh(): void {
    let size: number;
    try {
      size = statSync(this.file).size;
    } catch {
      return; // nothing written yet
    }
    if (size < this.offset) {
      // the file was replaced (restored from a backup, rotated): index it again
      this.byKey.clear();
      this.offset = 0;
      this.nextSeq = 0;
    }
    if (size === this.offset) return;
    const fd = openSync(this.file, 'r');
    try {
      const chunk = Buffer.alloc(size - this.offset);
      readSync(fd, chunk, 0, chunk.length, this.offset);
      const end = chunk.lastIndexOf(0x0a);
      if (end < 0) return; // a line being written: read it next time
      for (const line of chunk.subarray(0, end).toString('utf8').split('\n')) this.index(line);
      this.offset += end + 1;
    } finally {
      closeSync(fd);
    }
  }

  private index(line: string): void {
    if (!line.trim()) return;
    let rec: NotificationRecord;
    try {
      rec = JSON.parse(line) as NotificationRecord;
    } catch {
      return; // a torn line from a crash mid-write: the activity retry writes that version again
    }
    if (!rec || typeof rec.key !== 'string') return;
    const known = this.byKey.get(rec.key);
    this.byKey.set(rec.key, { record: rec, seq: known ? known.seq : this.nextSeq++ });
  }

  get(key: string): NotificationRecord | undefined {
    this.refresh();
    return this.byKey.get(key)?.record;
  }

  /** Records the notification once; returns the existing record when the key is known. */
  record(req: NotificationRequest, deliveries: NotificationDelivery[]): { record: NotificationRecord; created: boolean } {
    return this.locked(() => {
      const existing = this.get(req.key);
      if (existing) return { record: existing, created: false };
      const record: NotificationRecord = { ...req, id: randomUUID(), createdAt: new Date().toISOString(), deliveries };
      this.append(record);
      return { record, created: true };
    });
  }

  /** Changes one recipient's delivery state (appends a newer version of the record) and returns the new version. */
  updateDelivery(key: string, recipient: string, patch: Partial<NotificationDelivery>): NotificationRecord {
    return this.locked(() => {
      const current = this.get(key);
      if (!current) throw new Error(`No notification with key ${key} in the outbox.`);
      const next: NotificationRecord = {
        ...current,
        updatedAt: new Date().toISOString(),
        deliveries: current.deliveries.map((d) => (d.recipient === recipient ? { ...d, ...patch } : d)),
      };
      this.append(next);
      return next;
    });
  }

  /** Replaces a record's delivery states (appends a newer version of the line). */
  update(record: NotificationRecord): void {
    this.locked(() => this.append(record));
  }

  /** Every notification, oldest first. */
  list(): NotificationRecord[] {
    this.refresh();
    return [...this.byKey.values()].sort((a, b) => a.seq - b.seq).map((e) => e.record);
  }

  /** Newest first, filtered, one page; the token is the position of the last item returned. */
  query(q: OutboxQuery): OutboxPage {
    this.refresh();
    const before = q.pageToken !== undefined ? decodeToken(q.pageToken) : Number.POSITIVE_INFINITY;
    const matches = [...this.byKey.values()]
      .filter((e) => e.seq < before)
      .filter(({ record: r }) => (q.kind === undefined || r.kind === q.kind) && (q.dossierId === undefined || r.dossierId === q.dossierId))
      .filter(({ record: r }) => q.conventionRef === undefined || r.conventionRef === q.conventionRef)
      .filter(({ record: r }) => q.recipient === undefined || r.deliveries.some((d) => d.recipient === q.recipient))
      .sort((a, b) => b.seq - a.seq);
    const page = matches.slice(0, q.pageSize);
    const more = matches.length > q.pageSize;
    return { items: page.map((e) => e.record), ...(more ? { nextPageToken: encodeToken(page[page.length - 1].seq) } : {}) };
  }

  private append(record: NotificationRecord): void {
    const fd = openSync(this.file, 'a+', 0o600);
    try {
      // a line torn by a crash has no newline: start on a fresh line, or the next record would be glued to it
      const size = fstatSync(fd).size;
      let prefix = '';
      if (size > 0) {
        const last = Buffer.alloc(1);
        readSync(fd, last, 0, 1, size - 1);
        if (last[0] !== 0x0a) prefix = '\n';
      }
      writeSync(fd, `${prefix}${JSON.stringify(record)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.refresh();
  }

  /** Runs `fn` holding the outbox's lock file (exclusive create; a stale lock of a crashed process is broken). */
  private locked<T>(fn: () => T): T {
    const started = Date.now();
    let fd: number | undefined;
    while (fd === undefined) {
      try {
        fd = openSync(this.lockFile, 'wx', 0o600);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        try {
          if (Date.now() - statSync(this.lockFile).mtimeMs > LOCK_STALE_MS) unlinkSync(this.lockFile);
        } catch {
          // released meanwhile
        }
        if (Date.now() - started > LOCK_WAIT_MS) throw new OutboxBusyError(this.file);
        sleepSync(5);
      }
    }
    try {
      return fn();
    } finally {
      closeSync(fd);
      try {
        unlinkSync(this.lockFile);
      } catch {
        // already broken as stale by another process
      }
    }
  }
}

function encodeToken(seq: number): string {
  return Buffer.from(`o:${seq}`).toString('base64url');
}

/** The position a page token stands for; a token that is not ours is a 400 for the caller. */
export function decodeToken(token: string): number {
  const m = /^o:(\d{1,12})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!m) throw new RangeError('pageToken is not a token this list returned');
  return Number(m[1]);
}
