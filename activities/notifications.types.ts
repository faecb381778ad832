/** A reminder, escalation or notice to staff. Types only: workflows import this file with `import type`. */
export interface NotificationRequest {
  /**
   * Idempotency key: `<workflowId>:<kind>:<dueOn>` for a workflow timer, `<scheduleId>:<runTime>[:<recipient>]` for a
   * schedule. The same key is recorded (and sent) once, whatever the retries or replays.
   */
  key: string;
  /** What it is, e.g. CONSENT_REMINDER, REVIEW_ESCALATION, REPORT_REMINDER_30. */
  kind: string;
  /** Staff ids, or `role:<role>` (e.g. `role:coordinator`) resolved through the staff directory. */
  recipients: string[];
  /** French, short, without any child's or family's name. */
  subject: string;
  body: string;
  dossierId?: string;
  conventionRef?: string;
  /** The deadline the notification is about (YYYY-MM-DD). */
  dueOn?: string;
  /** The workflow that asked for it (shown in `GET /notifications`; the key usually contains it too). */
  workflowId?: string;
  /** The Temporal Schedule whose run produced it. */
  scheduleId?: string;
}

/**
 * State of one recipient's copy:
 * - `RECORDED`: recorded only (no SMTP server configured, or a notice of the API);
 * - `QUEUED`: to be e-mailed; `SENDING`: an attempt is running; `SENT`: the SMTP server accepted it;
 * - `FAILED`: a transient SMTP failure (or an attempt lost with its worker), tried again by the notification workflow;
 * - `UNDELIVERABLE`: no address in the staff directory, or the server refused the address for good; never retried.
 */
export type DeliveryStatus = 'RECORDED' | 'QUEUED' | 'SENDING' | 'SENT' | 'FAILED' | 'UNDELIVERABLE';

/** One recipient's copy of a notification. */
export interface NotificationDelivery {
  /** Resolved staff id. */
  recipient: string;
  address?: string;
  status: DeliveryStatus;
  detail?: string;
  /** The deterministic Message-ID of the e-mail (same on every attempt). */
  messageId?: string;
  /** ISO instant the SMTP server accepted it. */
  sentAt?: string;
  /** SMTP attempts so far. */
  attempts?: number;
}

/** What the notification record (workflows/notifications) holds for one notification. */
export interface NotificationRecord extends NotificationRequest {
  id: string;
  createdAt: string;
  updatedAt?: string;
  /** Per recipient: resolved address and delivery state. */
  deliveries: NotificationDelivery[];
}

export interface NotifyResult {
  id: string;
  /** false when the key had already been recorded: nothing was sent again. */
  created: boolean;
  /** Delivery state per recipient after this attempt. */
  deliveries?: Array<{ recipient: string; status: DeliveryStatus }>;
}

/**
 * Where notifications are recorded, once per key. In every process: the notification workflows in Temporal
 * (`activities/notification-records.ts#TemporalNotifications`); the workflow tests give an in-memory one.
 */
export interface NotificationStore {
  /** Records the notification once; returns the existing record (and `created: false`) when the key is known. */
  record(req: NotificationRequest, deliveries: NotificationDelivery[]): Promise<{ record: NotificationRecord; created: boolean }>;
}
