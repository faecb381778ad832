/** A reminder, escalation or notice to staff. Types only: workflows import this file with `import type`. */
export interface NotificationRequest {
  /**
   * Idempotency key: `<workflowId>:<kind>:<dueOn>` for a workflow timer, `<scheduleId>:<runTime>` for a
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
}

/** What the outbox holds for one notification. */
export interface NotificationRecord extends NotificationRequest {
  id: string;
  createdAt: string;
  /** Per recipient: resolved address and delivery state. */
  deliveries: Array<{ recipient: string; address?: string; status: 'QUEUED' | 'SENT' | 'UNDELIVERABLE' | 'RECORDED'; detail?: string }>;
}

export interface NotifyResult {
  id: string;
  /** false when the key had already been recorded: nothing was sent again. */
  created: boolean;
}
