/**
 * The family's rights over HTTP on the dev server (issue 14, items 11 and 12; docs/domain.md "The family's rights"):
 * rectification (GDPR art. 16) — partial, recorded as which fields changed by whom and when (never the values), the
 * eligibility checked again on a new birth date or QPV, the identity fingerprint recomputed — and access (art. 15),
 * the export of everything the service holds about the child and the family, itself recorded.
 */
import { randomUUID } from 'node:crypto';
import { RECTIFICATION } from '../support/api-examples';
import { eventually, startTestApp, type TestApp } from '../support/app';

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);

/** A child of the Grésilles with a unique last name (the duplicate check recognises children across the suite). */
function referral(lastName: string, referredOn = daysAgo(5)) {
  return {
    referredOn,
    child: {
      firstName: 'Inès',
      lastName,
      birthDate: '2016-03-14',
      sex: 'F',
      address: { line1: '12 rue Jean de Cirey', postcode: '21000', city: 'Dijon' },
      qpv: 'GRESILLES',
      school: { name: 'École élémentaire Les Grésilles', level: 'CE2', priorityEducation: 'REP+' },
    },
    guardians: [{ firstName: 'Samira', lastName, relationship: 'MOTHER', phone: '+33612345678' }],
    orienteur: { type: 'SCHOOL', organisation: 'École élémentaire Les Grésilles' },
    reasons: ['SCHOOL_RESULTS'],
  };
}

interface TimelineItem {
  type: string;
  summary: string;
  actor: { sub: string; role: string };
  at: string;
}

