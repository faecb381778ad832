/**
 * `GET /notifications`: the notification records the workers keep in Temporal (one notification workflow per key),
 * read by the API — filters, pages, a référent sees only what is addressed to them; an API with a data folder of its
 * own lists the same, and two workers in different data folders record a notification once (issue 18, item 2:
 * nothing shared on disk between processes). No SMTP here: notifications are RECORDED.
 */
import { randomUUID } from 'node:crypto';
import { eventually, startTestApp, type TestApp } from '../support/app';
import { parisDateOf, referCase } from '../support/notification-cases';
import { quietRuntime } from '../support/temporal';
import { NativeConnection } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { notificationDeps } from '../../src/notifications/notification-deps';
import { connectionOptions } from '../../src/temporal/connection-options';
import { notificationWorkflowId } from '../../activities/notification-records';
import type { NotificationRequest } from '../../activities/notifications.types';
import { addDays } from '../../workflows/shared/calendar';

const run = randomUUID().slice(0, 6);
const referent = `u-ref-n${run}`;
const other = `u-ref-m${run}`;

interface Delivery {
  recipient: string;
  status: string;
  address?: string;
}
interface Notification {
  key: string;
  kind: string;
  subject: string;
  body: string;
  dossierId?: string;
  dueOn?: string;
  deliveries: Delivery[];
}

