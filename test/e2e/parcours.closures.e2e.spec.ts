/**
 * Every closure reason of DOMAIN.md §1 reached over HTTP on the dev server. Timer-driven closures use backdated
 * business dates and short configured durations (one-day delays, a one-month maximum length), so the workflow's
 * durable timers are already due and fire at once.
 */
import { eventually, startTestApp, type TestApp } from '../support/app';
import { ensureMeeting } from '../support/team-meetings';

const DAY = 86_400_000;
/** The UTC date `n` days before today (the workflow's business dates are UTC calendar dates). */
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);
const yearsBefore = (date: string, years: number) => `${Number(date.slice(0, 4)) - years}${date.slice(4)}`;

function referral(firstName: string, referredOn: string, child: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    referredOn,
    child: {
      firstName,
      lastName: 'Martin',
      birthDate: '2015-05-20',
      sex: 'M',
      address: { line1: '3 place de la Fontaine d’Ouche', postcode: '21000', city: 'Dijon' },
      qpv: 'FONTAINE_D_OUCHE',
      ...child,
    },
    guardians: [{ firstName: 'Claire', lastName: 'Martin', relationship: 'MOTHER', phone: '+33611223344' }],
    orienteur: { type: 'SOCIAL_SERVICES', organisation: 'Maison des solidarités' },
    reasons: ['PARENTING'],
    ...extra,
  };
}
const consent = (signedOn: string) => ({ decision: 'GRANTED', signedOn, signedBy: [{ name: 'Claire Martin', relationship: 'MOTHER' }], dataSharingInformed: true });
const validated = (meetingDate: string) => ({ meetingId: `EPS-${meetingDate}`, meetingDate, decision: 'VALIDATED', objectives: [{ label: 'Reprendre confiance' }], referentId: 'u-ref-7', durationMonths: 1 });

interface View {
  dossierId: string;
  stage: string;
  eligibility: { eligible: boolean; reasons: string[] } | null;
  closure: { reason: string; closedOn: string; by: { sub: string } } | null;
  pendingClosure: { reason: string; dueOn: string } | null;
  actions: Array<{ status: string }>;
}

