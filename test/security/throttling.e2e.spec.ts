/**
 * Issue 13, row 5 (rate limits), with the env schema's default limits: 60 wrong tokens from one address are answered
 * 401 twenty times then 429 problem+json with Retry-After (a valid token too, while locked out); referrals, writes,
 * codec calls and reports are limited per `sub`, another `sub` is not affected, and nothing refused is started.
 */
import { dataConverter } from '../../src/temporal/data-converter';
import { startTestApp, type TestApp } from '../support/app';
import { codecBody } from '../support/privacy';
import { expectStarted, referralOf } from './support';

function expectTooMany(res: { status: number; headers: Record<string, string>; body: unknown }, detail: string): void {
  expect({ status: res.status, type: res.headers['content-type'], body: res.body }).toEqual({
    status: 429,
    type: expect.stringMatching(/^application\/problem\+json/),
    body: expect.objectContaining({ type: 'urn:pre-orchestrator:problem:too-many-requests', title: 'Too Many Requests', status: 429, detail }),
  });
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect((res.body as { retryAfter: number }).retryAfter).toBe(retryAfter);
}

const AUTH_DETAIL = 'Too many failed authentications from this address: at most 20 a minute. Retry after the delay in Retry-After.';

describe('rate limits (issue 13, row 5; default limits)', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp({ limits: 'defaults' }); // a new app: counters are per process
  });
  afterEach(async () => {
    await t?.close();
  });

  it('answers 401 to 20 wrong tokens from one address, then 429 with Retry-After to the next 40 and to a valid token; nothing is started', async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 60; i++) {
      last = await t.http().post('/parcours').set('Authorization', `Bearer wrong-token-${i}`).send(referralOf(i));
      statuses.push(last.status);
    }
    expect(statuses).toEqual([...Array(20).fill(401), ...Array(40).fill(429)]);
    expectTooMany(last!, AUTH_DETAIL);
    // no token at all counts as a failure too, and the codec shares the lock-out
    expectTooMany(await t.http().get('/parcours'), AUTH_DETAIL);
    expectTooMany(await t.http().post('/codec/decode').send({ payloads: [] }), AUTH_DETAIL);
    // locked out: a valid token gets no answer either (no oracle for a guesser)
    const valid = await t.http().post('/parcours').set('Authorization', `Bearer ${await t.token('u-ref-1', 'referent')}`).send(referralOf(0));
    expectTooMany(valid, AUTH_DETAIL);
    // public routes stay open
    expect((await t.http().get('/health/live')).status).toBe(200);
    await expectStarted(t, 0);
  });

  it('counts failures per client address behind a trusted reverse proxy (PRE_TRUST_PROXY), not per proxy', async () => {
    await t.close();
    t = await startTestApp({ limits: 'defaults', env: { PRE_TRUST_PROXY: 'loopback' } });
    const from = (address: string) => t.http().get('/parcours').set('X-Forwarded-For', address).set('Authorization', 'Bearer wrong');
    for (let i = 0; i < 20; i++) expect((await from('203.0.113.7')).status).toBe(401);
    expectTooMany(await from('203.0.113.7'), AUTH_DETAIL);
    const neighbour = await from('203.0.113.8');
    expect(neighbour.status).toBe(401);
    expect(neighbour.body).toMatchObject({ status: 401, detail: 'The token is malformed or cannot be verified.' });
  });

  it('limits referrals per sub (10 a minute): the 11th and 12th are 429 and start nothing; another référent still refers', async () => {
    const token = await t.token('u-ref-1', 'referent');
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 12; i++) {
      last = await t.http().post('/parcours').set('Authorization', `Bearer ${token}`).send(referralOf(i));
      statuses.push(last.status);
    }
    expect(statuses).toEqual([...Array(10).fill(201), 429, 429]);
    expectTooMany(last!, 'Too many referrals for this account: at most 10 a minute. Retry after the delay in Retry-After.');
    const other = await t.http().post('/parcours').set('Authorization', `Bearer ${await t.token('u-ref-2', 'referent')}`).send(referralOf(12));
    expect(other.status).toBe(201);
    await expectStarted(t, 11);
  });

  it('limits writes per sub (60 a minute), codec calls (120) and reports (10); reads are not limited', async () => {
    const referent = await t.token('u-ref-1', 'referent');
    const writes: number[] = [];
    for (let i = 0; i < 61; i++) writes.push((await t.http().post('/parcours/PRE-2026-999999/events').set('Authorization', `Bearer ${referent}`).send({})).status);
    expect(writes.slice(0, 60).every((s) => s !== 429)).toBe(true);
    expectTooMany(
      await t.http().post('/parcours/PRE-2026-999999/events').set('Authorization', `Bearer ${referent}`).send({}),
      'Too many changes for this account: at most 60 a minute. Retry after the delay in Retry-After.',
    );
    expect((await t.http().get('/me').set('Authorization', `Bearer ${referent}`)).status).toBe(200); // reads go on

    const supervisor = await t.token('u-sup-1', 'supervisor');
    const [payload] = await dataConverter(t.config).payloadCodecs![0].encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"Zoé"') }]);
    const body = codecBody([payload]);
    const decodes: number[] = [];
    for (let i = 0; i < 120; i++) decodes.push((await t.http().post('/codec/decode').set('Authorization', `Bearer ${supervisor}`).send(body)).status);
    expect(decodes).toEqual(Array(120).fill(200));
    const refused = await t.http().post('/codec/decode').set('Authorization', `Bearer ${supervisor}`).send(body);
    expectTooMany(refused, 'Too many codec calls for this account: at most 120 a minute. Retry after the delay in Retry-After.');
    expect(JSON.stringify(refused.body)).not.toContain('Zo');

    const coordinator = await t.token('u-coord-1', 'coordinator');
    const reports: number[] = [];
    for (let i = 0; i < 11; i++) reports.push((await t.http().get('/reports/indicators?year=2026').set('Authorization', `Bearer ${coordinator}`)).status);
    expect(reports.slice(0, 10).every((s) => s !== 429)).toBe(true);
    expect(reports[10]).toBe(429);
    await expectStarted(t, 0);
  });
});
