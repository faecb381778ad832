/**
 * The granted length over HTTP (issue 14, item 3; docs/domain.md "Renewal and length"): an action beyond the end of
 * the granted length is a 422 problem naming the rule and the end date, until the EPS renews the parcours.
 */
import { addMonths } from '../../workflows/shared/calendar';
import { startTestApp, type TestApp } from '../support/app';
import { ensureMeeting } from '../support/team-meetings';

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);

describe('the granted length over HTTP', () => {
  let t: TestApp;
  let coord: string;
  let ref: string;

  beforeAll(async () => {
    t = await startTestApp();
    [coord, ref] = await Promise.all([t.token('u-coord-1', 'coordinator'), t.token('u-ref-1', 'referent')]);
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (path: string, token: string, body: object) => t.http().post(path).set('Authorization', `Bearer ${token}`).send(body);

  it('refuses an action starting after the end of the granted length with 422 naming the rule, and accepts it once renewed', async () => {
    const referredOn = daysAgo(40);
    const created = await post('/parcours', ref, {
      referredOn,
      child: { firstName: 'Noé', lastName: 'Dureeaccordee', birthDate: '2015-05-20', sex: 'M', address: { line1: '3 place de la Fontaine d’Ouche', postcode: '21000', city: 'Dijon' }, qpv: 'FONTAINE_D_OUCHE' },
      guardians: [{ firstName: 'Claire', lastName: 'Dureeaccordee', relationship: 'MOTHER' }],
      orienteur: { type: 'SCHOOL' },
      reasons: ['SCHOOL_RESULTS'],
    });
    expect(created.status).toBe(201);
    const id = created.body.dossierId as string;
    expect((await post(`/parcours/${id}/consent`, ref, { decision: 'GRANTED', signedOn: referredOn, signedBy: [{ name: 'Claire Dureeaccordee', relationship: 'MOTHER' }], dataSharingInformed: true })).status).toBe(200);
    // the review names its recorded EPS meeting (issue 14, item 14)
    const meetingId = await ensureMeeting(t.http, coord, referredOn);
    const validated = await post(`/parcours/${id}/team-reviews`, coord, { meetingId, meetingDate: referredOn, decision: 'VALIDATED', objectives: [{ label: 'Lire' }], referentId: 'u-ref-1', durationMonths: 1 });
    expect(validated.status).toBe(200);
    const endsOn = validated.body.plan.endsOn as string;
    expect(endsOn).toBe(addMonths(referredOn, 1));

    const beyond = daysAgo(1);
    const refused = await post(`/parcours/${id}/actions`, ref, { type: 'SPORT', provider: 'ASPTT Dijon', startsOn: beyond, sessions: 10 });
    expect(refused.status).toBe(422);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.body).toMatchObject({
      status: 422,
      type: 'urn:pre-orchestrator:problem:rule-violation',
      code: 'BEYOND_GRANTED_LENGTH',
      endsOn,
      detail: `The action starts (${beyond}) after the end of the granted length (${endsOn}): the EPS must renew the parcours (renewals) or the coordinator close it.`,
    });
    // an action carried out within the granted length is still recorded, late
    expect((await post(`/parcours/${id}/actions`, ref, { type: 'SPORT', provider: 'ASPTT Dijon', startsOn: endsOn, sessions: 4 })).status).toBe(201);

    const renewed = await post(`/parcours/${id}/renewals`, coord, { meetingDate: daysAgo(2), extensionMonths: 6 });
    expect(renewed.status).toBe(200);
    expect(renewed.body.plan.endsOn).toBe(addMonths(referredOn, 7));
    const accepted = await post(`/parcours/${id}/actions`, ref, { type: 'SPORT', provider: 'ASPTT Dijon', startsOn: beyond, sessions: 10 });
    expect(accepted.status).toBe(201);
    expect(accepted.body.actions).toHaveLength(2);
  });
});
