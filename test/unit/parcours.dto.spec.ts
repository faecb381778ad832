/**
 * The parcours API's request validation, through the REAL app: global guard, validation pipe and problem filter.
 * Every request here is refused before any Temporal call (the client points at a closed port), so no server is
 * needed; the example bodies of API.md are checked against the same pipe directly.
 */
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { expectPassesPipeUnchanged, problem400, startValidationApp } from '../support/validation-app';
import { signDevToken } from '../../src/auth/dev-token';
import { isCalendarDate } from '../../src/common/calendar-date';
import { validationPipe } from '../../src/common/validation';
import type { AppConfig } from '../../src/config/env';
import { childKeyOf, normaliseName } from '../../src/parcours/child-key';
import { DOSSIER_ID, dossierIdForKey, newDossierId } from '../../src/parcours/dossier-id';
import { ActionDto, ActionPatchDto } from '../../src/parcours/dto/action.dto';
import { ConsentDto } from '../../src/parcours/dto/consent.dto';
import { ClosureDto, DerogationDto, LifeEventDto, ReferentAssignmentDto, RenewalDto, ResumptionDto, SuspensionDto } from '../../src/parcours/dto/lifecycle.dto';
import { ListParcoursQuery } from '../../src/parcours/dto/params.dto';
import { ReassessmentDto } from '../../src/parcours/dto/reassessment.dto';
import { ReferralDto } from '../../src/parcours/dto/referral.dto';
import { TeamReviewDto } from '../../src/parcours/dto/team-review.dto';
import {
  ACTION,
  ACTION_CANCELLED,
  ACTION_DONE,
  CLOSURE,
  CONSENT,
  LIFE_EVENT,
  REASSESSMENT,
  REFERRAL,
  RENEWAL,
  RESUMPTION,
  SUSPENSION,
  TEAM_REVIEW,
} from '../support/api-examples';

const CASE = '/parcours/D-7K3M9QX2TB';

