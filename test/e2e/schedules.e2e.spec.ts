/**
 * Temporal Schedules through the API, on the run's dev server: created at start-up (and once when two processes
 * ensure them together), listed with next run times, triggered, backfilled, paused and resumed; the digest e-mails
 * arrive at a real SMTP server. The cases are real parcours, referred through the API with backdated dates.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { loadEnv } from '../../src/config/env';
import { freePort } from '../../src/dev/dev-server';
import { ensureSchedules } from '../../src/schedules/ensure-schedules';
import { SchedulesBootstrap } from '../../src/schedules/schedules.bootstrap';
import { dataConverter } from '../../src/temporal/data-converter';
import { SCHEDULE_NAMES } from '../../workflows/schedules/schedules.contract';
import { eventually, startTestApp, type TestApp } from '../support/app';
import { quietRuntime } from '../support/temporal';
import { grantConsent, referCase } from '../support/notification-cases';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { CONVENTION } from '../support/api-examples';
import { addDays, parisDateOf, parisOffsetHours, weekdayOf } from '../../workflows/shared/calendar';

const run = randomUUID().slice(0, 6);
const prefix = `t${run}-`;
const referent = `u-ref-s${run}`;
const otherReferent = `u-ref-o${run}`;
const digestId = `${prefix}daily-digest`;
const reference = `CPO-PRE-T${run.toUpperCase()}`;
/** The next day (1 to 7 days ahead) that is the n-th weekday of its month for n ≤ 4: the test's EPS meeting. */
const meeting = [1, 2, 3, 4, 5, 6, 7].map((d) => addDays(parisDateOf(Date.now()), d)).find((d) => Number(d.slice(8, 10)) <= 28)!;

