/**
 * Issue 13 row 2 on the real dev server: a visibility query built by src/temporal/visibility-query.ts finds exactly
 * the workflows whose attribute holds the hostile value, never another; and a référent whose token `sub` is hostile
 * (`x' OR PreReferentId != 'zz`, `o'brien@ccas.fr`, a backslash) lists no other référent's case and never gets a 500
 * — whether authentication accepts such a `sub` (200, an empty list) or refuses it (401).
 * The builder's own property test is test/security/query-injection.unit.spec.ts.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Response } from 'supertest';
import { TemporalGateway } from '../../src/temporal/temporal-gateway';
import { eq, onTaskQueue, visibilityQuery } from '../../src/temporal/visibility-query';
import { PRE_REFERENT_ID } from '../../workflows/shared/search-attributes';
import { REFERRAL } from '../support/api-examples';
import { eventually, startTestApp, type TestApp } from '../support/app';
import { quietRuntime, uniqueTaskQueue } from '../support/temporal';

const run = randomUUID().slice(0, 6);
const VICTIM = `u-ref-victim${run}`;
const HOSTILE_SUBS = ["x' OR PreReferentId != 'zz", "o'brien@ccas.fr", "zz' OR 'a' = 'a", 'back\\', "\\' OR PreReferentId IS NOT NULL OR PreReferentId = '"];

describe('no visibility-query injection on the real server (issue 13 row 2)', () => {
  let t: TestApp;
  let victimCase: string;

  /** A token signed with the app's secret for any `sub` (the dev-token helper may refuse hostile ones). */
  const tokenFor = (sub: string, roles: string[]) =>
    new SignJWT({ roles })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(sub)
      .setIssuer(t.config.JWT_ISSUER)
      .setAudience(t.config.JWT_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(t.config.jwtSecret!));
  const get = async (path: string, sub: string, roles: string[]): Promise<Response> => t.http().get(path).set('Authorization', `Bearer ${await tokenFor(sub, roles)}`);

  beforeAll(async () => {
    quietRuntime();
    t = await startTestApp();
    const res = await t
      .http()
      .post('/parcours')
      .set('Authorization', `Bearer ${await t.token(VICTIM, 'referent')}`)
      .send({ ...REFERRAL, child: { ...REFERRAL.child, lastName: `Victim${run}` } });
    expect(res.status).toBe(201);
    victimCase = res.body.dossierId as string;
    await eventually(async () => ((await get('/parcours', 'u-coord-1', ['coordinator'])).body.items as Array<{ dossierId: string }>).some((c) => c.dossierId === victimCase));
  });

  afterAll(async () => {
    await t?.close();
  });

  it('finds exactly the workflows holding a hostile value, never another one', async () => {
    const gateway = t.app.get(TemporalGateway);
    const taskQueue = uniqueTaskQueue('inject');
    // workflows nobody runs (no worker on this queue): only their search attributes matter
    const values = [VICTIM, "o'brien@ccas.fr", "x' OR PreReferentId != 'zz", 'é😀 \u202e', 'a%b_c', 'back\\slash', "zz' OR 'a' = 'a"];
    const handles = await Promise.all(
      values.map((value, i) =>
        t.client.workflow.start('injectionProbe', { taskQueue, workflowId: `inject-${run}-${i}`, typedSearchAttributes: [{ key: PRE_REFERENT_ID, value }] }),
      ),
    );
    try {
      const holding = async (value: string) =>
        (await gateway.listPage(visibilityQuery(onTaskQueue(taskQueue), eq('PreReferentId', value)), 50)).executions.map((e) => e.searchAttributes.get(PRE_REFERENT_ID));
      await eventually(async () => (await gateway.listPage(visibilityQuery(onTaskQueue(taskQueue)), 50)).executions.length === values.length);
      // the quoted values round-trip: each finds its own workflow, and only it
      for (const value of [VICTIM, "o'brien@ccas.fr", "x' OR PreReferentId != 'zz", 'é😀 \u202e', 'a%b_c', "zz' OR 'a' = 'a"]) {
        expect(await holding(value)).toEqual([value]);
      }
      // whatever the store makes of a backslash, it finds no other workflow, and nothing fails
      for (const value of ['back\\slash', 'back\\', '\\', "\\' OR PreReferentId IS NOT NULL OR PreReferentId = '"]) {
        for (const found of await holding(value)) expect(found).toBe(value);
      }
    } finally {
      await Promise.all(handles.map((h) => h.terminate('test over').catch(() => undefined)));
    }
  });

  it.each(HOSTILE_SUBS)('a référent whose sub is %j lists no other référent’s case, tasks or notifications, and gets no 500', async (sub) => {
    for (const path of ['/parcours', '/parcours?pageSize=500', '/me/tasks', '/notifications']) {
      const res = await get(path, sub, ['referent']);
      expect([200, 401]).toContain(res.status);
      if (res.status === 200) expect(res.body.items).toEqual([]);
      expect(JSON.stringify(res.body)).not.toContain(victimCase);
    }
  });

  it('refuses a hostile referentId filter with 400 before any query', async () => {
    const res = await get(`/parcours?referentId=${encodeURIComponent("x' OR PreReferentId != 'zz")}`, 'u-coord-1', ['coordinator']);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'referentId' })]);
  });
});
