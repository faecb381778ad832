/**
 * `POST /parcours/{dossierId}/safeguarding-reports` over HTTP (DOMAIN.md "Life events"): the département's report
 * date goes on the concern already recorded; one concern, one URGENT escalation.
 */
import { eventually, startTestApp, type TestApp } from '../support/app';

const today = () => new Date().toISOString().slice(0, 10);

interface View {
  dossierId: string;
  lifeEvents: Array<{ type: string; occurredOn: string; reportedOn?: string }>;
}

describe('safeguarding report date over HTTP', () => {
  let t: TestApp;
  let coord: string;
  let ref: string;

  beforeAll(async () => {
    t = await startTestApp();
    [coord, ref] = await Promise.all([t.token('u-coord-1', 'coordinator'), t.token('u-ref-9', 'referent')]);
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (path: string, token: string, body: object, key?: string) => {
    const req = t.http().post(path).set('Authorization', `Bearer ${token}`);
    return (key ? req.set('Idempotency-Key', key) : req).send(body);
  };

  it('adds the report date to the concern: 200 with the case, one concern and one escalation; 409 and 422 otherwise', async () => {
    const d0 = today();
    const referral = {
      referredOn: d0,
      child: { firstName: 'Ysaline', lastName: 'Vauthier-Roche', birthDate: '2016-02-11', sex: 'F', address: { line1: '8 rue de Nantes', postcode: '21000', city: 'Dijon' }, qpv: 'GRESILLES' },
      guardians: [{ firstName: 'Sonia', lastName: 'Garnier', relationship: 'MOTHER' }],
      orienteur: { type: 'SCHOOL', organisation: 'École des Grésilles' },
      reasons: ['SCHOOL_RESULTS'],
    };
    const created = await post('/parcours', ref, referral);
    expect(created.status).toBe(201);
    const id = (created.body as View).dossierId;
    expect((await post(`/parcours/${id}/events`, ref, { type: 'SAFEGUARDING_CONCERN', occurredOn: d0 })).status).toBe(200);

    const res = await post(`/parcours/${id}/safeguarding-reports`, ref, { concernOn: d0, reportedOn: d0 }, 'report-ines');
    expect(res.status).toBe(200);
    expect((res.body as View).lifeEvents).toEqual([expect.objectContaining({ type: 'SAFEGUARDING_CONCERN', occurredOn: d0, reportedOn: d0 })]);
    expect((await post(`/parcours/${id}/safeguarding-reports`, ref, { concernOn: d0, reportedOn: d0 }, 'report-ines')).status).toBe(200);

    const again = await post(`/parcours/${id}/safeguarding-reports`, coord, { concernOn: d0, reportedOn: d0 });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ detail: `The concern of ${d0} was already reported to the département on ${d0}.` });
    const none = await post(`/parcours/${id}/safeguarding-reports`, coord, { concernOn: '2020-01-01', reportedOn: d0 });
    expect(none.status).toBe(422);
    expect(none.body).toMatchObject({ code: 'UNKNOWN_CONCERN', field: 'concernOn' });
    expect(none.headers['content-type']).toMatch(/application\/problem\+json/);
    const bad = await post(`/parcours/${id}/safeguarding-reports`, coord, { concernOn: d0 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('reportedOn');

    const escalations = await eventually(async () => {
      const list = await t.http().get(`/notifications?dossierId=${id}&kind=SAFEGUARDING_ESCALATION`).set('Authorization', `Bearer ${coord}`);
      return list.status === 200 && (list.body.items as unknown[]).length > 0 ? (list.body.items as unknown[]) : undefined;
    });
    expect(escalations).toHaveLength(1);
    const state = (await t.http().get(`/parcours/${id}`).set('Authorization', `Bearer ${coord}`)).body as View;
    expect(state.lifeEvents).toHaveLength(1);
  });
});