describe('GET /notifications', () => {
  let t: TestApp;
  let mine: string;
  let theirs: string;
  const today = parisDateOf(Date.now());

  const list = async (sub: string, role: 'referent' | 'coordinator' | 'supervisor' | 'finance', query = '') =>
    t.http().get(`/notifications${query}`).set('Authorization', `Bearer ${await t.token(sub, role)}`);

  beforeAll(async () => {
    quietRuntime();
    t = await startTestApp({ env: { STAFF_DIRECTORY: `${referent}=${referent}@ccas.test,${other}=${other}@ccas.test,u-coord-1=coordination@ccas.test` } });
    // referred 16 days ago: the acknowledgement and the J+15 consent reminder are due at once
    mine = await referCase(t, referent, addDays(today, -16));
    theirs = await referCase(t, other, addDays(today, -16));
    await eventually(async () => {
      const res = await list('u-coord-1', 'coordinator', '?kind=CONSENT_REMINDER');
      const dossiers = (res.body.items as Notification[]).map((n) => n.dossierId);
      return dossiers.includes(mine) && dossiers.includes(theirs);
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists the reminders with their delivery state per recipient, filtered by dossier and kind', async () => {
    const res = await list('u-coord-1', 'coordinator', `?dossierId=${mine}&kind=CONSENT_REMINDER`);
    expect(res.status).toBe(200);
    expect(res.body.nextPageToken).toBeUndefined();
    expect(res.body.items).toEqual([
      expect.objectContaining({
        kind: 'CONSENT_REMINDER',
        dossierId: mine,
        dueOn: addDays(today, -16 + 60),
        key: `parcours-${mine}:CONSENT_REMINDER:${addDays(today, -16 + 60)}`,
        subject: expect.stringContaining(mine),
        deliveries: [
          { recipient: referent, address: `${referent}@ccas.test`, status: 'RECORDED' },
          { recipient: 'u-coord-1', address: 'coordination@ccas.test', status: 'RECORDED' },
        ],
      }),
    ]);
    const body = (res.body.items as Notification[])[0];
    expect(`${body.subject}\n${body.body}`).not.toMatch(/Samira|Test[0-9a-f]{8}/);
  });

  it('shows a référent only what is addressed to them, and only their own copy', async () => {
    const res = await list(referent, 'referent');
    expect(res.status).toBe(200);
    const items = res.body.items as Notification[];
    expect(items.map((n) => n.kind).sort()).toEqual(['CONSENT_REMINDER', 'REFERRAL_ACK']);
    expect(items.every((n) => n.dossierId === mine)).toBe(true);
    expect(items.flatMap((n) => n.deliveries.map((d) => d.recipient))).toEqual([referent, referent]);
    expect((await list(referent, 'referent', `?dossierId=${theirs}`)).body).toEqual({ items: [] });
    const forbidden = await list(referent, 'referent', `?recipient=${other}`);
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('filters by recipient for the coordinator and the supervisor, and refuses finance', async () => {
    const res = await list('u-sup-1', 'supervisor', `?recipient=${other}`);
    expect(res.status).toBe(200);
    expect((res.body.items as Notification[]).every((n) => n.deliveries.some((d) => d.recipient === other) && n.dossierId === theirs)).toBe(true);
    expect((await list('u-fin-1', 'finance')).status).toBe(403);
  });

  it('pages newest first with an opaque token, and refuses a bad token or filter with 400', async () => {
    const first = await list(referent, 'referent', '?pageSize=1');
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextPageToken).toEqual(expect.any(String));
    const second = await list(referent, 'referent', `?pageSize=1&pageToken=${first.body.nextPageToken}`);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].key).not.toBe(first.body.items[0].key);
    expect(second.body.nextPageToken).toBeUndefined();
    const all = (await list('u-coord-1', 'coordinator', '?pageSize=100')).body.items as Array<{ createdAt: string }>;
    // newest first (by the start of each record's workflow; its createdAt is taken a moment before, hence the second of slack)
    expect(all.slice(1).filter((n, i) => Date.parse(n.createdAt) > Date.parse(all[i].createdAt) + 1000)).toEqual([]);
    const bad = await list(referent, 'referent', '?pageToken=abc&kind=lower');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'kind', message: 'kind must be a notification kind in upper case, e.g. CONSENT_REMINDER' }]);
    const badToken = await list(referent, 'referent', '?pageToken=abc');
    expect(badToken.status).toBe(400);
  });

  it('an API with a data folder of its own (another host) lists what the workers recorded, and the same copies', async () => {
    const before = (await list('u-coord-1', 'coordinator')).body.items as Notification[];
    expect(before.length).toBeGreaterThanOrEqual(4);
    const again = await startTestApp({ worker: false, env: { TEMPORAL_TASK_QUEUE: t.config.TEMPORAL_TASK_QUEUE } });
    try {
      expect(again.config.dataDir).not.toBe(t.config.dataDir);
      const res = await again.http().get('/notifications').set('Authorization', `Bearer ${await again.token('u-coord-1', 'coordinator')}`);
      expect(res.status).toBe(200);
      expect((res.body.items as Notification[]).map((n) => n.key)).toEqual(before.map((n) => n.key));
      const mineOnly = await again.http().get(`/notifications?dossierId=${mine}&kind=CONSENT_REMINDER`).set('Authorization', `Bearer ${await again.token(referent, 'referent')}`);
      expect((mineOnly.body.items as Notification[]).map((n) => n.deliveries)).toEqual([[{ recipient: referent, address: `${referent}@ccas.test`, status: 'RECORDED' }]]);
    } finally {
      await again.close();
    }
  });

  it('records a notification with nothing to e-mail (no SMTP here) without a workflow task: listed, running, its history only its start', async () => {
    const res = await list('u-coord-1', 'coordinator', `?kind=CONSENT_REMINDER&dossierId=${mine}`);
    const [reminder] = res.body.items as Notification[];
    expect(reminder.deliveries.map((d) => d.status)).toEqual(['RECORDED', 'RECORDED']);
    const handle = t.client.workflow.getHandle(notificationWorkflowId(reminder.key));
    expect((await handle.describe()).status.name).toBe('RUNNING');
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.map((e) => e.eventType)).toEqual([temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED]);
  });

  it('two workers in different data folders, each with its own connection, record one notification once (one record, one created)', async () => {
    const other = await startTestApp({ env: { TEMPORAL_TASK_QUEUE: t.config.TEMPORAL_TASK_QUEUE } }); // a second worker polling the same queue
    const connections = await Promise.all([NativeConnection.connect(connectionOptions(t.config)), NativeConnection.connect(connectionOptions(other.config))]);
    try {
      expect(other.config.dataDir).not.toBe(t.config.dataDir);
      const stores = [notificationDeps(t.config, connections[0]).notifications, notificationDeps(other.config, connections[1]).notifications];
      const req: NotificationRequest = {
        key: `test-two-workers:${run}`,
        kind: 'TWO_WORKERS_TEST',
        recipients: ['u-coord-1'],
        subject: 'Test',
        body: 'Test',
        dossierId: mine,
      };
      // each records the same key five times at once, as retried activities on two workers would
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => stores[i % 2].record(req, [{ recipient: 'u-coord-1', status: 'RECORDED' }])));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.record.id)).size).toBe(1);
      const listed = await eventually(async () => {
        const res = await list('u-coord-1', 'coordinator', '?kind=TWO_WORKERS_TEST');
        return res.body.items?.length ? (res.body.items as Notification[]) : undefined;
      });
      expect(listed.map((n) => n.key)).toEqual([req.key]);
      await t.client.workflow.getHandle(notificationWorkflowId(req.key)).terminate('test over');
      // and the cases' own notifications, recorded while both workers polled, are listed once each
      const keys = ((await list('u-coord-1', 'coordinator', '?pageSize=100')).body.items as Notification[]).map((n) => n.key);
      expect(new Set(keys).size).toBe(keys.length);
    } finally {
      await Promise.all(connections.map((c) => c.close()));
      await other.close();
    }
  });
});