describe('parcours API: request validation (real pipe and filter)', () => {
  let app: INestApplication;
  let config: AppConfig;
  let coordinator: string;

  beforeAll(async () => {
    ({ app, config } = await startValidationApp('parcours-dto'));
    coordinator = await signDevToken(config, 'u-coord-1', ['coordinator']);
  });
  afterAll(async () => {
    await app?.close();
  });

  const send = (method: 'post' | 'patch' | 'put', path: string, body: unknown, token = coordinator) =>
    request(app.getHttpServer())[method](path).set('Authorization', `Bearer ${token}`).send(body as object);
  const post = (path: string, body: unknown, token = coordinator) => send('post', path, body, token);
  const get = (path: string, token = coordinator) => request(app.getHttpServer()).get(path).set('Authorization', `Bearer ${token}`);
  const answer = (res: request.Response) => ({ status: res.status, body: res.body as unknown });

  describe('the example bodies of API.md pass the pipe unchanged', () => {
    const pipe = validationPipe();
    const valid: Array<[string, new () => object, object]> = [
      ['referral', ReferralDto, REFERRAL],
      ['consent', ConsentDto, CONSENT],
      ['consent refused', ConsentDto, { decision: 'REFUSED', signedOn: '2026-11-25' }],
      ['team review', TeamReviewDto, TEAM_REVIEW],
      ['team review MORE_INFO', TeamReviewDto, { meetingId: 'EPS-2026-12-01', decision: 'MORE_INFO', motive: 'Bilan orthophonique attendu' }],
      ['team review REDIRECTED', TeamReviewDto, { meetingId: 'EPS-2026-12-01', decision: 'REDIRECTED', redirectedTo: 'CMP de Dijon' }],
      ['team review REFUSED', TeamReviewDto, { meetingId: 'EPS-2026-12-01', decision: 'REFUSED', motive: 'Hors champ du PRE' }],
      ['action', ActionDto, ACTION],
      ['action by sessions', ActionDto, { type: 'SPORT', provider: 'ASPTT Dijon', startsOn: '2027-01-06', sessions: 20, frequency: 'WEEKLY', objectiveIds: ['o1'] }],
      ['action done', ActionPatchDto, ACTION_DONE],
      // a real motive rather than API.md's placeholder, as staff would write it
      ['action cancelled', ActionPatchDto, { ...ACTION_CANCELLED, motive: 'Le prestataire a fermé' }],
      ['action changed', ActionPatchDto, { provider: 'Médiathèque Champollion', startsOn: '2027-01-05', endsOn: '2027-05-31' }],
      ['reassessment', ReassessmentDto, REASSESSMENT],
      ['renewal', RenewalDto, RENEWAL],
      ['suspension', SuspensionDto, SUSPENSION],
      ['resumption', ResumptionDto, RESUMPTION],
      ['life event', LifeEventDto, LIFE_EVENT],
      ['safeguarding concern', LifeEventDto, { type: 'SAFEGUARDING_CONCERN', occurredOn: '2027-01-12', reportedOn: '2027-01-13' }],
      ['derogation', DerogationDto, { kind: 'AGE', motive: 'Fin du parcours en juin', decidedOn: '2027-10-01', untilOn: '2028-06-30' }],
      ['closure', ClosureDto, CLOSURE],
      ['referent', ReferentAssignmentDto, { referentId: 'u-ref-2' }],
    ];
    it.each(valid)('%s', async (_name, metatype, body) => {
      await expectPassesPipeUnchanged(metatype, body);
    });

    it('a list query with every filter', async () => {
      const out = await pipe.transform(
        { stage: 'ACTIVE', qpv: 'GRESILLES', referentId: 'u-ref-1', overdue: 'true', closureReason: 'OBJECTIVES_MET', pageSize: '20' },
        { type: 'query', metatype: ListParcoursQuery },
      );
      expect(out).toEqual(expect.objectContaining({ stage: 'ACTIVE', overdue: 'true', pageSize: 20 }));
    });
  });

  describe('POST /parcours', () => {
    it('refuses an unknown field with 400 naming it (nested ones by path)', async () => {
      const res = await post('/parcours', { ...REFERRAL, nir: '2160321000000', child: { ...REFERRAL.child, nickname: 'Lili' } });
      expect(answer(res)).toEqual({
        status: 400,
        body: problem400('/parcours', [
          { field: 'nir', message: 'unknown field "nir" is not allowed' },
          { field: 'child.nickname', message: 'unknown field "child.nickname" is not allowed' },
        ]),
      });
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    });

    it('refuses a bad enum with 400 listing the allowed values', async () => {
      const res = await post('/parcours', { ...REFERRAL, orienteur: { type: 'TEACHER' }, reasons: ['SCHOOL_RESULTS', 'BOREDOM'] });
      expect(answer(res)).toEqual({
        status: 400,
        body: problem400('/parcours', [
          { field: 'orienteur.type', message: 'type must be one of the following values: SCHOOL, PMI, SOCIAL_SERVICES, HEALTH, ASSOCIATION, FAMILY, OTHER' },
          {
            field: 'reasons',
            message: 'each value in reasons must be one of the following values: SCHOOL_RESULTS, BEHAVIOUR, PHYSICAL_HEALTH, MENTAL_HEALTH, LANGUAGE, PARENTING, SOCIAL_ISOLATION, ACCESS_TO_RIGHTS, LEISURE',
          },
        ]),
      });
    });

    it('refuses 2026-02-30 as a birth date and as a referral date', async () => {
      const res = await post('/parcours', { ...REFERRAL, referredOn: '2026-02-30', child: { ...REFERRAL.child, birthDate: '2016-02-30' } });
      expect(answer(res)).toEqual({
        status: 400,
        body: problem400('/parcours', [
          { field: 'referredOn', message: 'referredOn must be a real calendar date YYYY-MM-DD' },
          { field: 'child.birthDate', message: 'birthDate must be a real calendar date YYYY-MM-DD' },
        ]),
      });
    });

    it('lists every bad field at once: blank names, empty lists, a bad QPV and postcode', async () => {
      const res = await post('/parcours', {
        ...REFERRAL,
        child: { ...REFERRAL.child, firstName: '  ', qpv: 'CHENOVE', address: { ...REFERRAL.child.address, postcode: '21000!' } },
        guardians: [],
        reasons: [],
      });
      expect(answer(res)).toEqual({
        status: 400,
        body: problem400('/parcours', [
          { field: 'child.firstName', message: 'firstName must not be blank' },
          { field: 'child.address.postcode', message: 'postcode must be a postal code (3 to 10 letters or digits), e.g. 21000' },
          { field: 'child.qpv', message: 'qpv must be one of the following values: FONTAINE_D_OUCHE, GRESILLES, OTHER' },
          { field: 'guardians', message: 'guardians must name at least one family contact' },
          { field: 'reasons', message: 'reasons must list at least one reason' },
        ]),
      });
    });

    it('refuses a missing or non-object child, address and orienteur', async () => {
      const { child: _child, ...withoutChild } = REFERRAL;
      expect(answer(await post('/parcours', { ...withoutChild, orienteur: 'SCHOOL' }))).toEqual({
        status: 400,
        body: problem400('/parcours', [
          { field: 'child', message: 'child must be an object' },
          { field: 'orienteur', message: 'orienteur must be an object' },
          { field: 'orienteur', message: 'nested property orienteur must be either object or array' },
        ]),
      });
      const { address: _address, ...homeless } = REFERRAL.child;
      expect(answer(await post('/parcours', { ...REFERRAL, child: homeless }))).toEqual({
        status: 400,
        body: problem400('/parcours', [{ field: 'child.address', message: 'address must be an object' }]),
      });
    });

    it('refuses a name over 100 characters', async () => {
      const res = await post('/parcours', { ...REFERRAL, child: { ...REFERRAL.child, lastName: 'B'.repeat(101) } });
      expect(answer(res)).toEqual({ status: 400, body: problem400('/parcours', [{ field: 'child.lastName', message: 'lastName must be at most 100 characters' }]) });
    });

    it('refuses a malformed Idempotency-Key', async () => {
      const res = await post('/parcours', REFERRAL).set('Idempotency-Key', 'a key with spaces');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ errors: [{ field: 'Idempotency-Key', message: 'Idempotency-Key must be 1 to 128 letters, digits or . _ : -' }] });
    });

    it('is for coordinators and référents: 403 for finance and supervisors', async () => {
      for (const role of ['finance', 'supervisor'] as const) {
        const token = await signDevToken(config, `u-${role}-1`, [role]);
        expect(answer(await post('/parcours', REFERRAL, token))).toEqual({
          status: 403,
          body: {
            type: 'urn:pre-orchestrator:problem:forbidden-role',
            title: 'Forbidden',
            status: 403,
            detail: 'This action needs one of the roles: coordinator, referent.',
            instance: '/parcours',
          },
        });
      }
    });
  });

  describe('updates of a case', () => {
    it.each([
      ['consent', `${CASE}/consent`, { ...CONSENT, decision: 'MAYBE' }, [{ field: 'decision', message: 'decision must be one of the following values: GRANTED, REFUSED' }]],
      ['consent', `${CASE}/consent`, { ...CONSENT, signedOn: '2026-02-30' }, [{ field: 'signedOn', message: 'signedOn must be a real calendar date YYYY-MM-DD' }]],
      ['consent', `${CASE}/consent`, { ...CONSENT, witness: 'Mme X' }, [{ field: 'witness', message: 'unknown field "witness" is not allowed' }]],
      [
        'team review',
        `${CASE}/team-reviews`,
        { ...TEAM_REVIEW, decision: 'POSTPONED', durationMonths: 12.5 },
        [
          { field: 'decision', message: 'decision must be one of the following values: VALIDATED, MORE_INFO, REDIRECTED, REFUSED' },
          { field: 'durationMonths', message: 'durationMonths must be an integer number' },
        ],
      ],
      ['action', `${CASE}/actions`, { ...ACTION, type: 'KARATE' }, [{ field: 'type', message: 'type must be one of the following values: SCHOOL_SUPPORT, PSYCHOLOGICAL_SUPPORT, PARENTING_SUPPORT, HEALTH_ACCESS, LEISURE, SPORT, CULTURE, HOLIDAYS, LANGUAGE' }]],
      ['action', `${CASE}/actions`, { ...ACTION, endsOn: '2027-06-31' }, [{ field: 'endsOn', message: 'endsOn must be a real calendar date YYYY-MM-DD' }]],
      [
        'reassessment',
        `${CASE}/reassessments`,
        { ...REASSESSMENT, progress: [{ objectiveId: 'o1', level: 'GREAT' }] },
        [{ field: 'progress[0].level', message: 'level must be one of the following values: NONE, PARTIAL, ACHIEVED' }],
      ],
      ['renewal', `${CASE}/renewals`, { ...RENEWAL, extensionMonths: 9 }, [{ field: 'extensionMonths', message: 'extensionMonths must be one of the following values: 6, 12' }]],
      ['life event', `${CASE}/events`, { ...LIFE_EVENT, type: 'DIVORCE' }, [{ field: 'type', message: 'type must be one of the following values: CONSENT_WITHDRAWN, MOVED_OUT, FAMILY_UNREACHABLE, CONTACT_RESTORED, SAFEGUARDING_CONCERN' }]],
      ['closure', `${CASE}/closure`, { ...CLOSURE, reason: 'BORED' }, [{ field: 'reason', message: 'reason must be one of the following values: OBJECTIVES_MET, HANDED_OVER, CONSENT_WITHDRAWN, NO_CONSENT, LOST_CONTACT, MOVED_OUT, AGE_LIMIT, MAX_DURATION, REDIRECTED, INELIGIBLE, REFUSED, OTHER' }]],
    ])('%s: 400 with the exact problem', async (_name, path, body, errors) => {
      expect(answer(await post(path, body))).toEqual({ status: 400, body: problem400(path, errors) });
    });

    it('PATCH an action: bad status and unknown field', async () => {
      const path = `${CASE}/actions/a1`;
      expect(answer(await send('patch', path, { status: 'PAUSED', colour: 'red' }))).toEqual({
        status: 400,
        body: problem400(path, [
          { field: 'colour', message: 'unknown field "colour" is not allowed' },
          { field: 'status', message: 'status must be one of the following values: DONE, CANCELLED' },
        ]),
      });
    });

    it('PUT the referent: a staff id only', async () => {
      const path = `${CASE}/referent`;
      expect(answer(await send('put', path, { referentId: "u' OR 1=1" }))).toEqual({
        status: 400,
        body: problem400(path, [{ field: 'referentId', message: 'referentId must be a staff id (letters, digits and . _ @ : -, at most 64)' }]),
      });
    });
  });

  describe('path and query parameters', () => {
    it('refuses a malformed dossierId with 400', async () => {
      expect(answer(await get('/parcours/not-a-case'))).toEqual({
        status: 400,
        body: problem400('/parcours/not-a-case', [{ field: 'dossierId', message: 'dossierId must be a case id such as D-7K3M9QX2TB' }]),
      });
    });

    it('refuses a malformed actionId with 400', async () => {
      const path = `${CASE}/actions/x1`;
      expect(answer(await send('patch', path, ACTION_DONE))).toEqual({
        status: 400,
        body: problem400(path, [{ field: 'actionId', message: 'actionId must be an action id such as a1' }]),
      });
    });

    it('refuses bad list filters with 400', async () => {
      const res = await get('/parcours?stage=SLEEPING&overdue=yes&pageSize=501&qpv=gresilles');
      expect(answer(res)).toEqual({
        status: 400,
        body: problem400('/parcours', [
          { field: 'stage', message: 'stage must be one of the following values: REFERRED, AWAITING_CONSENT, AWAITING_TEAM_REVIEW, ACTIVE, CLOSED' },
          { field: 'qpv', message: 'qpv must be one of the following values: FONTAINE_D_OUCHE, GRESILLES, OTHER' },
          { field: 'overdue', message: 'overdue must be true or false' },
          { field: 'pageSize', message: 'pageSize must not exceed 500' },
        ]),
      });
    });

    it('finance never reads a case: 403', async () => {
      const finance = await signDevToken(config, 'u-fin-1', ['finance']);
      for (const path of ['/parcours', CASE, `${CASE}/timeline`]) {
        const res = await get(path, finance);
        expect(res.status).toBe(403);
        expect(res.body).toMatchObject({ type: 'urn:pre-orchestrator:problem:forbidden-role', detail: 'This action needs one of the roles: coordinator, supervisor, referent.' });
      }
    });
  });
});

