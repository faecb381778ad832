/**
 * The duplicate check through the child registry (issue 17), over HTTP: what a stale holder of a child's registry
 * does not do — a dossier whose start failed after its claim never makes a later referral of that child a duplicate,
 * and a closed case frees its child at once.
 */
import request from 'supertest';
import { REFERRAL } from '../support/api-examples';
import { startTestApp, type TestApp } from '../support/app';

function referralOf(firstName: string) {
  return { ...REFERRAL, child: { ...REFERRAL.child, firstName } };
}

describe('referral duplicate check by the child registry', () => {
  let t: TestApp;
  let coord: string;
  let http: () => ReturnType<typeof request>;

  beforeAll(async () => {
    t = await startTestApp();
    const url = await t.app.getUrl();
    http = () => request(url);
    coord = await t.token('u-coord-1', 'coordinator');
  });
  afterAll(async () => {
    await t?.close();
  });

  const refer = (body: unknown, key?: string) => {
    const req = http().post('/parcours').set('Authorization', `Bearer ${coord}`);
    return (key ? req.set('Idempotency-Key', key) : req).send(body as object);
  };

  it('an Idempotency-Key reused for another child (422) leaves that child free to be referred, and the first case still refuses its duplicate', async () => {
    const first = await refer(referralOf('Ines'), 'reg-key-1');
    expect(first.status).toBe(201);
    // the same key with another child: the claim of Noor's registry names Ines's dossier, whose start then refuses the body
    const reused = await refer(referralOf('Noor'), 'reg-key-1');
    expect(reused.status).toBe(422);
    // Noor is not followed: her referral opens her case (the registry's holder is another child's case: replaced)
    const noor = await refer(referralOf('Noor'));
    expect(noor.status).toBe(201);
    expect(noor.body.dossierId).not.toBe(first.body.dossierId);
    // Ines still is: 409 naming her case; so is Noor
    expect(await refer(referralOf('Ines'))).toMatchObject({ status: 409, body: { type: 'urn:pre-orchestrator:problem:duplicate', dossierId: first.body.dossierId } });
    expect(await refer(referralOf('Noor'))).toMatchObject({ status: 409, body: { dossierId: noor.body.dossierId } });
  });
});
