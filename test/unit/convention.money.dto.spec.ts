/**
 * The request validation of a year's money (issue 15 items 1, 2, 3, 10) through the REAL app (guard, pipe, problem
 * filter; no Temporal server: every refused request stops before it): the award, the request's amount, the CRF's
 * budget, the settlement and the repayment — the example bodies pass unchanged, a bad field is a 400 naming it.
 */
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { expectPassesPipeUnchanged, startValidationApp } from '../support/validation-app';
import { signDevToken } from '../../src/auth/dev-token';
import type { AppConfig } from '../../src/config/env';
import { YearAuthorisationDto } from '../../src/conventions/dto/authorisation.dto';
import { FinancialReportDto, RepaymentDto, SettlementDto, SubsidyRequestDto } from '../../src/conventions/dto/year.dto';
import { SEED_SESSION } from '../support/api-examples';

const YEAR = '/conventions/CPO-PRE-2024-2026/years/2025';
const BUDGET = {
  expenses: [{ category: 'STAFF', amountCents: 18000000 }],
  income: [{ category: 'OWN_FUNDS', amountCents: 2000000 }],
  coFinancers: [{ kind: 'COMMUNE', name: 'Ville de Dijon', amountCents: 1500000 }, { kind: 'CAF', amountCents: 1000000 }],
};

describe("a year's money: request validation (real pipe and filter)", () => {
  let app: INestApplication;
  let finance: string;

  beforeAll(async () => {
    let config: AppConfig;
    ({ app, config } = await startValidationApp('money-dto'));
    finance = await signDevToken(config, 'u-fin-1', ['finance']);
  });
  afterAll(async () => {
    await app?.close();
  });

  const post = (path: string, body: object) => request(app.getHttpServer()).post(path).set('Authorization', `Bearer ${finance}`).send(body);
  const fields = async (path: string, body: object) => {
    const res = await post(path, body);
    expect(res.status).toBe(400);
    return (res.body.errors as Array<{ field: string; message: string }>).map((e) => `${e.field}: ${e.message}`);
  };

  it.each([
    ['an award notice with its amount', YearAuthorisationDto, { awardNotice: 'Arrêté 2025-117', notifiedOn: '2025-03-12', grantedCents: 18500000 }],
    ['a board deliberation with its amount', YearAuthorisationDto, { ...SEED_SESSION, receiptYear: 2025, grantedCents: 18500000 }],
    ['a request with its amount', SubsidyRequestDto, { sentOn: '2025-01-20', amountCents: 20000000 }],
    ['a CRF with its budget', FinancialReportDto, { status: 'SUBMITTED', on: '2026-06-10', budget: BUDGET }],
    ['a reduced balance', SettlementDto, { decision: 'BALANCE_REDUCED', amountCents: 2000000, decidedOn: '2027-09-01', reference: 'Courrier préfecture 2027-88' }],
    ['a repayment order', SettlementDto, { decision: 'REPAYMENT_ORDERED', amountCents: 1500000, decidedOn: '2025-09-01', dueOn: '2025-10-31', reference: 'Titre de perception 2025-311' }],
    ['a repayment', RepaymentDto, { repaidOn: '2025-10-20', amountCents: 1500000, reference: 'Mandat 2025-4411' }],
  ])('%s passes the pipe unchanged', async (_name, metatype, body) => {
    await expectPassesPipeUnchanged(metatype, body);
  });

  it('refuses an award that is not a positive amount of cents, naming grantedCents', async () => {
    expect(await fields(`${YEAR}/authorisation`, { awardNotice: 'Arrêté 2025-117', notifiedOn: '2025-03-12', grantedCents: 0 })).toEqual(['grantedCents: grantedCents must be a positive number of cents']);
    expect(await fields(`${YEAR}/authorisation`, { awardNotice: 'Arrêté 2025-117', notifiedOn: '2025-03-12', grantedCents: 185000.5 })).toEqual(['grantedCents: grantedCents must be an integer number of euro cents']);
  });

  it('refuses a budget with an unknown category, a negative amount, no expense or too many lines, naming each field by its path', async () => {
    const path = `${YEAR}/financial-report`;
    const bad = await fields(path, {
      status: 'SUBMITTED',
      on: '2026-06-10',
      budget: { expenses: [{ category: 'BRIBES', amountCents: 1 }], income: [{ category: 'OWN_FUNDS', amountCents: -1 }], coFinancers: [{ kind: 'CAF', amountCents: 1, name: 'x'.repeat(201) }] },
    });
    expect(bad).toEqual([
      'budget.expenses[0].category: category must be one of: PURCHASES, EXTERNAL_SERVICES, OTHER_EXTERNAL_SERVICES, TAXES, STAFF, OTHER_OPERATING, FINANCIAL, EXCEPTIONAL, DEPRECIATION',
      'budget.income[0].amountCents: amountCents must not be negative',
      'budget.coFinancers[0].name: name must be at most 200 characters',
    ]);
    expect(await fields(path, { status: 'SUBMITTED', on: '2026-06-10', budget: { ...BUDGET, expenses: [] } })).toEqual(['budget.expenses: budget.expenses must list at least one line']);
    const many = Array.from({ length: 51 }, () => ({ category: 'STAFF', amountCents: 1 }));
    expect(await fields(path, { status: 'SUBMITTED', on: '2026-06-10', budget: { ...BUDGET, expenses: many } })).toEqual(['budget.expenses: expenses must contain at most 50 items']);
    // without a budget, the amount spent is still required
    expect(await fields(path, { status: 'SUBMITTED', on: '2026-06-10' })).toEqual(['spentCents: spentCents is required when the report is SUBMITTED']);
  });
});
