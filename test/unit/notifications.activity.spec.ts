/**
 * The two notification activities, each on its own: `notify` records once per key (here in the workflow tests'
 * in-memory store; the Temporal store is tested on the dev server, test/workflows/notifications.records.spec.ts),
 * resolving each recipient's copy; `deliverNotificationCopy` makes one SMTP attempt against a real SMTP test server
 * and tells the notification workflow what happened (sent, refused for good, or to try again).
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { messageIdFor, senderDomain, smtpMailer, type Mailer } from '../../activities/mailer';
import { createNotificationActivities, type NotificationDeps } from '../../activities/notifications';
import type { NotificationRequest, NotifyResult } from '../../activities/notifications.types';
import type { MailAccepted, MailCopy } from '../../workflows/notifications/notification.contract';
import { notificationTags } from '../../workflows/notifications/notification.contract';
import { notificationWorkflowId } from '../../activities/notification-records';
import { NotificationLog } from '../support/notification-log';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';

const DIRECTORY: Record<string, { email?: string; roles: string[] }> = {
  'u-ref-1': { email: 'referent1@ccas.test', roles: ['referent'] },
  'u-ref-2': { email: 'referent2@ccas.test', roles: ['referent'] },
  'u-coord-1': { email: 'coordination@ccas.test', roles: ['coordinator'] },
  'u-ref-noaddr': { roles: ['referent'] },
};
const FROM = 'PRE Dijon <pre-noreply@ccas.test>';

function resolveRecipient(r: string): Array<{ id: string; email?: string }> {
  if (r.startsWith('role:')) return Object.entries(DIRECTORY).filter(([, m]) => m.roles.includes(r.slice(5))).map(([id, m]) => ({ id, email: m.email }));
  return [{ id: r, email: DIRECTORY[r]?.email }];
}

const request = (over: Partial<NotificationRequest> = {}): NotificationRequest => ({
  key: `parcours-D-T1:CONSENT_REMINDER:2026-12-05:${Math.random().toString(36).slice(2, 8)}`,
  kind: 'CONSENT_REMINDER',
  recipients: ['u-ref-1'],
  subject: '[PRE] Dossier D-T1 : consentement à recueillir',
  body: 'Relance : le consentement écrit de la famille est attendu. Échéance le 19/01/2027.',
  dossierId: 'D-T1',
  dueOn: '2026-12-05',
  ...over,
});

describe('notify: one record per key, a copy per recipient', () => {
  let log: NotificationLog;
  let deps: NotificationDeps;
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  const notify = (req: NotificationRequest) => env.run(createNotificationActivities(deps).notify, req) as Promise<NotifyResult>;
  const mailer = { send: async () => ({ messageId: '', response: '' }), close: () => undefined } as Mailer;

  beforeEach(() => {
    log = new NotificationLog();
    deps = { notifications: log, resolveRecipient, mailer, mailDomain: senderDomain(FROM) };
  });

  it('queues one copy per person (a person named twice gets one), each with the deterministic Message-ID of its e-mail', async () => {
    const req = request({ recipients: ['u-coord-1', 'role:coordinator', 'u-ref-1'] });
    const res = await notify(req);
    expect(res).toMatchObject({ created: true, deliveries: [{ recipient: 'u-coord-1', status: 'QUEUED' }, { recipient: 'u-ref-1', status: 'QUEUED' }] });
    expect(log.get(req.key)?.deliveries).toEqual([
      { recipient: 'u-coord-1', address: 'coordination@ccas.test', status: 'QUEUED', messageId: messageIdFor(req.key, 'u-coord-1', 'ccas.test') },
      { recipient: 'u-ref-1', address: 'referent1@ccas.test', status: 'QUEUED', messageId: messageIdFor(req.key, 'u-ref-1', 'ccas.test') },
    ]);
  });

  it('records the same key once (a retried activity or a replayed workflow): the second answer is the first record', async () => {
    const req = request();
    const first = await notify(req);
    const again = await notify({ ...req, subject: 'changed' });
    expect(again).toEqual({ ...first, created: false });
    expect(log.list()).toHaveLength(1);
    expect(log.get(req.key)?.subject).toBe(req.subject);
  });

  it('records a recipient without address UNDELIVERABLE, and the others as usual (no endless retry)', async () => {
    const res = await notify(request({ recipients: ['u-ref-noaddr', 'u-unknown', 'u-ref-2', 'role:nobody'] }));
    expect(res.deliveries).toEqual([
      { recipient: 'u-ref-noaddr', status: 'UNDELIVERABLE' },
      { recipient: 'u-unknown', status: 'UNDELIVERABLE' },
      { recipient: 'u-ref-2', status: 'QUEUED' },
      { recipient: 'role:nobody', status: 'UNDELIVERABLE' },
    ]);
  });

  it('without SMTP_URL, records the notification only (RECORDED, no Message-ID)', async () => {
    deps = { notifications: log, resolveRecipient };
    const req = request({ recipients: ['u-ref-1', 'u-ref-noaddr'] });
    const res = await notify(req);
    expect(res.deliveries).toEqual([
      { recipient: 'u-ref-1', status: 'RECORDED' },
      { recipient: 'u-ref-noaddr', status: 'UNDELIVERABLE' },
    ]);
    expect(log.get(req.key)?.deliveries[0]).toEqual({ recipient: 'u-ref-1', address: 'referent1@ccas.test', status: 'RECORDED' });
  });

  it('refuses a request without recipients, non-retryably', async () => {
    await expect(notify(request({ recipients: [] }))).rejects.toMatchObject({ type: 'BadInput', nonRetryable: true });
  });

  it('names the record by a hash of its key (no dossier, staff id or date in the workflow id), and tags it with codes and ids only', () => {
    const req = request({ key: 'parcours-D-2026-00042:CONSENT_REMINDER:2026-12-05' });
    expect(notificationWorkflowId(req.key)).toMatch(/^notification-[0-9a-f]{40}$/);
    expect(notificationWorkflowId(req.key)).toBe(notificationWorkflowId(req.key));
    expect(notificationTags({ ...req, conventionRef: 'CPO-1', deliveries: [{ recipient: 'u-ref-1', status: 'QUEUED' }, { recipient: 'u-coord-1', status: 'QUEUED' }] })).toEqual([
      'kind:CONSENT_REMINDER',
      'dossier:D-T1',
      'convention:CPO-1',
      'recipient:u-ref-1',
      'recipient:u-coord-1',
    ]);
  });
});

describe('deliverNotificationCopy: one SMTP attempt (real SMTP server)', () => {
  let smtp: TestSmtpServer;
  let mailer: Mailer | undefined;
  let heartbeats: unknown[];
  const deliver = async (copy: MailCopy, timeoutSeconds = 5): Promise<MailAccepted> => {
    mailer = smtpMailer({ url: smtp.url, from: FROM, timeoutSeconds });
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    env.on('heartbeat', (d: unknown) => heartbeats.push(d));
    try {
      return (await env.run(createNotificationActivities({ notifications: new NotificationLog(), resolveRecipient, mailer, mailDomain: 'ccas.test' }).deliverNotificationCopy, copy)) as MailAccepted;
    } finally {
      mailer.close();
    }
  };
  const copy = (): MailCopy => {
    const req = request();
    return { key: req.key, kind: req.kind, recipient: 'u-ref-1', address: 'referent1@ccas.test', subject: req.subject, body: req.body, messageId: messageIdFor(req.key, 'u-ref-1', 'ccas.test') };
  };

  beforeAll(async () => {
    smtp = await startSmtpServer();
  });
  afterAll(async () => {
    await smtp.close();
  });
  beforeEach(() => {
    smtp.mails.length = 0;
    smtp.received.length = 0;
    smtp.behaviour = () => ({});
    heartbeats = [];
  });

  it('sends the e-mail in French with its deterministic Message-ID and kind header, and heartbeats the acceptance before answering', async () => {
    const c = copy();
    const accepted = await deliver(c);
    expect(smtp.mails.map((m) => [m.to, m.subject, m.messageId, m.headers['x-pre-notification-kind']])).toEqual([[['referent1@ccas.test'], c.subject, c.messageId, 'CONSENT_REMINDER']]);
    expect(smtp.mails[0].text).toBe(c.body);
    expect(accepted).toEqual({ sentAt: expect.any(String), response: expect.stringMatching(/^250/) });
    expect(heartbeats).toEqual([accepted]);
  });

  it('a transient failure (451) fails the attempt as SmtpUnavailable, retryable: the workflow tries again later', async () => {
    smtp.behaviour = () => ({ refuseWith: 451 });
    const failure = await deliver(copy()).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'SmtpUnavailable', nonRetryable: false, message: expect.stringMatching(/^SMTP: .*451/) });
    expect(heartbeats).toEqual([]);
  });

  it('a permanent refusal (5xx) fails it as SmtpRefused, non-retryable: the copy is UNDELIVERABLE', async () => {
    smtp.behaviour = () => ({ refuseWith: 550 });
    await expect(deliver(copy())).rejects.toMatchObject({ type: 'SmtpRefused', nonRetryable: true, message: expect.stringMatching(/^SMTP: .*550/) });
  });

  it('gives up an SMTP transaction that hangs longer than the timeout (SmtpUnavailable, tried again later)', async () => {
    smtp.behaviour = () => ({ delayMs: 2500 });
    const started = Date.now();
    await expect(deliver(copy(), 1)).rejects.toMatchObject({ type: 'SmtpUnavailable', message: expect.stringMatching(/^SMTP: .*(Timeout|timed out)/i) });
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('on a worker without SMTP_URL, fails the attempt retryably (another worker may send it)', async () => {
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    await expect(env.run(createNotificationActivities({ notifications: new NotificationLog(), resolveRecipient }).deliverNotificationCopy, copy())).rejects.toMatchObject({
      type: 'SmtpUnavailable',
      nonRetryable: false,
    });
    expect(smtp.received).toHaveLength(0);
  });
});
