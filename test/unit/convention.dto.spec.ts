/**
 * The conventions API's request validation, through the REAL app: global guard, validation pipe and problem
 * filter. Every request here is refused before any Temporal call (the client points at a closed port), so no
 * server is needed; valid bodies are checked against the same pipe directly.
 */
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { expectPassesPipeUnchanged, problem400, startValidationApp } from '../support/validation-app';
import { signDevToken } from '../../src/auth/dev-token';
import { validationPipe } from '../../src/common/validation';
import type { AppConfig } from '../../src/config/env';
import { YearAuthorisationDto } from '../../src/conventions/dto/authorisation.dto';
import { CreateConventionDto } from '../../src/conventions/dto/create-convention.dto';
import { DeliberationDto } from '../../src/conventions/dto/deliberation.dto';
import { PublicationDto, SignatureDto, TransmissionDto } from '../../src/conventions/dto/legality.dto';
import { FinancialReportDto, PaymentDto, SubsidyRequestDto } from '../../src/conventions/dto/year.dto';
import {
  AWARD_NOTICE,
  BENEFICIARY_SIGNATURE,
  CONVENTION,
  FINANCIAL_REPORT_ACCEPTED,
  FINANCIAL_REPORT_SUBMITTED,
  PAYMENT,
  PUBLICATION,
  SEED_SESSION,
  SUBSIDY_REQUEST,
  TRANSMISSION,
} from '../support/api-examples';

const BASE = '/conventions/CPO-PRE-2024-2026';

