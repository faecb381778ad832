/**
 * The retention purge on the dev server (issue 6, DOMAIN.md §5), with a retention of 0 months so that a case closed
 * yesterday is due at once: the case purges its personal data itself (410 Gone, out of the lists), the retention
 * schedule then deletes its earlier runs — the histories that held the data — and marks it ERASED; the yearly
 * indicators still count it. Running the schedule again changes nothing. The worker runs as its own process at
 * LOG_LEVEL=debug, as in production, and its logs name dossier ids and counts, nothing about a child.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { workflowIdFor } from '../../workflows/parcours/parcours.contract';
import type { RetentionPurgeResult } from '../../workflows/schedules/schedules.contract';
import { eventually, startTestApp, type TestApp } from '../support/app';
import { decodedHistoryText, type History } from '../support/privacy';
import { killTree, spawnCaptured, type Started } from '../support/processes';
import { devServerAddress, TEST_CODEC_KEYS, testDataConverter } from '../support/temporal';

const ROOT = join(__dirname, '..', '..');

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);

/** Five children (the report hides counts under 5), with what identifies them. */
const FIRST_NAMES = ['Zéphyrin', 'Ondine', 'Barnabé', 'Clélia', 'Hippolyte'];
const LAST_NAME = 'Retentionscan';
const SECRETS = [...FIRST_NAMES, LAST_NAME, '2016-04-09', 'rue des Écoles-Purgées', '+33655443322', 'Mathilde'];

function referral(firstName: string, referredOn: string) {
  return {
    referredOn,
    child: {
      firstName,
      lastName: LAST_NAME,
      birthDate: '2016-04-09',
      sex: 'F',
      address: { line1: '8 rue des Écoles-Purgées', postcode: '21000', city: 'Dijon' },
      qpv: 'GRESILLES',
    },
    guardians: [{ firstName: 'Mathilde', lastName: LAST_NAME, relationship: 'MOTHER', phone: '+33655443322' }],
    orienteur: { type: 'SCHOOL', organisation: 'École élémentaire Les Grésilles' },
    reasons: ['SCHOOL_RESULTS'],
  };
}

/** Every payload of a history decoded with the test key, plus the raw history, as text. */
const readableText = (history: History) => decodedHistoryText(history, testDataConverter().payloadCodecs![0]);