describe('parcours API: OpenAPI document', () => {
  let app: INestApplication;
  beforeAll(async () => {
    ({ app } = await startValidationApp('parcours-doc'));
  });
  afterAll(async () => {
    await app?.close();
  });

  it('documents every parcours and EPS path, the bodies and their enums', async () => {
    const res = await request(app.getHttpServer()).get('/docs-json');
    expect(res.status).toBe(200);
    const doc = res.body as { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, { properties: Record<string, { enum?: unknown[] }> }> } };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/parcours',
        '/parcours/{dossierId}',
        '/parcours/{dossierId}/timeline',
        '/parcours/{dossierId}/consent',
        '/parcours/{dossierId}/team-reviews',
        '/parcours/{dossierId}/actions',
        '/parcours/{dossierId}/actions/{actionId}',
        '/parcours/{dossierId}/reassessments',
        '/parcours/{dossierId}/renewals',
        '/parcours/{dossierId}/suspension',
        '/parcours/{dossierId}/resumption',
        '/parcours/{dossierId}/events',
        '/parcours/{dossierId}/safeguarding-reports',
        '/parcours/{dossierId}/derogations',
        '/parcours/{dossierId}/closure',
        '/parcours/{dossierId}/referent',
        '/team-meetings/next',
      ]),
    );
    expect(Object.keys(doc.paths['/parcours/{dossierId}/actions/{actionId}'])).toEqual(['patch']);
    expect(Object.keys(doc.paths['/parcours/{dossierId}/referent'])).toEqual(['put']);
    expect(doc.components.schemas.OrienteurDto.properties.type.enum).toEqual(['SCHOOL', 'PMI', 'SOCIAL_SERVICES', 'HEALTH', 'ASSOCIATION', 'FAMILY', 'OTHER']);
    expect(doc.components.schemas.TeamReviewDto.properties.decision.enum).toEqual(['VALIDATED', 'MORE_INFO', 'REDIRECTED', 'REFUSED']);
    expect(Object.keys(doc.components.schemas.ReferralDto.properties)).toEqual(['referredOn', 'child', 'guardians', 'orienteur', 'reasons', 'context', 'derogation']);
  });
});

