/**
 * Plausible dates everywhere (issue 13 #4): a birth date in the future or before 1900, a business date before
 * PRE_DATES_EARLIEST (2000-01-01) or more than PRE_DATES_MAX_MONTHS_AHEAD (12) months ahead, a planned end more
 * than PRE_PLAN_DATES_MAX_MONTHS_AHEAD (60) months ahead → 400 naming the field; nothing is started or changed.
 * Reported: `referredOn: "9999-12-31"` was 201, then the case failed every workflow task for ever.
 */
import { startTestApp, type TestApp } from '../support/app';
import { settledQueue, workflowsOnQueue as onQueue } from '../support/queue-state';
import { CONSENT, CONVENTION, LIFE_EVENT, PAYMENT, REFERRAL, SEED_SESSION, SUSPENSION, ACTION } from '../support/api-examples';
import { addDays, addMonths, parisDateOf } from '../../workflows/shared/calendar';

const today = parisDateOf(Date.now());
const lastBusiness = addMonths(today, 12);
const lastPlan = addMonths(today, 60);

describe('plausible dates: out-of-window dates are refused with 400 naming the field', () => {
  let t: TestApp;
  let token: string;
  let dossierId: string;
  const ref = 'CPO-DATES-2024';

  const settled = () => settledQueue(t);
  const workflowsOnQueue = () => onQueue(t);
  const post = (path: string, body: unknown) => t.http().post(path).set('Authorization', `Bearer ${token}`).send(body as object);

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.token('u-dates-1', ['coordinator', 'referent', 'finance', 'admin']);
    const referral = await post('/parcours', REFERRAL);
    expect(referral.status).toBe(201);
    dossierId = referral.body.dossierId;
    expect((await post('/conventions', { ...CONVENTION, reference: ref })).status).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  const child = (birthDate: string) => ({ ...REFERRAL, child: { ...REFERRAL.child, birthDate } });
  const refused: Array<[string, () => string, () => object, string, RegExp]> = [
    ['the reported referral on 9999-12-31', () => '/parcours', () => ({ ...REFERRAL, referredOn: '9999-12-31' }), 'referredOn', new RegExp(`^referredOn must not be after ${lastBusiness} \\(PRE_DATES_MAX_MONTHS_AHEAD months from today\\)$`)],
    ['a referral a day after the window', () => '/parcours', () => ({ ...REFERRAL, referredOn: addDays(lastBusiness, 1) }), 'referredOn', /^referredOn must not be after /],
    ['a referral on 1999-12-31', () => '/parcours', () => ({ ...REFERRAL, referredOn: '1999-12-31' }), 'referredOn', /^referredOn must not be before 2000-01-01 \(PRE_DATES_EARLIEST\)$/],
    ['a child born tomorrow', () => '/parcours', () => child(addDays(today, 1)), 'child.birthDate', new RegExp(`^birthDate must not be in the future \\(after ${today}\\)$`)],
    ['a child born in 2031 (reported)', () => '/parcours', () => child('2031-01-01'), 'child.birthDate', /^birthDate must not be in the future/],
    ['a child born in 1899', () => '/parcours', () => child('1899-12-31'), 'child.birthDate', /^birthDate must not be before 1900-01-01$/],
    ['a consent signed on 9999-12-31 (reported: 500 after 20 s)', () => `/parcours/${dossierId}/consent`, () => ({ ...CONSENT, signedOn: '9999-12-31' }), 'signedOn', /^signedOn must not be after /],
    ['a life event on 9999-12-31 (reported: 500 after 20 s)', () => `/parcours/${dossierId}/events`, () => ({ ...LIFE_EVENT, occurredOn: '9999-12-31' }), 'occurredOn', /^occurredOn must not be after /],
    ['a suspension expected to end after the plan window', () => `/parcours/${dossierId}/suspension`, () => ({ ...SUSPENSION, expectedEndOn: addDays(lastPlan, 1) }), 'expectedEndOn', /PRE_PLAN_DATES_MAX_MONTHS_AHEAD/],
    ['an action ending after the plan window', () => `/parcours/${dossierId}/actions`, () => ({ ...ACTION, endsOn: addDays(lastPlan, 1) }), 'endsOn', /^endsOn must not be after /],
    ['a payment received in 1999', () => `/conventions/${ref}/years/2024/payments`, () => ({ ...PAYMENT, receivedOn: '1999-06-01' }), 'receivedOn', /^receivedOn must not be before 2000-01-01/],
    ['a board session in 9999', () => `/conventions/${ref}/deliberations`, () => ({ ...SEED_SESSION, sessionDate: '9999-01-05' }), 'sessionDate', /^sessionDate must not be after /],
    ['a backfill from 1990', () => '/schedules/pre-daily-digest/backfill', () => ({ from: '1990-01-01T00:00:00Z', to: '1990-01-05T00:00:00Z' }), 'from', /^from must not be before 2000-01-01/],
  ];

  it.each(refused)('%s → 400 naming the field, nothing started or changed', async (_name, path, body, field, message) => {
    const before = await settled();
    const res = await post(path(), body());
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ type: 'urn:pre-orchestrator:problem:validation', status: 400, instance: path() });
    const errors = res.body.errors as Array<{ field: string; message: string }>;
    expect(errors.filter((e) => e.field === field).map((e) => e.message)).toEqual([expect.stringMatching(message)]);
    expect(res.body.detail).toContain(field);
    expect(await workflowsOnQueue()).toEqual(before);
  });

  it('the window edges reach the workflow, which answers by its rules: a consent on the last day of the window is refused as in the future (422), one signed today is recorded, and the case still answers', async () => {
    // the API's window lets the date through; the consent's own rule (not signed in the future) refuses it, and the
    // workflow keeps working: no task fails on a date the API accepted
    const future = await post(`/parcours/${dossierId}/consent`, { ...CONSENT, signedOn: lastBusiness });
    expect(future.status).toBe(422);
    expect(future.body).toMatchObject({ type: 'urn:pre-orchestrator:problem:rule-violation', code: 'CONSENT_DATE_IN_FUTURE' });
    const res = await post(`/parcours/${dossierId}/consent`, { ...CONSENT, signedOn: today });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dossierId, stage: 'AWAITING_TEAM_REVIEW' });
    const read = await t.http().get(`/parcours/${dossierId}`).set('Authorization', `Bearer ${token}`);
    expect(read.status).toBe(200);
    expect(read.body.deadlines.length).toBeGreaterThan(0);
  });
});