describe('retention purge driven by its schedule (dev server)', () => {
  let t: TestApp;
  let coord: string;
  let admin: string;
  const prefix = `r${randomUUID().slice(0, 6)}-`;
  const referredOn = daysAgo(3);
  const closedOn = daysAgo(1);
  const year = Number(referredOn.slice(0, 4));
  const ids: string[] = [];

  let worker: Started | undefined;

  beforeAll(async () => {
    t = await startTestApp({ worker: false, env: { PRE_RETENTION_MONTHS: '0', PRE_SCHEDULES_AT_STARTUP: 'true', PRE_SCHEDULE_ID_PREFIX: prefix } });
    [coord, admin] = await Promise.all([t.token('u-coord-1', 'coordinator'), t.token('u-admin-1', 'admin')]);
    // the worker of production (dist/src/worker.js), on the app's task queue, every log line captured
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'ensure-build.js')], { cwd: ROOT, stdio: 'pipe', timeout: 180_000 });
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      NODE_ENV: 'production',
      LOG_LEVEL: 'debug',
      TEMPORAL_ADDRESS: devServerAddress(),
      TEMPORAL_TASK_QUEUE: t.config.TEMPORAL_TASK_QUEUE,
      PRE_DATA_DIR: mkdtempSync(join(process.env.PRE_TEST_TMP ?? tmpdir(), 'retention-worker-')),
      PRE_CODEC_KEYS: TEST_CODEC_KEYS,
      JWT_SECRET: randomBytes(32).toString('base64url'),
      PRE_CHILD_KEY_SECRET: randomBytes(32).toString('base64url'),
      PRE_SCHEDULES_AT_STARTUP: 'false',
      WORKER_METRICS_PORT: '0',
    };
    worker = spawnCaptured(process.execPath, [join(ROOT, 'dist', 'src', 'worker.js')], { cwd: ROOT, env });
    await eventually(async () => (await t.http().get('/health/ready')).status === 200, 30_000);
  }, 240_000);
  afterAll(async () => {
    if (worker) killTree(worker);
    await t?.client.schedule.getHandle(`${prefix}retention-purge`).delete().catch(() => undefined);
    for (const name of ['daily-digest', 'eps-agenda', 'funding-kickoff']) await t?.client.schedule.getHandle(`${prefix}${name}`).delete().catch(() => undefined);
    await t?.close();
  });

  const as = (token: string) => `Bearer ${token}`;
  const runsOf = async (dossierId: string): Promise<WorkflowExecutionInfo[]> => {
    const out: WorkflowExecutionInfo[] = [];
    for await (const info of t.client.workflow.list({ query: `WorkflowId = '${workflowIdFor(dossierId)}'` })) out.push(info);
    return out;
  };
  const referralsReceived = async () => {
    const res = await t.http().get(`/reports/indicators?year=${year}&period=civil`).set('Authorization', as(coord));
    expect(res.status).toBe(200);
    return (res.body.figures as Array<{ code: string; total: unknown }>).find((f) => f.code === 'referrals.received')?.total;
  };
  const retentionRuns = async (): Promise<RetentionPurgeResult[]> => {
    const out: RetentionPurgeResult[] = [];
    for await (const info of t.client.workflow.list({ query: `WorkflowType = 'retentionPurgeWorkflow' AND TaskQueue = '${t.config.TEMPORAL_TASK_QUEUE}' AND ExecutionStatus = 'Completed'` })) {
      out.push(await t.client.workflow.getHandle(info.workflowId, info.runId).result());
    }
    return out;
  };

  it('purges a closed case at the end of its retention: 410 Gone, out of the lists, still counted in the report', async () => {
    for (const firstName of FIRST_NAMES) {
      const res = await t.http().post('/parcours').set('Authorization', as(coord)).send(referral(firstName, referredOn));
      expect(res.status).toBe(201);
      ids.push(res.body.dossierId);
    }
    for (const id of ids) {
      const res = await t.http().post(`/parcours/${id}/closure`).set('Authorization', as(coord)).send({ reason: 'OTHER', motive: 'Déménagement', closedOn, summary: 'Fin du suivi.' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ stage: 'CLOSED', retention: { lastContactOn: closedOn, retentionMonths: 0, purgeOn: closedOn } });
    }
    for (const id of ids) {
      const gone = await eventually(async () => {
        const res = await t.http().get(`/parcours/${id}`).set('Authorization', as(coord));
        expect(res.status).toBe(410);
        return res;
      });
      expect(gone.body).toMatchObject({ status: 410, title: 'Gone', dossierId: id, closedOn, closureReason: 'OTHER', lastContactOn: closedOn });
      expect((await t.http().get(`/parcours/${id}/timeline`).set('Authorization', as(coord))).status).toBe(410);
    }
    await eventually(async () => {
      const listed = await t.http().get('/parcours?stage=CLOSED').set('Authorization', as(coord));
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((i: { dossierId: string }) => i.dossierId).filter((id: string) => ids.includes(id))).toEqual([]);
      return true;
    });
    // Each case now has two runs: the one that held the data (continued-as-new) and the tombstone.
    for (const id of ids) {
      await eventually(async () => {
        expect((await runsOf(id)).map((r) => r.status.name).sort()).toEqual(['CONTINUED_AS_NEW', 'RUNNING']);
        return true;
      });
    }
    await eventually(async () => {
      expect(await referralsReceived()).toBe(5);
      return true;
    });
  });

  it('deletes the earlier runs when the schedule runs: nothing readable is left about the children, even with the key', async () => {
    const earlier = new Map<string, string>();
    for (const id of ids) earlier.set(id, (await runsOf(id)).find((r) => r.status.name === 'CONTINUED_AS_NEW')!.runId);
    // the scan is not blind: the earlier run does hold the children's data, encrypted
    expect(await readableText(await t.client.workflow.getHandle(workflowIdFor(ids[0]), earlier.get(ids[0])).fetchHistory())).toContain(LAST_NAME);

    // the cases' notification records (workflows in Temporal) are there until the purge
    const notificationsOf = async (id: string) => (await t.http().get(`/notifications?dossierId=${id}`).set('Authorization', as(coord))).body.items as Array<{ kind: string }>;
    for (const id of ids) await eventually(async () => (await notificationsOf(id)).length > 0);

    const trigger = await t.http().post(`/schedules/${prefix}retention-purge/trigger`).set('Authorization', as(admin));
    expect(trigger.status).toBe(200);
    const [first] = await eventually(async () => {
      const runs = await retentionRuns();
      expect(runs).toHaveLength(1);
      return runs;
    }, 60_000);
    expect(first).toEqual({ cases: 5, runsDeleted: 5, more: false });

    for (const id of ids) {
      const runs = await eventually(async () => {
        const r = await runsOf(id);
        expect(r.map((x) => x.status.name)).toEqual(['RUNNING']);
        expect(r[0].typedSearchAttributes.getAll().map((p) => [p.key.name, p.value instanceof Date ? p.value.toISOString() : p.value])).toEqual(
          expect.arrayContaining([
            ['PreRetention', 'ERASED'],
            ['PreStage', 'CLOSED'],
          ]),
        );
        return r;
      });
      const names = runs[0].typedSearchAttributes.getAll().map((p) => p.key.name);
      expect(names).not.toContain('PreChildKey');
      expect(names).not.toContain('PreReferentId');
      await expect(t.client.workflow.getHandle(workflowIdFor(id), earlier.get(id)).fetchHistory()).rejects.toThrow(/not found/i);
      const text = await readableText(await t.client.workflow.getHandle(workflowIdFor(id)).fetchHistory());
      for (const secret of SECRETS) expect(text).not.toContain(secret);
      expect(text).toContain('confirmErasure');
      expect((await t.http().get(`/parcours/${id}`).set('Authorization', as(coord))).status).toBe(410);
      // and its notifications went with it (kept as long as the case's data, not longer)
      await eventually(async () => (await notificationsOf(id)).length === 0);
    }
    // The retention run itself names dossier ids and counts, nothing about a child.
    for await (const info of t.client.workflow.list({ query: `WorkflowType = 'retentionPurgeWorkflow' AND TaskQueue = '${t.config.TEMPORAL_TASK_QUEUE}'` })) {
      const text = await readableText(await t.client.workflow.getHandle(info.workflowId, info.runId).fetchHistory());
      for (const secret of SECRETS) expect(text).not.toContain(secret);
      expect(text).toContain(ids[0]);
    }
    expect(await referralsReceived()).toBe(5);
  });

  it('logs the purge with dossier ids and counts, nothing about a child (worker at LOG_LEVEL=debug)', async () => {
    const output = worker!.output();
    const lines = output.split('\n').filter((l) => l.includes('retention'));
    for (const id of ids) expect(lines.some((l) => l.includes('retention: case erased') && l.includes(id))).toBe(true);
    expect(output).toContain('retention: purging the personal data of the case');
    const folded = output.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
    for (const secret of SECRETS) expect({ secret, found: folded.includes(secret.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()) }).toEqual({ secret, found: false });
  });

  it('changes nothing when the schedule runs again (idempotent)', async () => {
    const trigger = await t.http().post(`/schedules/${prefix}retention-purge/trigger`).set('Authorization', as(admin));
    expect(trigger.status).toBe(200);
    const runs = await eventually(async () => {
      const r = await retentionRuns();
      expect(r).toHaveLength(2);
      return r;
    }, 60_000);
    expect(runs).toContainEqual({ cases: 0, runsDeleted: 0, more: false });
    for (const id of ids) expect((await runsOf(id)).map((x) => x.status.name)).toEqual(['RUNNING']);
    expect(await referralsReceived()).toBe(5);
  });
});