describe('calendar dates', () => {
  it.each([
    ['2024-02-29', true],
    ['2025-02-29', false],
    ['2026-02-30', false],
    ['2026-04-31', false],
    ['2026-12-31', true],
    ['2026-13-01', false],
    ['2026-1-05', false],
    ['2026-01-05T00:00:00Z', false],
    ['1899-12-31', false],
  ])('%s is a calendar date: %s', (value, ok) => {
    expect(isCalendarDate(value)).toBe(ok);
  });
});

describe('dossier ids and the child fingerprint', () => {
  it('a new dossierId is D- and 10 Crockford base32 characters, never twice the same', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newDossierId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(DOSSIER_ID);
  });

  it('the dossierId of an Idempotency-Key is stable per caller and key, and differs across callers', () => {
    const a = dossierIdForKey('s'.repeat(32), 'u-ref-1', 'k-1');
    expect(a).toMatch(DOSSIER_ID);
    expect(dossierIdForKey('s'.repeat(32), 'u-ref-1', 'k-1')).toBe(a);
    expect(dossierIdForKey('s'.repeat(32), 'u-ref-2', 'k-1')).not.toBe(a);
    expect(dossierIdForKey('t'.repeat(32), 'u-ref-1', 'k-1')).not.toBe(a);
  });

  it('normalises names: trim, lower case, no accents, spaces and hyphens collapsed', () => {
    expect(normaliseName('  Zoé-Hélène   ')).toBe('zoe helene');
    expect(normaliseName('ZOE  HELENE')).toBe('zoe helene');
    expect(normaliseName('Zoé - Hélène')).toBe('zoe helene');
    expect(normaliseName('Çelik')).toBe('celik');
  });

  it('the same child written differently has the same key; another child or secret does not', () => {
    const secret = 'x'.repeat(32);
    const key = childKeyOf(secret, { firstName: 'Lina', lastName: 'Benali', birthDate: '2016-03-14' });
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(childKeyOf(secret, { firstName: ' LINA ', lastName: 'bénali', birthDate: '2016-03-14' })).toBe(key);
    expect(childKeyOf(secret, { firstName: 'Lina', lastName: 'Benali', birthDate: '2016-03-15' })).not.toBe(key);
    expect(childKeyOf(secret, { firstName: 'Line', lastName: 'Benali', birthDate: '2016-03-14' })).not.toBe(key);
    expect(childKeyOf('y'.repeat(32), { firstName: 'Lina', lastName: 'Benali', birthDate: '2016-03-14' })).not.toBe(key);
    expect(key).not.toContain('lina');
  });
});
