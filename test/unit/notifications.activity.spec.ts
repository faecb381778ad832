import { mkdtempSync, readFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { messageIdFor, senderDomain, smtpMailer } from '../../activities/mailer';
import { createNotificationActivities, type NotificationDeps } from '../../activities/notifications';
import type { NotificationRequest, NotifyResult } from '../../activities/notifications.types';
import { Outbox } from '../../activities/outbox';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';

const DIRECTORY: Record<string, { email?: string; roles: string[] }> = {
  'u-ref-1': { email: 'referent1@ccas.test', roles: ['referent'] },
  'u-ref-2': { email: 'referent2@ccas.test', roles: ['referent'] },
  'u-coord-1': { email: 'coordination@ccas.test', roles: ['coordinator'] },
  'u-ref-noaddr': { roles: ['referent'] },
};

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

describe('notify (outbox + SMTP)', () => {
  let smtp: TestSmtpServer;
  let outbox: Outbox;
  let deps: NotificationDeps;
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  const notify = (req: NotificationRequest) => env.run(createNotificationActivities(deps).notify, req) as Promise<NotifyResult>;

  beforeAll(async () => {
    smtp = await startSmtpServer();
  });
  afterAll(async () => {
    deps?.mailer?.close();
    await smtp.close();
  });
  beforeEach(() => {
    smtp.mails.length = 0;
    smtp.received.length = 0;
    smtp.behaviour = () => ({});
    outbox = new Outbox(join(mkdtempSync(join(tmpdir(), 'outbox-')), 'notifications.jsonl'));
    deps = {
      outbox,
      resolveRecipient,
      mailer: smtpMailer({ url: smtp.url, from: 'PRE Dijon <pre-noreply@ccas.test>', timeoutSeconds: 5 }),
      mailDomain: senderDomain('PRE Dijon <pre-noreply@ccas.test>'),
      sendLeaseMs: 2000,
    };
  });

  it('e-mails each recipient once, in French, with a deterministic Message-ID, and records it SENT', async () => {
    const req = request({ recipients: ['u-ref-1', 'role:coordinator'] });
    const res = await notify(req);
    expect(res).toMatchObject({ created: true, deliveries: [{ recipient: 'u-ref-1', status: 'SENT' }, { recipient: 'u-coord-1', status: 'SENT' }] });
    expect(smtp.mails.map((m) => [m.to, m.subject, m.messageId])).toEqual([
      [['referent1@ccas.test'], '[PRE] Dossier D-T1 : consentement à recueillir', messageIdFor(req.key, 'u-ref-1', 'ccas.test')],
      [['coordination@ccas.test'], '[PRE] Dossier D-T1 : consentement à recueillir', messageIdFor(req.key, 'u-coord-1', 'ccas.test')],
    ]);
    expect(smtp.mails[0].text).toBe(req.body);
    expect(outbox.get(req.key)?.deliveries).toEqual([
      expect.objectContaining({ recipient: 'u-ref-1', address: 'referent1@ccas.test', status: 'SENT', attempts: 1, sentAt: expect.any(String) }),
      expect.objectContaining({ recipient: 'u-coord-1', status: 'SENT', attempts: 1 }),
    ]);
  });

  it('sends nothing again for the same key (a retried activity or a replayed workflow)', async () => {
    const req = request();
    await notify(req);
    const again = await notify({ ...req, subject: 'changed' });
    expect(again.created).toBe(false);
    expect(smtp.received).toHaveLength(1);
    expect(outbox.list().filter((r) => r.key === req.key)).toHaveLength(1);
  });

  it('records a recipient without address UNDELIVERABLE, still sends to the others, and succeeds (no endless retry)', async () => {
    const req = request({ recipients: ['u-ref-noaddr', 'u-unknown', 'u-ref-2', 'role:nobody'] });
    const res = await notify(req);
    expect(res.deliveries).toEqual([
      { recipient: 'u-ref-noaddr', status: 'UNDELIVERABLE' },
      { recipient: 'u-unknown', status: 'UNDELIVERABLE' },
      { recipient: 'u-ref-2', status: 'SENT' },
      { recipient: 'role:nobody', status: 'UNDELIVERABLE' },
    ]);
    expect(smtp.mails.map((m) => m.to)).toEqual([['referent2@ccas.test']]);
  });

  it('after a transient SMTP failure for one recipient, the retry sends only the missing copy', async () => {
    smtp.behaviour = (mail) => (mail.to[0] === 'referent2@ccas.test' && smtp.received.length === 2 ? { refuseWith: 451 } : {});
    const req = request({ recipients: ['u-ref-1', 'u-ref-2'] });
    const failure = await notify(req).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'SmtpUnavailable', nonRetryable: false });
    expect(outbox.get(req.key)?.deliveries.map((d) => d.status)).toEqual(['SENT', 'FAILED']);
    const retry = await notify(req);
    expect(retry.deliveries).toEqual([
      { recipient: 'u-ref-1', status: 'SENT' },
      { recipient: 'u-ref-2', status: 'SENT' },
    ]);
    expect(smtp.mails.map((m) => m.to[0]).sort()).toEqual(['referent1@ccas.test', 'referent2@ccas.test']);
  });

  it('records a permanent refusal (5xx) UNDELIVERABLE without failing the activity', async () => {
    smtp.behaviour = () => ({ refuseWith: 550 });
    const res = await notify(request());
    expect(res.deliveries).toEqual([{ recipient: 'u-ref-1', status: 'UNDELIVERABLE' }]);
    expect(outbox.list()[0].deliveries[0].detail).toMatch(/^SMTP: .*550/);
  });

  it('leaves a copy another attempt is still sending to that attempt, then resends it with the same Message-ID once the lease is over', async () => {
    const req = request();
    const messageId = messageIdFor(req.key, 'u-ref-1', 'ccas.test');
    // an earlier attempt recorded SENDING and died in its SMTP transaction
    outbox.record(req, [{ recipient: 'u-ref-1', address: 'referent1@ccas.test', status: 'SENDING', messageId, attempts: 1, leaseUntil: new Date(Date.now() + 60_000).toISOString() }]);
    await expect(notify(req)).rejects.toMatchObject({ type: 'SmtpUnavailable' });
    expect(smtp.received).toHaveLength(0);
    outbox.updateDelivery(req.key, 'u-ref-1', { leaseUntil: new Date(Date.now() - 1).toISOString() });
    await notify(req);
    expect(smtp.mails.map((m) => m.messageId)).toEqual([messageId]);
    expect(outbox.get(req.key)?.deliveries[0]).toMatchObject({ status: 'SENT', attempts: 2 });
  });

  it('gives up an SMTP transaction that hangs longer than the timeout (FAILED, retried later)', async () => {
    smtp.behaviour = () => ({ delayMs: 2500 });
    deps = { ...deps, mailer: smtpMailer({ url: smtp.url, from: 'PRE Dijon <pre-noreply@ccas.test>', timeoutSeconds: 1 }) };
    const req = request();
    const started = Date.now();
    await expect(notify(req)).rejects.toMatchObject({ type: 'SmtpUnavailable' });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(outbox.get(req.key)?.deliveries[0]).toMatchObject({ status: 'FAILED', detail: expect.stringMatching(/^SMTP: .*(Timeout|timed out)/i) });
  });

  it('without SMTP_URL, records the notification in the outbox only', async () => {
    deps = { outbox, resolveRecipient };
    const res = await notify(request({ recipients: ['u-ref-1', 'u-ref-noaddr'] }));
    expect(res.deliveries).toEqual([
      { recipient: 'u-ref-1', status: 'RECORDED' },
      { recipient: 'u-ref-noaddr', status: 'UNDELIVERABLE' },
    ]);
    expect(smtp.received).toHaveLength(0);
  });

  it('refuses a request without recipients, non-retryably', async () => {
    await expect(notify(request({ recipients: [] }))).rejects.toMatchObject({ type: 'BadInput', nonRetryable: true });
  });
});

