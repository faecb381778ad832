/**
 * Issue 13 row 6, no oracle: a second referral of a child already followed tells its dossierId only to whoever may
 * read that case (the coordinator, the référent who follows it). Anyone else gets a 409 that says the child is
 * followed and nothing more — not which case — nothing is started, and the coordinator finds a notice naming the
 * case and the caller (no child data) in `GET /notifications`.
 * Real API, real worker, the run's dev server.
 */
import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import type { Role } from '../../src/auth/roles';
import { REFERRAL } from '../support/api-examples';
import { eventually, startTestApp, type TestApp } from '../support/app';
import { quietRuntime } from '../support/temporal';

const run = randomUUID().slice(0, 6);
const REF_A = `u-ref-a${run}`;
const REF_B = `u-ref-b${run}`;
const COORD = 'u-coord-1';

/** The duplicate 409 of someone who may not read the existing case: nothing that names or finds it. */
const BLIND_409 = {
  type: 'urn:pre-orchestrator:problem:duplicate',
  title: 'Conflict',
  status: 409,
  detail: 'An open case already exists for this child, followed by someone else: no second case was opened. The coordinator has been told and will put you in touch.',
  failureType: 'Duplicate',
  instance: '/parcours',
};

describe('a duplicate referral is no oracle (issue 13 row 6)', () => {
  let t: TestApp;
  const child = { ...REFERRAL.child, firstName: 'Inès', lastName: `Oracle${run}` };
  const referral = { ...REFERRAL, child };
  let existing: string;

  const as = (sub: string, role: Role) => t.token(sub, role);
  const post = async (sub: string, role: Role, body: unknown, key?: string): Promise<Response> => {
    const req = t.http().post('/parcours').set('Authorization', `Bearer ${await as(sub, role)}`);
    if (key) req.set('Idempotency-Key', key);
    return req.send(body as object);
  };
  const get = async (path: string, sub: string, role: Role): Promise<Response> => t.http().get(path).set('Authorization', `Bearer ${await as(sub, role)}`);
  /** Every case of this app's task queue, as the coordinator lists them. */
  const allCases = async () => (await get('/parcours?pageSize=500', COORD, 'coordinator')).body.items as Array<{ dossierId: string; referentId: string | null }>;

  beforeAll(async () => {
    quietRuntime();
    t = await startTestApp();
    const first = await post(REF_A, 'referent', referral);
    expect(first.status).toBe(201);
    existing = first.body.dossierId as string;
    await eventually(async () => (await allCases()).some((c) => c.dossierId === existing));
  });

  afterAll(async () => {
    await t?.close();
  });

  it('another référent gets 409 without the dossierId, nothing is started, and the coordinator is told', async () => {
    const res = await post(REF_B, 'referent', { ...referral, child: { ...child, lastName: `  ${child.lastName.toUpperCase()} ` } });
    expect({ status: res.status, body: res.body }).toEqual({ status: 409, body: BLIND_409 });
    expect(JSON.stringify(res.body)).not.toContain(existing);
    // with an Idempotency-Key too (a retry-safe referral must not open a case either)
    const keyed = await post(REF_B, 'referent', referral, `oracle-${run}`);
    expect({ status: keyed.status, body: keyed.body }).toEqual({ status: 409, body: BLIND_409 });

    // nothing started: the coordinator still lists one case, référent B none
    const cases = await allCases();
    expect(cases.map((c) => c.dossierId)).toEqual([existing]);
    expect((await get('/parcours', REF_B, 'referent')).body.items).toEqual([]);

    // the coordinator's notice: the case and the caller, nothing about the child
    const notices = await eventually(async () => {
      const items = (await get('/notifications?kind=DUPLICATE_REFERRAL', COORD, 'coordinator')).body.items as Array<Record<string, unknown>>;
      return items.length > 0 ? items : undefined;
    });
    expect(notices).toHaveLength(1); // the two refusals of the day make one notice
    expect(notices[0]).toMatchObject({ kind: 'DUPLICATE_REFERRAL', dossierId: existing, recipients: ['role:coordinator'], deliveries: [expect.objectContaining({ recipient: COORD })] });
    expect(`${notices[0]!.subject as string} ${notices[0]!.body as string}`).toContain(REF_B);
    expect(JSON.stringify(notices[0])).not.toMatch(new RegExp(`${child.firstName}|${child.lastName}|${child.birthDate}|${child.address.line1}`, 'i'));
    // … which référent B does not see
    expect((await get('/notifications?kind=DUPLICATE_REFERRAL', REF_B, 'referent')).body.items).toEqual([]);
  });

  it('the référent who follows the case and the coordinator still get the dossierId', async () => {
    for (const [sub, role] of [
      [REF_A, 'referent'],
      [COORD, 'coordinator'],
    ] as const) {
      const res = await post(sub, role, referral);
      expect({ status: res.status, body: res.body }).toEqual({
        status: 409,
        body: {
          ...BLIND_409,
          detail: `An open case already exists for this child: ${existing}. Add to that case instead of referring the child again.`,
          dossierId: existing,
        },
      });
    }
    expect((await allCases()).map((c) => c.dossierId)).toEqual([existing]);
  });
});
