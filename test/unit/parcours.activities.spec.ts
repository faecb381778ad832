import { MockActivityEnvironment } from '@temporalio/testing';
import { createParcoursActivities, type CheckEligibilityInput } from '../../activities/parcours.activities';

const input: CheckEligibilityInput = {
  dossierId: 'D-1',
  birthDate: '2016-03-14',
  referredOn: '2026-11-20',
  qpv: 'GRESILLES',
  eligibleQpvs: ['FONTAINE_D_OUCHE', 'GRESILLES'],
  ruleVersion: 'from-input',
};

describe('checkEligibility activity', () => {
  it("uses the worker's configured QPV list and records its version", async () => {
    const acts = createParcoursActivities({ eligibleQpvs: ['FONTAINE_D_OUCHE'], eligibilityRuleVersion: 'qpv-2027-v2' });
    const out = (await new MockActivityEnvironment().run(acts.checkEligibility, input)) as Awaited<ReturnType<typeof acts.checkEligibility>>;
    expect(out).toMatchObject({ eligible: false, ruleVersion: 'qpv-2027-v2', reasons: ['AGE_IN_RANGE', 'QPV_NOT_ELIGIBLE'], ageOnReferral: 10, qpv: 'GRESILLES' });
    expect(Number.isNaN(Date.parse(out.checkedAt))).toBe(false);
  });

  it("falls back to the list carried by the workflow's settings", async () => {
    const acts = createParcoursActivities({});
    const out = (await new MockActivityEnvironment().run(acts.checkEligibility, input)) as Awaited<ReturnType<typeof acts.checkEligibility>>;
    expect(out).toMatchObject({ eligible: true, ruleVersion: 'from-input', reasons: ['AGE_IN_RANGE', 'QPV_ELIGIBLE'] });
  });
});