describe('every closure reason over HTTP', () => {
  let t: TestApp;
  let coord: string;
  let ref: string;

  beforeAll(async () => {
    t = await startTestApp({
      env: { PRE_MAX_TOTAL_MONTHS: '1', PRE_DEFAULT_DURATION_MONTHS: '1', PRE_UNREACHABLE_CLOSE_DAYS: '1', PRE_CONSENT_WITHDRAWN_CLOSE_DAYS: '1' },
    });
    [coord, ref] = await Promise.all([t.token('u-coord-7', 'coordinator'), t.token('u-ref-7', 'referent')]);
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = async (path: string, token: string, body: unknown, status: number, key?: string): Promise<View> => {
    const req = t.http().post(path).set('Authorization', `Bearer ${token}`);
    const res = await (key ? req.set('Idempotency-Key', key) : req).send(body as object);
    if (res.status !== status) throw new Error(`${path}: expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body as View;
  };
  const state = async (id: string) => (await t.http().get(`/parcours/${id}`).set('Authorization', `Bearer ${coord}`)).body as View;
  const closedAs = (id: string, reason: string) => eventually(async () => {
    const v = await state(id);
    return v.stage === 'CLOSED' && v.closure?.reason === reason ? v : undefined;
  });
  /** A case referred `referredAgo` days ago, consented and validated on the given days ago. */
  async function active(firstName: string, referredAgo: number, consentAgo: number, validatedAgo: number): Promise<string> {
    const { dossierId } = await post('/parcours', ref, referral(firstName, daysAgo(referredAgo)), 201);
    await post(`/parcours/${dossierId}/consent`, ref, consent(daysAgo(consentAgo)), 200);
    await ensureMeeting(t.http, coord, daysAgo(validatedAgo));
    const v = await post(`/parcours/${dossierId}/team-reviews`, coord, validated(daysAgo(validatedAgo)), 200);
    expect(v.stage).toBe('ACTIVE');
    return dossierId;
  }
  const listed = (reason: string, id: string) =>
    eventually(async () => {
      const res = await t.http().get(`/parcours?closureReason=${reason}`).set('Authorization', `Bearer ${coord}`);
      return (res.body.items as Array<{ dossierId: string; closureReason: string }>).find((x) => x.dossierId === id);
    });

  it('INELIGIBLE: a referral outside the QPVs is closed at once, with the rule and its reasons; a retry replays it', async () => {
    const body = referral('Hugo', daysAgo(3), { qpv: 'OTHER' });
    const first = await post('/parcours', ref, body, 201, 'hugo-referral');
    expect(first).toMatchObject({ stage: 'CLOSED', eligibility: { eligible: false, reasons: ['AGE_IN_RANGE', 'QPV_NOT_ELIGIBLE'] }, closure: { reason: 'INELIGIBLE' } });
    // the retry reaches a completed workflow: same case, no second one
    const again = await post('/parcours', ref, body, 201, 'hugo-referral');
    expect(again.dossierId).toBe(first.dossierId);
    expect(again.stage).toBe('CLOSED');
    expect(await listed('INELIGIBLE', first.dossierId)).toMatchObject({ closureReason: 'INELIGIBLE' });
  });

  it('an eligibility derogation travels with the referral: coordinator only', async () => {
    const body = referral('Noah', daysAgo(3), { qpv: 'OTHER' }, { derogation: { motive: 'Famille relogée hors QPV en cours de parcours scolaire' } });
    const res = await t.http().post('/parcours').set('Authorization', `Bearer ${ref}`).send(body);
    expect({ status: res.status, detail: res.body.detail }).toEqual({ status: 403, detail: 'An eligibility derogation is decided by a coordinator.' });
    const v = await post('/parcours', coord, body, 201);
    expect(v).toMatchObject({ stage: 'AWAITING_CONSENT', eligibility: { eligible: false } });
    await post(`/parcours/${v.dossierId}/closure`, coord, { reason: 'OTHER', closedOn: daysAgo(0), summary: 'Fin du test', motive: 'Test' }, 200);
  });

  it('NO_CONSENT: the family refuses', async () => {
    const { dossierId } = await post('/parcours', ref, referral('Adam', daysAgo(5)), 201);
    const v = await post(`/parcours/${dossierId}/consent`, ref, { decision: 'REFUSED', signedOn: daysAgo(1) }, 200);
    expect(v.closure).toMatchObject({ reason: 'NO_CONSENT' });
    await listed('NO_CONSENT', dossierId);
  });

  it('REDIRECTED and REFUSED: EPS decisions that close', async () => {
    const a = await post('/parcours', ref, referral('Louis', daysAgo(9)), 201);
    await post(`/parcours/${a.dossierId}/consent`, ref, consent(daysAgo(8)), 200);
    const meetingId = await ensureMeeting(t.http, coord, daysAgo(1));
    const redirected = await post(`/parcours/${a.dossierId}/team-reviews`, coord, { meetingId, decision: 'REDIRECTED', redirectedTo: 'CMP de Dijon' }, 200);
    expect(redirected.closure).toMatchObject({ reason: 'REDIRECTED' });
    const b = await post('/parcours', ref, referral('Jules', daysAgo(9)), 201);
    await post(`/parcours/${b.dossierId}/consent`, ref, consent(daysAgo(8)), 200);
    const noMotive = await t.http().post(`/parcours/${b.dossierId}/team-reviews`).set('Authorization', `Bearer ${coord}`).send({ meetingId, decision: 'REFUSED' });
    expect({ status: noMotive.status, detail: noMotive.body.detail }).toEqual({ status: 422, detail: 'A REFUSED decision needs a motive.' });
    const refused = await post(`/parcours/${b.dossierId}/team-reviews`, coord, { meetingId, decision: 'REFUSED', motive: 'Relève du droit commun' }, 200);
    expect(refused.closure).toMatchObject({ reason: 'REFUSED' });
    await listed('REDIRECTED', a.dossierId);
    await listed('REFUSED', b.dossierId);
  });

  it('OBJECTIVES_MET, HANDED_OVER and OTHER: closed by a coordinator; OTHER needs a motive', async () => {
    const met = await active('Paul', 12, 11, 10);
    await post(`/parcours/${met}/closure`, coord, { reason: 'OBJECTIVES_MET', closedOn: daysAgo(0), summary: 'Objectifs atteints.' }, 200);
    const handed = await active('Tom', 12, 11, 10);
    const noTarget = await t.http().post(`/parcours/${handed}/closure`).set('Authorization', `Bearer ${coord}`).send({ reason: 'HANDED_OVER', closedOn: daysAgo(0), summary: 'Relais.' });
    expect(noTarget.status).toBe(422);
    await post(`/parcours/${handed}/closure`, coord, { reason: 'HANDED_OVER', closedOn: daysAgo(0), summary: 'Relais.', handedOverTo: 'Centre social Fontaine d’Ouche' }, 200);
    const other = await active('Leo', 12, 11, 10);
    const noMotive = await t.http().post(`/parcours/${other}/closure`).set('Authorization', `Bearer ${coord}`).send({ reason: 'OTHER', closedOn: daysAgo(0), summary: 'Fin.' });
    expect({ status: noMotive.status, detail: noMotive.body.detail }).toEqual({ status: 422, detail: 'An OTHER closure needs a motive.' });
    await post(`/parcours/${other}/closure`, coord, { reason: 'OTHER', closedOn: daysAgo(0), summary: 'Fin.', motive: 'Placement de l’enfant' }, 200);
    await listed('OBJECTIVES_MET', met);
    await listed('HANDED_OVER', handed);
    await listed('OTHER', other);
  });

  it('MOVED_OUT: a family leaving the city closes at once; moving within it closes on 31 August', async () => {
    const left = await active('Ethan', 12, 11, 10);
    const v = await post(`/parcours/${left}/events`, ref, { type: 'MOVED_OUT', occurredOn: daysAgo(1), leftCity: true }, 200);
    expect(v.closure).toMatchObject({ reason: 'MOVED_OUT' });
    const stays = await active('Nathan', 12, 11, 10);
    const pending = await post(`/parcours/${stays}/events`, ref, { type: 'MOVED_OUT', occurredOn: daysAgo(1), leftCity: false }, 200);
    const y = Number(daysAgo(1).slice(0, 4));
    const endOfSchoolYear = Number(daysAgo(1).slice(5, 7)) <= 8 ? `${y}-08-31` : `${y + 1}-08-31`;
    expect(pending).toMatchObject({ stage: 'ACTIVE', pendingClosure: { reason: 'MOVED_OUT', dueOn: endOfSchoolYear } });
    await listed('MOVED_OUT', left);
  });

  it('CONSENT_WITHDRAWN: actions stop at once and the case closes after the configured delay', async () => {
    const id = await active('Gabriel', 12, 11, 10);
    await post(`/parcours/${id}/actions`, ref, { type: 'LEISURE', provider: 'MJC Grésilles', startsOn: daysAgo(5), endsOn: daysAgo(-30) }, 201);
    await post(`/parcours/${id}/events`, ref, { type: 'CONSENT_WITHDRAWN', occurredOn: daysAgo(3) }, 200);
    const closed = await closedAs(id, 'CONSENT_WITHDRAWN');
    expect(closed.actions.map((a) => a.status)).toEqual(['STOPPED']);
    expect(closed.closure?.by.sub).toBe('system');
    await listed('CONSENT_WITHDRAWN', id);
  });

  it('LOST_CONTACT: a family unreachable for the configured delay', async () => {
    const id = await active('Arthur', 20, 18, 15);
    await post(`/parcours/${id}/events`, ref, { type: 'FAMILY_UNREACHABLE', occurredOn: daysAgo(3) }, 200);
    await closedAs(id, 'LOST_CONTACT');
    await listed('LOST_CONTACT', id);
  });

  it('MAX_DURATION: the maximum length has passed', async () => {
    const { dossierId } = await post('/parcours', ref, referral('Raphael', daysAgo(50)), 201);
    await post(`/parcours/${dossierId}/consent`, ref, consent(daysAgo(48)), 200);
    await ensureMeeting(t.http, coord, daysAgo(45));
    await post(`/parcours/${dossierId}/team-reviews`, coord, validated(daysAgo(45)), 200);
    await closedAs(dossierId, 'MAX_DURATION');
    await listed('MAX_DURATION', dossierId);
  });

  it('AGE_LIMIT: a child referred at 16 whose 17th birthday has passed', async () => {
    const birthDate = yearsBefore(daysAgo(5), 17);
    const first = await post('/parcours', ref, referral('Victor', daysAgo(10), { birthDate }), 201);
    expect(first.eligibility).toMatchObject({ eligible: true });
    await closedAs(first.dossierId, 'AGE_LIMIT');
    await listed('AGE_LIMIT', first.dossierId);
  });
});