describe('Schedules (API + Temporal Schedules + SMTP)', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  const cases: Record<string, string> = {};
  const extraPrefixes: string[] = [];

  const as = async (role: 'admin' | 'supervisor' | 'coordinator') => `Bearer ${await t.token(`u-${role}-1`, role)}`;
  const digestsTo = (address: string) => smtp.mails.filter((m) => m.to.includes(address) && m.subject.startsWith('[PRE] Échéances'));

  beforeAll(async () => {
    quietRuntime();
    smtp = await startSmtpServer();
    const dir = mkdtempSync(join(tmpdir(), 'staff-'));
    const staffFile = join(dir, 'staff.json');
    writeFileSync(
      staffFile,
      JSON.stringify({
        [referent]: { email: `${referent}@ccas.test`, roles: ['referent'] },
        [otherReferent]: { email: `${otherReferent}@ccas.test`, roles: ['referent'] },
        'u-coord-1': { email: 'coordination@ccas.test', roles: ['coordinator'] },
        'u-fin-1': { email: 'finances@ccas.test', roles: ['finance'] },
      }),
    );
    t = await startTestApp({
      env: {
        PRE_SCHEDULE_ID_PREFIX: prefix,
        PRE_SCHEDULES_AT_STARTUP: 'true',
        SMTP_URL: smtp.url,
        STAFF_DIRECTORY_FILE: staffFile,
        SMTP_FROM: 'PRE <pre@ccas.test>',
        // an EPS calendar whose next meeting is a few days away, so that today is an agenda day
        PRE_EPS_WEEKDAY: String(weekdayOf(meeting)),
        PRE_EPS_WEEK_OF_MONTH: String(Math.ceil(Number(meeting.slice(8, 10)) / 7)),
        PRE_EPS_NO_MEETING_MONTHS: String(((Number(meeting.slice(5, 7)) + 5) % 12) + 1),
        PRE_EPS_AGENDA_LEAD_DAYS: '15',
      },
    });
    // real cases, backdated: our référent has one overdue (the EPS review, due 12 days ago) and one due in 5 days
    // (the consent); another référent has one due in 6 days
    const today = parisDateOf(Date.now());
    cases.overdue = await referCase(t, referent, addDays(today, -58));
    await grantConsent(t, referent, cases.overdue, addDays(today, -57));
    cases.soon = await referCase(t, referent, addDays(today, -55));
    cases.other = await referCase(t, otherReferent, addDays(today, -54));
    await eventually(async () => {
      const n = await t.client.workflow.count(`TaskQueue = '${t.config.TEMPORAL_TASK_QUEUE}' AND PreOverdue = true AND PreReferentId = '${referent}'`);
      return n.count === 1;
    });
  });

  afterAll(async () => {
    for (const p of [prefix, ...extraPrefixes]) {
      for (const name of SCHEDULE_NAMES) await t?.client.schedule.getHandle(`${p}${name}`).delete().catch(() => undefined);
    }
    await t?.close();
    await smtp?.close();
  });

  it('creates the three schedules at API start-up, visible in GET /schedules with note, spec, next run times and state', async () => {
    const res = await eventually(async () => {
      const r = await t.http().get('/schedules').set('Authorization', await as('supervisor'));
      return r.status === 200 && r.body.items.every((s: { exists: boolean }) => s.exists) ? r : undefined;
    });
    expect(res.body.items.map((s: { id: string }) => s.id)).toEqual([`${prefix}daily-digest`, `${prefix}eps-agenda`, `${prefix}funding-kickoff`, `${prefix}retention-purge`]);
    const digest = res.body.items[0];
    expect(digest).toMatchObject({
      workflowType: 'dailyDigestWorkflow',
      paused: false,
      note: expect.stringMatching(/^Récapitulatif quotidien/),
      spec: { summary: 'Du lundi au vendredi à 07:30 (Europe/Paris)', timezone: 'Europe/Paris' },
      policies: { overlap: 'SKIP', catchupWindowSeconds: 4 * 3600 },
    });
    expect(digest.nextRunTimes.length).toBeGreaterThan(0);
    for (const next of digest.nextRunTimes as string[]) {
      const at = Date.parse(next);
      const paris = new Date(at + parisOffsetHours(at) * 3_600_000);
      expect([paris.getUTCHours(), paris.getUTCMinutes()]).toEqual([7, 30]);
      expect([1, 2, 3, 4, 5]).toContain(weekdayOf(parisDateOf(at)));
    }
    const kickoff = res.body.items[2];
    expect(kickoff.nextRunTimes[0]).toMatch(/-01-02T07:00:00/); // 2 January, 08:00 Paris
  });

  it('creates each schedule once when two processes ensure them together, and updates a changed definition', async () => {
    const p = `t${randomUUID().slice(0, 6)}-`;
    extraPrefixes.push(p);
    const config = loadEnv({ ...process.env, NODE_ENV: 'test', PRE_DATA_DIR: t.config.dataDir, PRE_SCHEDULE_ID_PREFIX: p, TEMPORAL_TASK_QUEUE: t.config.TEMPORAL_TASK_QUEUE, JWT_SECRET: 'x'.repeat(32) });
    const other = new Client({ connection: t.client.connection, namespace: t.config.TEMPORAL_NAMESPACE, dataConverter: dataConverter(t.config) });
    const [a, b] = await Promise.all([ensureSchedules(t.client, config), ensureSchedules(other, config)]);
    for (let i = 0; i < 3; i += 1) expect([a[i].outcome, b[i].outcome].sort()).toEqual(['created', 'unchanged']);
    expect(await ensureSchedules(t.client, config)).toEqual(a.map((r) => ({ id: r.id, outcome: 'unchanged' })));
    const changed = loadEnv({ ...process.env, NODE_ENV: 'test', PRE_DATA_DIR: t.config.dataDir, PRE_SCHEDULE_ID_PREFIX: p, TEMPORAL_TASK_QUEUE: t.config.TEMPORAL_TASK_QUEUE, JWT_SECRET: 'x'.repeat(32), PRE_DIGEST_TIME: '08:15' });
    const [digest] = await ensureSchedules(t.client, changed);
    expect(digest).toEqual({ id: `${p}daily-digest`, outcome: 'updated' });
    const desc = await t.client.schedule.getHandle(`${p}daily-digest`).describe();
    expect(desc.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 8, end: 8, step: 1 }], minute: [{ start: 15, end: 15, step: 1 }] });
  });

  it('trigger runs the digest now: each référent gets one e-mail with their own cases only', async () => {
    const key = `trigger-${run}`;
    const res = await t.http().post(`/schedules/${digestId}/trigger`).set('Authorization', await as('admin')).set('Idempotency-Key', key);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: digestId, triggeredBy: 'u-admin-1' });
    // the same Idempotency-Key replays the first answer and does not run the digest again
    const again = await t.http().post(`/schedules/${digestId}/trigger`).set('Authorization', await as('admin')).set('Idempotency-Key', key);
    expect({ status: again.status, triggeredAt: again.body.triggeredAt }).toEqual({ status: 200, triggeredAt: res.body.triggeredAt });
    await eventually(async () => digestsTo(`${referent}@ccas.test`).length === 1 && digestsTo(`${otherReferent}@ccas.test`).length === 1, 30_000);
    const [mail] = digestsTo(`${referent}@ccas.test`);
    expect(mail.subject).toBe(`[PRE] Échéances de vos dossiers PRE du ${parisDateOf(Date.now()).split('-').reverse().join('/')} (1 en retard, 1 à venir)`);
    const today = parisDateOf(Date.now());
    const fr = (d: string) => d.split('-').reverse().join('/');
    expect(mail.text).toContain(`En retard (1) :\n- Dossier ${cases.overdue} : Présenter le dossier à l'EPS — échéance le ${fr(addDays(today, -12))}`);
    expect(mail.text).toContain(`Dans les 7 prochains jours (1) :\n- Dossier ${cases.soon} : Recueillir le consentement écrit de la famille — échéance le ${fr(addDays(today, 5))}`);
    expect(mail.text).not.toContain(cases.other);
    expect(digestsTo(`${otherReferent}@ccas.test`)[0].text).toContain(cases.other);
    expect((await t.client.schedule.getHandle(digestId).describe()).info.numActionsTaken).toBe(1);
    const outbox = await t.http().get(`/notifications?recipient=${referent}&kind=DAILY_DIGEST`).set('Authorization', await as('coordinator'));
    expect(outbox.status).toBe(200);
    expect(outbox.body.items).toEqual([
      expect.objectContaining({ kind: 'DAILY_DIGEST', scheduleId: digestId, deliveries: [expect.objectContaining({ recipient: referent, status: 'SENT', messageId: mail.messageId })] }),
    ]);
  });

  it('backfill over three weekdays produces three digests (one per scheduled day)', async () => {
    const before = digestsTo(`${referent}@ccas.test`).length;
    // Monday to Wednesday of last week, whole days in Paris
    const today = parisDateOf(Date.now());
    const monday = addDays(today, -((weekdayOf(today) + 6) % 7) - 7);
    const res = await t
      .http()
      .post(`/schedules/${digestId}/backfill`)
      .set('Authorization', await as('admin'))
      .send({ from: `${monday}T00:00:00+01:00`, to: `${addDays(monday, 3)}T00:00:00+01:00` });
    expect(res.status).toBe(200);
    expect(res.body.backfill).toEqual({ from: expect.any(String), to: expect.any(String), by: 'u-admin-1' });
    await eventually(async () => digestsTo(`${referent}@ccas.test`).length === before + 3, 45_000);
    const keys = (await t.http().get(`/notifications?recipient=${referent}&kind=DAILY_DIGEST`).set('Authorization', await as('coordinator'))).body.items.map(
      (n: { key: string }) => n.key,
    );
    expect(keys).toHaveLength(before + 3);
    for (const d of [monday, addDays(monday, 1), addDays(monday, 2)]) expect(keys.some((k: string) => k.startsWith(`${digestId}:${d}T`))).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    expect(digestsTo(`${referent}@ccas.test`)).toHaveLength(before + 3); // no late duplicate
  });

  it('pause and unpause are reflected in GET /schedules, with the note', async () => {
    const paused = await t.http().post(`/schedules/${digestId}/pause`).set('Authorization', await as('admin')).send({ note: 'Vacances de Noël' });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ id: digestId, paused: true, note: 'Vacances de Noël' });
    const listed = await t.http().get('/schedules').set('Authorization', await as('supervisor'));
    expect(listed.body.items.find((s: { id: string }) => s.id === digestId)).toMatchObject({ paused: true, note: 'Vacances de Noël' });
    const resumed = await t.http().post(`/schedules/${digestId}/unpause`).set('Authorization', await as('admin'));
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ paused: false, note: expect.stringMatching(/^Repris par u-admin-1/) });
    const again = await t.http().get('/schedules').set('Authorization', await as('supervisor'));
    expect(again.body.items.find((s: { id: string }) => s.id === digestId).paused).toBe(false);
  });

  it('sends the coordinator the agenda of the next EPS once, oldest case first, when triggered on an agenda day', async () => {
    const agendaId = `${prefix}eps-agenda`;
    const agendas = () => smtp.mails.filter((m) => m.subject.startsWith("[PRE] Ordre du jour de l'EPS"));
    const res = await t.http().post(`/schedules/${agendaId}/trigger`).set('Authorization', await as('admin'));
    expect(res.status).toBe(200);
    await eventually(async () => agendas().length === 1, 30_000);
    const [mail] = agendas();
    expect(mail.to).toEqual(['coordination@ccas.test']);
    expect(mail.subject).toBe(`[PRE] Ordre du jour de l'EPS du ${meeting.split('-').reverse().join('/')} (1 dossier)`);
    expect(mail.text).toMatch(new RegExp(`1\\. Dossier ${cases.overdue} — Grésilles — 6-10 ans — 58 j depuis l'orientation — en retard`));
    // a second run for the same meeting sends nothing
    await t.http().post(`/schedules/${agendaId}/trigger`).set('Authorization', await as('admin'));
    await eventually(async () => (await t.client.schedule.getHandle(agendaId).describe()).info.recentActions.length === 2);
    await eventually(async () => {
      const recent = (await t.client.schedule.getHandle(agendaId).describe()).info.recentActions;
      const results = await Promise.all(recent.map((a) => t.client.workflow.getHandle(a.action.workflow.workflowId, a.action.workflow.firstExecutionRunId).result().catch(() => undefined)));
      return results.map((r) => (r as { outcome?: string } | undefined)?.outcome).sort().join() === 'ALREADY_SENT,SENT';
    });
    expect(agendas()).toHaveLength(1);
  });

  it("reminds finance of the year's subsidy request for each running convention when the kick-off runs", async () => {
    const finance = `Bearer ${await t.token('u-fin-1', 'finance')}`;
    const created = await t
      .http()
      .post('/conventions')
      .set('Authorization', finance)
      .send({ ...CONVENTION, reference });
    expect(created.status).toBe(201);
    await eventually(async () => (await t.client.workflow.count(`WorkflowType = 'conventionWorkflow' AND PreConventionRef = '${reference}'`)).count === 1);
    const res = await t.http().post(`/schedules/${prefix}funding-kickoff/trigger`).set('Authorization', await as('admin'));
    expect(res.status).toBe(200);
    const year = Number(parisDateOf(Date.now()).slice(0, 4));
    const kickoffs = () => smtp.mails.filter((m) => m.subject.includes(`Convention ${reference} : demande de subvention`));
    await eventually(async () => kickoffs().length === 1, 30_000);
    expect(kickoffs()[0]).toMatchObject({ to: ['finances@ccas.test'], subject: `[PRE] Convention ${reference} : demande de subvention ${year} avant le 31/01/${year}` });
    const outbox = await t.http().get(`/notifications?conventionRef=${reference}&kind=FUNDING_REQUEST_DUE`).set('Authorization', await as('coordinator'));
    expect(outbox.body.items).toEqual([expect.objectContaining({ key: `${prefix}funding-kickoff:${year}:${reference}`, dueOn: `${year}-01-31` })]);
  });

  it('starts the API while Temporal is unreachable, and keeps ensuring the schedules in the background', async () => {
    const port = await freePort();
    const down = await startTestApp({ worker: false, env: { TEMPORAL_ADDRESS: `127.0.0.1:${port}`, PRE_SCHEDULE_ID_PREFIX: `d${run}-`, PRE_SCHEDULES_AT_STARTUP: 'true' } });
    try {
      const live = await down.http().get('/health/live');
      expect(live.status).toBe(200);
      const listed = await down.http().get('/schedules').set('Authorization', `Bearer ${await down.token('u-sup-1', 'supervisor')}`);
      expect(listed.status).toBe(503);
      expect(listed.headers['retry-after']).toBe('5');
      const ready = down.app.get(SchedulesBootstrap).ready!;
      expect(await Promise.race([ready.then(() => 'done'), new Promise((r) => setTimeout(() => r('still retrying'), 500))])).toBe('still retrying');
    } finally {
      await down.close();
    }
  });

  it('refuses an unknown schedule with 404, a bad range with 422 or 400, and a supervisor with 403', async () => {
    const admin = await as('admin');
    const unknown = await t.http().post('/schedules/no-such-schedule/trigger').set('Authorization', admin);
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(unknown.body).toMatchObject({ status: 404, type: 'urn:pre-orchestrator:problem:schedule-not-found', scheduleId: 'no-such-schedule' });
    for (const op of ['pause', 'unpause']) expect((await t.http().post(`/schedules/no-such-schedule/${op}`).set('Authorization', admin)).status).toBe(404);
    const reversed = await t.http().post(`/schedules/${digestId}/backfill`).set('Authorization', admin).send({ from: '2026-01-08T00:00:00Z', to: '2026-01-05T00:00:00Z' });
    expect(reversed.status).toBe(422);
    expect(reversed.body).toMatchObject({ type: 'urn:pre-orchestrator:problem:invalid-range' });
    const tooLong = await t.http().post(`/schedules/${digestId}/backfill`).set('Authorization', admin).send({ from: '2026-01-01T00:00:00Z', to: '2026-02-15T00:00:00Z' });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body).toMatchObject({ type: 'urn:pre-orchestrator:problem:range-too-long' });
    const malformed = await t.http().post(`/schedules/${digestId}/backfill`).set('Authorization', admin).send({ from: 'yesterday', to: '2026-02-30T00:00:00Z' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['from', 'to']);
    const supervisor = await t.http().post(`/schedules/${digestId}/trigger`).set('Authorization', await as('supervisor'));
    expect(supervisor.status).toBe(403);
    const coordinator = await t.http().get('/schedules').set('Authorization', await as('coordinator'));
    expect(coordinator.status).toBe(403);
  });
});