describe('Outbox (durable JSON lines)', () => {
  const file = () => join(mkdtempSync(join(tmpdir(), 'outbox-')), 'notifications.jsonl');

  it('survives a restart: a new instance on the same file knows every key and its latest state', () => {
    const path = file();
    const a = new Outbox(path);
    a.record(request({ key: 'k1' }), [{ recipient: 'u-ref-1', status: 'QUEUED', address: 'x@y' }]);
    a.updateDelivery('k1', 'u-ref-1', { status: 'SENT' });
    const b = new Outbox(path);
    expect(b.get('k1')?.deliveries[0].status).toBe('SENT');
    expect(b.record(request({ key: 'k1' }), []).created).toBe(false);
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('sees what another process appended, and ignores a line torn by a crash', () => {
    const path = file();
    const reader = new Outbox(path);
    const writer = new Outbox(path);
    writer.record(request({ key: 'k1' }), []);
    expect(reader.get('k1')).toBeDefined();
    appendFileSync(path, '{"key":"torn","kind":'); // crash mid-write
    writer.record(request({ key: 'k2' }), []);
    expect(reader.list().map((r) => r.key)).toEqual(['k1', 'k2']);
  });

  it('pages newest first with filters', () => {
    const o = new Outbox(file());
    for (let i = 1; i <= 5; i += 1) o.record(request({ key: `k${i}`, dossierId: i % 2 ? 'D-ODD' : 'D-EVEN' }), [{ recipient: i === 5 ? 'u-ref-2' : 'u-ref-1', status: 'RECORDED' }]);
    const first = o.query({ pageSize: 2 });
    expect(first.items.map((r) => r.key)).toEqual(['k5', 'k4']);
    const second = o.query({ pageSize: 2, pageToken: first.nextPageToken });
    expect(second.items.map((r) => r.key)).toEqual(['k3', 'k2']);
    const last = o.query({ pageSize: 2, pageToken: second.nextPageToken });
    expect(last).toEqual({ items: [expect.objectContaining({ key: 'k1' })] });
    expect(o.query({ pageSize: 10, dossierId: 'D-ODD', recipient: 'u-ref-1' }).items.map((r) => r.key)).toEqual(['k3', 'k1']);
  });
});