describe('conventions API: request validation (real pipe and filter)', () => {
  let app: INestApplication;
  let config: AppConfig;
  let finance: string;

  beforeAll(async () => {
    ({ app, config } = await startValidationApp('conv-dto'));
    finance = await signDevToken(config, 'u-fin-1', ['finance']);
  });
  afterAll(async () => {
    await app?.close();
  });

  const post = (path: string, body: unknown, token = finance) =>
    request(app.getHttpServer()).post(path).set('Authorization', `Bearer ${token}`).send(body as object);
  const answer = (res: request.Response) => ({ status: res.status, body: res.body as unknown });

  describe('the example bodies of API.md pass the pipe unchanged', () => {
    const valid: Array<[string, new () => object, object]> = [
      ['convention', CreateConventionDto, CONVENTION],
      ['seed deliberation', DeliberationDto, SEED_SESSION],
      ['publication', PublicationDto, PUBLICATION],
      ['transmission', TransmissionDto, TRANSMISSION],
      ['signature', SignatureDto, BENEFICIARY_SIGNATURE],
      ['year authorisation by deliberation', YearAuthorisationDto, { ...SEED_SESSION, receiptYear: 2025 }],
      // the notice's wording and date as this file always had them: the pipe checks the shape, not the values
      ['year authorisation by award notice', YearAuthorisationDto, { ...AWARD_NOTICE, awardNotice: 'Arrêté 2025-0142', notifiedOn: '2025-02-14' }],
      ['request', SubsidyRequestDto, SUBSIDY_REQUEST],
      ['payment', PaymentDto, PAYMENT],
      ['report submitted', FinancialReportDto, FINANCIAL_REPORT_SUBMITTED],
      ['report accepted', FinancialReportDto, FINANCIAL_REPORT_ACCEPTED],
      ['report returned', FinancialReportDto, { status: 'RETURNED', on: '2025-07-01', comment: 'Pièces justificatives manquantes.' }],
      ['a tie settled by the president', DeliberationDto, { ...SEED_SESSION, votes: { for: 6, against: 6, abstain: 1 }, presidentVote: 'FOR' }],
      ['members not taking part in the vote', DeliberationDto, { ...SEED_SESSION, nonParticipating: ['Mme GINDRE'], votes: { for: 12, against: 0, abstain: 0 } }],
      ['a year authorisation with members not taking part', YearAuthorisationDto, { ...SEED_SESSION, receiptYear: 2025, nonParticipating: ['Mme GINDRE'], votes: { for: 12, against: 0, abstain: 0 } }],
    ];
    it.each(valid)('%s', async (_name, metatype, body) => {
      await expectPassesPipeUnchanged(metatype, body);
    });
  });

  describe('money in integer cents', () => {
    const path = `${BASE}/years/2024/payments`;
    const payment = PAYMENT;
    it.each([
      ['negative', -100, 'amountCents must be a positive number of cents'],
      ['zero', 0, 'amountCents must be a positive number of cents'],
      ['fractional', 1000.5, 'amountCents must be an integer number of euro cents'],
      ['a numeric string', '10000000', 'amountCents must be an integer number of euro cents'],
      ['absurdly large', 100_000_000_001, 'amountCents must not exceed 100000000000 cents'],
      ['missing', undefined, 'amountCents is required'],
    ])('refuses a %s amount with 400 naming the field', async (_name, amountCents, message) => {
      const res = await post(path, { ...payment, amountCents });
      expect(answer(res)).toEqual({ status: 400, body: problem400(path, [{ field: 'amountCents', message }]) });
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    });

    it('refuses a negative annual amount and a negative amount spent', async () => {
      expect(answer(await post('/conventions', { ...CONVENTION, annualAmountCents: -1 }))).toEqual({
        status: 400,
        body: problem400('/conventions', [{ field: 'annualAmountCents', message: 'annualAmountCents must be a positive number of cents' }]),
      });
      const report = `${BASE}/years/2024/financial-report`;
      expect(answer(await post(report, { ...FINANCIAL_REPORT_SUBMITTED, spentCents: -5 }))).toEqual({
        status: 400,
        body: problem400(report, [{ field: 'spentCents', message: 'spentCents must not be negative' }]),
      });
    });
  });

  describe('dates are real calendar dates YYYY-MM-DD', () => {
    it.each([['2026-02-30'], ['2024-13-01'], ['2024-7-5'], ['05/07/2024'], ['2024-07-05T00:00:00Z'], [20240705]])('refuses %p', async (publishedOn) => {
      const path = `${BASE}/publication`;
      expect(answer(await post(path, { publishedOn }))).toEqual({
        status: 400,
        body: problem400(path, [{ field: 'publishedOn', message: 'publishedOn must be a real calendar date YYYY-MM-DD' }]),
      });
    });

    it('accepts 29 February of a leap year and refuses it otherwise', async () => {
      const pipe = validationPipe();
      await expect(pipe.transform({ sentOn: '2024-02-29' }, { type: 'body', metatype: SubsidyRequestDto })).resolves.toBeInstanceOf(SubsidyRequestDto);
      const path = `${BASE}/years/2025/request`;
      expect(answer(await post(path, { sentOn: '2025-02-29' }))).toEqual({
        status: 400,
        body: problem400(path, [{ field: 'sentOn', message: 'sentOn must be a real calendar date YYYY-MM-DD' }]),
      });
    });
  });

  describe('POST /conventions', () => {
    it('lists every bad field at once, nested ones by path, unknown fields included', async () => {
      const res = await post('/conventions', {
        ...CONVENTION,
        reference: 'cpo 2024',
        parties: { state: '  ', beneficiary: 'CCAS de Dijon' },
        years: [2024, 2026],
        tranches: [
          { share: 0.5, condition: 'WHENEVER' },
          { share: 0.4, condition: 'ON_AUTHORISATION' },
        ],
        iban: 'FR76…',
      });
      expect(answer(res)).toEqual({
        status: 400,
        body: problem400('/conventions', [
          { field: 'iban', message: 'unknown field "iban" is not allowed' },
          { field: 'reference', message: 'reference must be 3 to 63 upper-case letters, digits or dashes, starting with a letter or digit' },
          { field: 'parties.state', message: 'state must not be blank' },
          { field: 'years', message: 'years must be consecutive and in ascending order' },
          { field: 'tranches', message: 'tranches shares must add up to 1' },
          { field: 'tranches[0].condition', message: 'condition must be one of: ON_AUTHORISATION, ON_REQUEST, AFTER_PREVIOUS_REPORT_ACCEPTED, AFTER_REPORT_ACCEPTED' },
        ]),
      });
    });

    it('refuses an empty body naming each required field', async () => {
      const res = await post('/conventions', {});
      expect(res.status).toBe(400);
      expect((res.body as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual(
        expect.arrayContaining(['reference', 'subject', 'parties', 'years', 'annualAmountCents']),
      );
    });

    it('is for finance only: 403 for a référent, before the body is even read', async () => {
      const referent = await signDevToken(config, 'u-ref-1', ['referent']);
      expect(answer(await post('/conventions', {}, referent))).toEqual({
        status: 403,
        body: {
          type: 'urn:pre-orchestrator:problem:forbidden-role',
          title: 'Forbidden',
          status: 403,
          detail: 'This action needs one of the roles: finance.',
          instance: '/conventions',
        },
      });
    });

    it('answers 401 without a token', async () => {
      const res = await request(app.getHttpServer()).post('/conventions').send(CONVENTION);
      expect(res.status).toBe(401);
    });
  });

  describe('POST /conventions/{ref}/deliberations', () => {
    const path = `${BASE}/deliberations`;
    it('refuses bad votes, a bad president vote and a proxy without holder', async () => {
      const res = await post(path, {
        ...SEED_SESSION,
        votes: { for: -1, against: 0, abstain: 0.5 },
        presidentVote: 'MAYBE',
        proxies: [{ member: 'M. REBSAMEN' }],
        decisions: ['APPROVE_CONVENTION', 'BUY_A_BOAT'],
      });
      expect(answer(res)).toEqual({
        status: 400,
        body: problem400(path, [
          { field: 'proxies[0].holder', message: 'holder is required' },
          { field: 'votes.for', message: 'votes.for must not be negative' },
          { field: 'votes.abstain', message: 'votes.abstain must be an integer' },
          { field: 'decisions', message: 'each decision must be one of: APPROVE_CONVENTION, AUTHORISE_SIGNATURE, AUTHORISE_RECEIPT' },
          { field: 'presidentVote', message: 'presidentVote must be FOR or AGAINST' },
        ]),
      });
    });

    it('bounds the members not taking part in the vote like the other name lists', async () => {
      const many = Array.from({ length: 201 }, (_, i) => `Membre ${i}`);
      expect(answer(await post(path, { ...SEED_SESSION, nonParticipating: many }))).toEqual({
        status: 400,
        body: problem400(path, [{ field: 'nonParticipating', message: 'nonParticipating must contain at most 200 items' }]),
      });
      expect(answer(await post(path, { ...SEED_SESSION, nonParticipating: ['  '] }))).toEqual({
        status: 400,
        body: problem400(path, [{ field: 'nonParticipating', message: 'each name in nonParticipating must not be blank' }]),
      });
      const notList = await post(path, { ...SEED_SESSION, nonParticipating: 'Mme GINDRE' });
      expect(notList.status).toBe(400);
      expect((notList.body as { errors: unknown[] }).errors).toContainEqual({ field: 'nonParticipating', message: 'nonParticipating must be an array of names' });
    });

    it('refuses a convocation date that does not exist', async () => {
      expect(answer(await post(path, { ...SEED_SESSION, convocationDate: '2024-06-31' }))).toEqual({
        status: 400,
        body: problem400(path, [{ field: 'convocationDate', message: 'convocationDate must be a real calendar date YYYY-MM-DD' }]),
      });
    });
  });

  describe('legality and signatures', () => {
    it('refuses a transmission without its acknowledgement reference', async () => {
      const path = `${BASE}/transmission`;
      expect(answer(await post(path, { transmittedOn: '2024-07-05' }))).toEqual({
        status: 400,
        body: problem400(path, [{ field: 'acknowledgementRef', message: 'acknowledgementRef is required' }]),
      });
    });

    it('refuses an unknown party', async () => {
      const path = `${BASE}/signatures`;
      expect(answer(await post(path, { party: 'MAYOR', signatory: 'M. HOAREAU', signedOn: '2024-07-10' }))).toEqual({
        status: 400,
        body: problem400(path, [{ field: 'party', message: 'party must be BENEFICIARY or STATE' }]),
      });
    });
  });

  describe('funding year', () => {
    it('requires spentCents with SUBMITTED and a comment with RETURNED', async () => {
      const path = `${BASE}/years/2024/financial-report`;
      expect(answer(await post(path, { status: 'SUBMITTED', on: '2025-06-10' }))).toEqual({
        status: 400,
        body: problem400(path, [{ field: 'spentCents', message: 'spentCents is required when the report is SUBMITTED' }]),
      });
      expect(answer(await post(path, { status: 'RETURNED', on: '2025-07-01' }))).toEqual({
        status: 400,
        body: problem400(path, [{ field: 'comment', message: 'comment is required when the report is RETURNED' }]),
      });
      expect(answer(await post(path, { status: 'LOST', on: '2025-07-01' }))).toEqual({
        status: 400,
        body: problem400(path, [{ field: 'status', message: 'status must be one of: SUBMITTED, ACCEPTED, RETURNED' }]),
      });
    });

    it('takes an award notice or a deliberation, never both', async () => {
      const path = `${BASE}/years/2025/authorisation`;
      expect(answer(await post(path, { awardNotice: 'Arrêté 2025-0142', notifiedOn: '2025-02-30' }))).toEqual({
        status: 400,
        body: problem400(path, [{ field: 'notifiedOn', message: 'notifiedOn must be a real calendar date YYYY-MM-DD' }]),
      });
      expect(answer(await post(path, { awardNotice: 'Arrêté 2025-0142', notifiedOn: '2025-02-14', sessionDate: '2025-01-10', president: 'M. HOAREAU' }))).toEqual({
        status: 400,
        body: problem400(path, [{ field: 'awardNotice', message: 'an award notice cannot be combined with deliberation fields (sessionDate, president)' }]),
      });
      const empty = await post(path, {});
      expect(empty.status).toBe(400);
      expect((empty.body as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual(
        expect.arrayContaining(['sessionDate', 'convocationDate', 'membersInOffice', 'president', 'present', 'votes', 'decisions']),
      );
    });

    it('refuses a malformed payment reference', async () => {
      const path = `${BASE}/years/2024/payments`;
      expect(answer(await post(path, { reference: 'VIR 2024 0001', receivedOn: '2024-09-15', amountCents: 1 }))).toEqual({
        status: 400,
        body: problem400(path, [{ field: 'reference', message: 'reference must be 1 to 64 letters, digits or . _ / -, starting with a letter or digit' }]),
      });
    });
  });

  describe('references the State and the CCAS use', () => {
    it('takes the deliberation’s number, the portal dossier number and the date the signed convention was notified', async () => {
      await expectPassesPipeUnchanged(DeliberationDto, { ...SEED_SESSION, number: 'D2024-41' });
      await expectPassesPipeUnchanged(YearAuthorisationDto, { ...SEED_SESSION, receiptYear: 2026, number: 'D2026-03' });
      await expectPassesPipeUnchanged(SubsidyRequestDto, { ...SUBSIDY_REQUEST, portalDossierNumber: 'PV-2025-021-00417' });
      await expectPassesPipeUnchanged(SignatureDto, { ...BENEFICIARY_SIGNATURE, notifiedOn: '2024-07-15' });
    });

    it('bounds them: one clean line of at most 50 characters, a real date', async () => {
      const long = 'D'.repeat(51);
      expect(answer(await post(`${BASE}/deliberations`, { ...SEED_SESSION, number: long }))).toEqual({
        status: 400,
        body: problem400(`${BASE}/deliberations`, [{ field: 'number', message: 'number must be at most 50 characters' }]),
      });
      expect(answer(await post(`${BASE}/years/2026/authorisation`, { ...SEED_SESSION, receiptYear: 2026, number: 'D2026\n03' }))).toEqual({
        status: 400,
        body: problem400(`${BASE}/years/2026/authorisation`, [{ field: 'number', message: 'number must not contain control characters or line breaks' }]),
      });
      expect(answer(await post(`${BASE}/years/2025/request`, { ...SUBSIDY_REQUEST, portalDossierNumber: '   ' }))).toEqual({
        status: 400,
        body: problem400(`${BASE}/years/2025/request`, [{ field: 'portalDossierNumber', message: 'portalDossierNumber must not be blank' }]),
      });
      expect(answer(await post(`${BASE}/signatures`, { ...BENEFICIARY_SIGNATURE, notifiedOn: '2024-07-32' }))).toEqual({
        status: 400,
        body: problem400(`${BASE}/signatures`, [{ field: 'notifiedOn', message: 'notifiedOn must be a real calendar date YYYY-MM-DD' }]),
      });
      // an award notice carries its own reference: a deliberation number with it is ambiguous
      expect(answer(await post(`${BASE}/years/2025/authorisation`, { awardNotice: 'Arrêté 2025-0142', notifiedOn: '2025-02-14', number: 'D2025-01' }))).toEqual({
        status: 400,
        body: problem400(`${BASE}/years/2025/authorisation`, [{ field: 'awardNotice', message: 'an award notice cannot be combined with deliberation fields (number)' }]),
      });
    });
  });

  it('documents every path of API.md in the OpenAPI document, with the Idempotency-Key header on changes', async () => {
    const res = await request(app.getHttpServer()).get('/docs-json');
    expect(res.status).toBe(200);
    const paths = res.body.paths as Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>>;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        '/conventions',
        '/conventions/{ref}',
        '/conventions/{ref}/deliberations',
        '/conventions/{ref}/publication',
        '/conventions/{ref}/transmission',
        '/conventions/{ref}/signatures',
        '/conventions/{ref}/years/{year}',
        '/conventions/{ref}/years/{year}/authorisation',
        '/conventions/{ref}/years/{year}/request',
        '/conventions/{ref}/years/{year}/payments',
        '/conventions/{ref}/years/{year}/financial-report',
      ]),
    );
    expect(paths['/conventions/{ref}/years/{year}/payments'].post.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }), expect.objectContaining({ name: 'year', in: 'path' })]),
    );
    expect(res.body.components.schemas.PaymentDto.required).toEqual(['reference', 'receivedOn', 'amountCents']);
  });

  describe('path parameters and headers', () => {
    it('refuses a year that is not a number and a reference that is not one', async () => {
      const supervisor = await signDevToken(config, 'u-sup-1', ['supervisor']);
      const year = await request(app.getHttpServer()).get(`${BASE}/years/deux-mille`).set('Authorization', `Bearer ${supervisor}`);
      expect(answer(year)).toEqual({
        status: 400,
        body: problem400(`${BASE}/years/deux-mille`, [{ field: 'year', message: 'year must be a year between 2000 and 2100' }]),
      });
      const ref = await request(app.getHttpServer()).get('/conventions/cpo-pre').set('Authorization', `Bearer ${supervisor}`);
      expect(answer(ref)).toEqual({
        status: 400,
        body: problem400('/conventions/cpo-pre', [{ field: 'ref', message: 'ref must be a convention reference (upper-case letters, digits and dashes)' }]),
      });
    });

    it('refuses a pageSize over 500', async () => {
      const res = await request(app.getHttpServer()).get('/conventions?pageSize=501').set('Authorization', `Bearer ${finance}`);
      expect(answer(res)).toEqual({ status: 400, body: problem400('/conventions', [{ field: 'pageSize', message: 'pageSize must not exceed 500' }]) });
    });

    it('refuses a malformed Idempotency-Key', async () => {
      const res = await post(`${BASE}/publication`, PUBLICATION).set('Idempotency-Key', 'two words');
      expect(answer(res)).toEqual({
        status: 400,
        body: {
          type: 'urn:pre-orchestrator:problem:validation',
          title: 'Bad Request',
          status: 400,
          detail: 'The Idempotency-Key header must be 1 to 128 letters, digits or . _ : -.',
          errors: [{ field: 'Idempotency-Key', message: 'Idempotency-Key must be 1 to 128 letters, digits or . _ : -' }],
          instance: `${BASE}/publication`,
        },
      });
    });
  });
});