describe("the family's rights over HTTP: rectification and access", () => {
  let t: TestApp;
  let coord: string;
  let ref: string;
  let otherRef: string;
  let supervisor: string;

  beforeAll(async () => {
    t = await startTestApp();
    [coord, ref, otherRef, supervisor] = await Promise.all([
      t.token('u-coord-1', 'coordinator'),
      t.token('u-ref-1', 'referent'),
      t.token('u-ref-2', 'referent'),
      t.token('u-sup-1', 'supervisor'),
    ]);
  });
  afterAll(async () => {
    await t?.close();
  });

  // letters only (a name), 16 of them per place: every hex digit becomes its own letter. Replacing the digits by one
  // letter, as before, gave "Rectifxxxxxxxx" once in 40 and two referrals of the same child in a run (a 409 duplicate).
  const unique = () => `Rectif${randomUUID().slice(0, 8).replace(/[0-9]/g, (d) => 'ghijklmnop'[Number(d)]!)}`;
  const post = (path: string, token: string, body: object) => t.http().post(path).set('Authorization', `Bearer ${token}`).send(body);
  const get = (path: string, token: string) => t.http().get(path).set('Authorization', `Bearer ${token}`);
  async function refer(lastName: string): Promise<string> {
    const res = await post('/parcours', ref, referral(lastName));
    expect(res.status).toBe(201);
    expect(res.body.stage).toBe('AWAITING_CONSENT');
    return res.body.dossierId as string;
  }
  const timelineOf = async (id: string) => (await get(`/parcours/${id}/timeline`, coord)).body.items as TimelineItem[];

  it('rectifies only the fields given (the example of the issue), records which fields changed, by whom and when, never the values', async () => {
    const lastName = unique();
    const id = await refer(lastName);
    const res = await post(`/parcours/${id}/rectifications`, ref, RECTIFICATION);
    expect(res.status).toBe(200);
    expect(res.body.child).toEqual({ ...referral(lastName).child, address: { line1: '3 rue Marcel Sembat', postcode: '21000', city: 'Dijon' } });
    expect(res.body.guardians).toEqual(referral(lastName).guardians);
    expect(res.body.rectifications).toEqual([
      { fields: ['child.address.line1'], motive: 'Nouvelle adresse communiquée par la mère', by: { sub: 'u-ref-1', role: 'referent' }, at: expect.any(String) },
    ]);
    const entry = (await timelineOf(id)).find((e) => e.type === 'RECTIFIED')!;
    expect(entry).toMatchObject({ actor: { sub: 'u-ref-1', role: 'referent' }, summary: 'Données rectifiées (art. 16 RGPD) : child.address.line1 ; motif consigné' });
    expect(entry.at).toEqual(expect.any(String));
    for (const e of await timelineOf(id)) expect(e.summary).not.toMatch(/Sembat|Cirey|communiquée/);

    // guardians: the whole list as it now is; a second line removed with null
    const guardians = [
      { firstName: 'Samira', lastName, relationship: 'MOTHER', phone: '+33699887766' },
      { firstName: 'Karim', lastName, relationship: 'FATHER' },
    ];
    const both = await post(`/parcours/${id}/rectifications`, coord, { guardians, child: { address: { line2: 'Bâtiment B' } }, motive: 'Fiche famille mise à jour avec la mère' });
    expect(both.status).toBe(200);
    expect(both.body.guardians).toEqual(guardians);
    expect(both.body.child.address).toEqual({ line1: '3 rue Marcel Sembat', line2: 'Bâtiment B', postcode: '21000', city: 'Dijon' });
    expect(both.body.rectifications[1]).toMatchObject({ fields: ['child.address.line2', 'guardians'], by: { sub: 'u-coord-1', role: 'coordinator' } });
    const removed = await post(`/parcours/${id}/rectifications`, ref, { child: { address: { line2: null } }, motive: 'Erreur de saisie' });
    expect(removed.status).toBe(200);
    expect(removed.body.child.address).toEqual({ line1: '3 rue Marcel Sembat', postcode: '21000', city: 'Dijon' });
  });

  it('changes the school level without a motive (each September); any other change needs one (422), and nothing to change is a 422', async () => {
    const id = await refer(unique());
    const september = await post(`/parcours/${id}/rectifications`, ref, { child: { school: { level: 'CM1' } } });
    expect(september.status).toBe(200);
    expect(september.body.child.school).toEqual({ name: 'École élémentaire Les Grésilles', level: 'CM1', priorityEducation: 'REP+' });
    expect(september.body.rectifications[0]).toEqual({ fields: ['child.school.level'], by: { sub: 'u-ref-1', role: 'referent' }, at: expect.any(String) });

    const noMotive = await post(`/parcours/${id}/rectifications`, ref, { child: { school: { name: 'École Colette' } } });
    expect(noMotive.status).toBe(422);
    expect(noMotive.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(noMotive.body).toMatchObject({ status: 422, code: 'RECTIFICATION_MOTIVE', field: 'motive' });
    expect(noMotive.body.detail).toContain('child.school.name');

    const same = await post(`/parcours/${id}/rectifications`, ref, { child: { school: { level: 'CM1' } }, motive: 'Encore' });
    expect(same.status).toBe(422);
    expect(same.body).toMatchObject({ code: 'NOTHING_TO_RECTIFY' });

    const bad = await post(`/parcours/${id}/rectifications`, ref, { child: { firstName: '  ', birthDate: '2999-01-01', qpv: 'PARIS' }, guardians: [], motive: 'x' });
    expect(bad.status).toBe(400);
    const fields = (bad.body.errors as Array<{ field: string }>).map((e) => e.field).sort();
    expect(fields).toEqual(['child.birthDate', 'child.firstName', 'child.qpv', 'guardians']);
    expect((await get(`/parcours/${id}`, coord)).body.child.firstName).toBe('Inès');
  });

  it('a new birth date checks the eligibility again and tells the coordinator when the child no longer meets it; the age band follows', async () => {
    const id = await refer(unique());
    // born a year before the referral: under 2 on the referral date
    const birthDate = `${Number(daysAgo(5).slice(0, 4)) - 1}-01-15`;
    const res = await post(`/parcours/${id}/rectifications`, ref, { child: { birthDate }, motive: 'Acte de naissance présenté par la famille' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ stage: 'AWAITING_CONSENT', ageBand: '0-1', eligibility: { eligible: false, reasons: ['AGE_UNDER_2', 'QPV_ELIGIBLE'], recheckedAt: expect.any(String) } });
    expect(res.body.rectifications[0]).toMatchObject({ fields: ['child.birthDate'], eligibilityRechecked: true });
    const summaries = (await timelineOf(id)).map((e) => e.summary);
    expect(summaries).toContain('Éligibilité revérifiée après rectification : non éligible (règle qpv-2024-dijon-v1 ; AGE_UNDER_2, QPV_ELIGIBLE)');
    await eventually(async () => {
      const n = await get(`/notifications?dossierId=${id}&kind=ELIGIBILITY_RECHECK`, coord);
      return n.body.items.length === 1 ? n : undefined;
    });

    // a QPV back in the list after a move within the city keeps it eligible
    const id2 = await refer(unique());
    const qpv = await post(`/parcours/${id2}/rectifications`, ref, { child: { qpv: 'FONTAINE_D_OUCHE', address: { line1: '3 place de la Fontaine d’Ouche' } }, motive: 'Adresse erronée à l’orientation' });
    expect(qpv.status).toBe(200);
    expect(qpv.body.eligibility).toMatchObject({ eligible: true, qpv: 'FONTAINE_D_OUCHE', reasons: ['AGE_IN_RANGE', 'QPV_ELIGIBLE'] });
  });

  it('recomputes the identity fingerprint: the child is found under the rectified name, no longer under the old one', async () => {
    const oldName = unique();
    const newName = unique();
    const id = await refer(oldName);
    expect((await post('/parcours', ref, referral(oldName))).status).toBe(409);
    const res = await post(`/parcours/${id}/rectifications`, ref, { child: { lastName: newName }, motive: "Nom d'usage corrigé" });
    expect(res.status).toBe(200);
    // a second referral under the rectified name names the case
    const dup = await eventually(async () => {
      const r = await post('/parcours', ref, referral(newName));
      return r.status === 409 ? r : undefined;
    });
    expect(dup.body).toMatchObject({ status: 409, dossierId: id });
    // the old name no longer matches an open case: a referral under it opens a new one
    const other = await post('/parcours', coord, referral(oldName));
    expect(other.status).toBe(201);
    expect(other.body.dossierId).not.toBe(id);
    // and renaming that second child to the first one's name would make two open cases of one child: 409
    const clash = await post(`/parcours/${other.body.dossierId}/rectifications`, coord, { child: { lastName: newName }, motive: 'Même enfant ?' });
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({ dossierId: id });
  });

  it('403 for a référent of another case and for a supervisor; 404 for an unknown case; a closed case still holding its data is rectified', async () => {
    const id = await refer(unique());
    const notTheirs = await post(`/parcours/${id}/rectifications`, otherRef, RECTIFICATION);
    expect(notTheirs.status).toBe(403);
    expect((await post(`/parcours/${id}/rectifications`, supervisor, RECTIFICATION)).status).toBe(403);
    expect((await post('/parcours/D-0000000000/rectifications', coord, RECTIFICATION)).status).toBe(404);
    expect((await get(`/parcours/${id}`, coord)).body.child.address.line1).toBe('12 rue Jean de Cirey');

    const closed = await post(`/parcours/${id}/closure`, coord, { reason: 'OTHER', motive: 'Famille partie', closedOn: daysAgo(1), summary: 'Fin.' });
    expect(closed.status).toBe(200);
    const res = await post(`/parcours/${id}/rectifications`, ref, RECTIFICATION);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ stage: 'CLOSED', child: { address: { line1: '3 rue Marcel Sembat' } } });
    // other changes stay refused on the closed case
    expect((await post(`/parcours/${id}/events`, ref, { type: 'SAFEGUARDING_CONCERN', occurredOn: daysAgo(1) })).status).toBe(409);
  });

  it('exports everything held about the child and the family to the coordinator, and records the export in the timeline', async () => {
    const lastName = unique();
    const id = await refer(lastName);
    await post(`/parcours/${id}/rectifications`, ref, RECTIFICATION);
    const res = await get(`/parcours/${id}/export`, coord);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toMatchObject({
      dossierId: id,
      exportedBy: { sub: 'u-coord-1', role: 'coordinator' },
      legalBasis: 'RGPD art. 15',
      case: {
        dossierId: id,
        child: { firstName: 'Inès', lastName, birthDate: '2016-03-14', address: { line1: '3 rue Marcel Sembat' } },
        guardians: [{ firstName: 'Samira', lastName, phone: '+33612345678' }],
        orienteur: { type: 'SCHOOL' },
        rectifications: [{ fields: ['child.address.line1'], motive: 'Nouvelle adresse communiquée par la mère' }],
      },
    });
    expect(Date.parse(res.body.exportedAt)).not.toBeNaN();
    const types = (res.body.timeline as TimelineItem[]).map((e) => e.type);
    expect(types).toEqual(['REFERRAL_RECEIVED', 'ELIGIBILITY_CHECKED', 'RECTIFIED', 'DATA_EXPORTED']);
    expect(res.body.timeline[3]).toMatchObject({ actor: { sub: 'u-coord-1', role: 'coordinator' }, summary: "Export des données de l'enfant et de la famille (droit d'accès, art. 15 RGPD)" });
    expect(res.body.notifications).toEqual([expect.objectContaining({ kind: 'REFERRAL_ACK', recipients: ['u-ref-1'] })]);
    // the export is in the case's own timeline too, and a second export is a second entry
    await get(`/parcours/${id}/export`, coord);
    expect((await timelineOf(id)).filter((e) => e.type === 'DATA_EXPORTED').map((e) => e.actor.sub)).toEqual(['u-coord-1', 'u-coord-1']);
  });

  it('export: 403 for the référent of the case and a supervisor (nothing recorded), 404 for an unknown case', async () => {
    const id = await refer(unique());
    for (const token of [ref, supervisor]) {
      const res = await get(`/parcours/${id}/export`, token);
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    expect((await timelineOf(id)).some((e) => e.type === 'DATA_EXPORTED')).toBe(false);
    const unknown = await get('/parcours/D-0000000000/export', coord);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ status: 404, dossierId: 'D-0000000000' });
  });
});
