import { ageBandOf, ageLimitOn, ageOn, birthdayOn, eligibilityOf, epsMeetingOfMonth, needsDurationDerogation, nextEpsMeeting, schoolYearEnd, schoolYearOf, totalGrantedMonths } from '../../workflows/parcours/parcours.rules';
import { DEFAULT_PARCOURS_SETTINGS, workflowIdFor, dossierIdOf, type ReferralInput } from '../../workflows/parcours/parcours.contract';
import { addDays, addMonths, dateOf, daysBetween, instantOf, isOverdue, isReached, isValidDate } from '../../workflows/shared/calendar';
import { ageBandLabel } from '../../workflows/parcours/parcours.labels';
import { initialSearchAttributes, staticSummaryFor } from '../../workflows/parcours/parcours.view';

const eligibleQpvs = ['FONTAINE_D_OUCHE', 'GRESILLES'];
const rule = (birthDate: string, referredOn: string, qpv = 'GRESILLES') => eligibilityOf({ birthDate, referredOn, qpv, eligibleQpvs, ruleVersion: 'v1' });

describe('calendar dates', () => {
  it('accepts real dates only', () => {
    expect(isValidDate('2026-02-28')).toBe(true);
    expect(isValidDate('2028-02-29')).toBe(true);
    expect(isValidDate('2026-02-29')).toBe(false);
    expect(isValidDate('2026-02-30')).toBe(false);
    expect(isValidDate('2026-13-01')).toBe(false);
    expect(isValidDate('2026-1-01')).toBe(false);
    expect(isValidDate(20260101)).toBe(false);
  });

  it('adds days across months and years, and counts days between dates', () => {
    expect(addDays('2026-11-20', 15)).toBe('2026-12-05');
    expect(addDays('2026-11-20', 60)).toBe('2027-01-19');
    expect(addDays('2027-03-01', -1)).toBe('2027-02-28');
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
    expect(daysBetween('2026-11-20', '2027-01-19')).toBe(60);
    expect(daysBetween('2027-01-19', '2026-11-20')).toBe(-60);
  });

  it('adds months clamping to the end of the month', () => {
    expect(addMonths('2026-12-03', 12)).toBe('2027-12-03');
    expect(addMonths('2026-12-03', 3)).toBe('2027-03-03');
    expect(addMonths('2027-01-31', 1)).toBe('2027-02-28');
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29');
    expect(addMonths('2027-03-31', -1)).toBe('2027-02-28');
    expect(addMonths('2026-11-30', 24)).toBe('2028-11-30');
  });

  it('fires a date at 08:00 in Paris and makes a deadline overdue from the next day', () => {
    // winter: 08:00 in Paris is 07:00 UTC
    expect(new Date(instantOf('2026-12-05')).toISOString()).toBe('2026-12-05T07:00:00.000Z');
    expect(isReached('2026-12-05', Date.parse('2026-12-05T06:59:59Z'))).toBe(false);
    expect(isReached('2026-12-05', Date.parse('2026-12-05T07:00:00Z'))).toBe(true);
    expect(isOverdue('2026-12-05', Date.parse('2026-12-05T22:00:00Z'))).toBe(false);
    expect(isOverdue('2026-12-05', Date.parse('2026-12-06T06:59:59Z'))).toBe(false);
    expect(isOverdue('2026-12-05', Date.parse('2026-12-06T07:00:00Z'))).toBe(true);
    // the date of an instant is the Paris day: 23:59:59 UTC is already the next day in Paris
    expect(dateOf('2026-12-05T22:59:59Z')).toBe('2026-12-05');
    expect(dateOf('2026-12-05T23:59:59Z')).toBe('2026-12-06');
  });
});

describe('age on a date', () => {
  it('counts whole years, the birthday itself included', () => {
    expect(ageOn('2016-03-14', '2026-11-20')).toBe(10);
    expect(ageOn('2016-03-14', '2026-03-13')).toBe(9);
    expect(ageOn('2016-03-14', '2026-03-14')).toBe(10);
  });

  it('gives a child born on 29 February its birthday on 1 March in common years', () => {
    expect(birthdayOn('2012-02-29', 17)).toBe('2029-03-01');
    expect(birthdayOn('2012-02-29', 16)).toBe('2028-02-29');
    expect(ageOn('2012-02-29', '2029-02-28')).toBe(16);
    expect(ageOn('2012-02-29', '2029-03-01')).toBe(17);
    expect(ageOn('2012-02-29', '2028-02-28')).toBe(15);
    expect(ageOn('2012-02-29', '2028-02-29')).toBe(16);
  });

  it('puts ages in the report bands 2–5, 6–10, 11–16, 17+', () => {
    expect([1, 2, 5, 6, 10, 11, 16, 17, 18].map(ageBandOf)).toEqual(['0-1', '2-5', '2-5', '6-10', '6-10', '11-16', '11-16', '17+', '17+']);
    expect(ageBandLabel('6-10')).toBe('6–10 ans');
    expect(ageBandLabel('17+')).toBe('17 ans et plus');
  });
});

describe('eligibility', () => {
  it('is eligible from the 2nd birthday to the day before the 17th, in an eligible QPV', () => {
    expect(rule('2024-11-20', '2026-11-20')).toEqual({ eligible: true, ruleVersion: 'v1', reasons: ['AGE_IN_RANGE', 'QPV_ELIGIBLE'], ageOnReferral: 2 });
    expect(rule('2009-11-21', '2026-11-20')).toMatchObject({ eligible: true, ageOnReferral: 16 });
  });

  it('is not eligible under 2 or from 17', () => {
    expect(rule('2024-11-21', '2026-11-20')).toMatchObject({ eligible: false, reasons: ['AGE_UNDER_2', 'QPV_ELIGIBLE'], ageOnReferral: 1 });
    expect(rule('2009-11-20', '2026-11-20')).toMatchObject({ eligible: false, reasons: ['AGE_OVER_16', 'QPV_ELIGIBLE'], ageOnReferral: 17 });
  });

  it('is not eligible outside the configured QPV list', () => {
    expect(rule('2016-03-14', '2026-11-20', 'OTHER')).toMatchObject({ eligible: false, reasons: ['AGE_IN_RANGE', 'QPV_NOT_ELIGIBLE'] });
    expect(eligibilityOf({ birthDate: '2016-03-14', referredOn: '2026-11-20', qpv: 'GRESILLES', eligibleQpvs: ['FONTAINE_D_OUCHE'], ruleVersion: 'v2' })).toMatchObject({ eligible: false, ruleVersion: 'v2' });
  });

  it('refuses a birth date after the referral', () => {
    expect(rule('2027-01-01', '2026-11-20')).toMatchObject({ eligible: false, reasons: ['BORN_AFTER_REFERRAL', 'QPV_ELIGIBLE'] });
  });

  it('uses the 29 February rule on the referral date', () => {
    expect(rule('2012-02-29', '2029-02-28')).toMatchObject({ eligible: true, ageOnReferral: 16 });
    expect(rule('2012-02-29', '2029-03-01')).toMatchObject({ eligible: false, ageOnReferral: 17 });
  });
});

describe('age limit', () => {
  it('closes at the 17th birthday', () => {
    expect(ageLimitOn('2010-05-10')).toBe('2027-05-10');
  });

  it('extends by derogation up to the 18th birthday at most', () => {
    expect(ageLimitOn('2010-05-10', '2027-12-31')).toBe('2027-12-31');
    expect(ageLimitOn('2010-05-10', '2029-01-01')).toBe('2028-05-10');
    expect(ageLimitOn('2010-05-10', '2026-01-01')).toBe('2027-05-10');
  });
});

describe('school year', () => {
  it('ends on 31 August of the school year a date falls in', () => {
    expect(schoolYearEnd('2027-04-02')).toBe('2027-08-31');
    expect(schoolYearEnd('2027-08-31')).toBe('2027-08-31');
    expect(schoolYearEnd('2027-09-01')).toBe('2028-08-31');
    expect(schoolYearOf('2026-11-20')).toBe('2026-2027');
    expect(schoolYearOf('2027-06-30')).toBe('2026-2027');
  });
});

describe('EPS calendar', () => {
  const cal = { weekday: 2, weekOfMonth: 1, noMeetingMonths: [8] };
  it('meets on the first Tuesday of each month except August', () => {
    expect(epsMeetingOfMonth(2026, 12, cal)).toBe('2026-12-01');
    expect(epsMeetingOfMonth(2027, 1, cal)).toBe('2027-01-05');
    expect(epsMeetingOfMonth(2027, 8, cal)).toBeNull();
  });

  it('finds the next meeting on or after a date, skipping August', () => {
    expect(nextEpsMeeting('2026-11-27', cal)).toBe('2026-12-01');
    expect(nextEpsMeeting('2026-12-01', cal)).toBe('2026-12-01');
    expect(nextEpsMeeting('2027-07-07', cal)).toBe('2027-09-07');
  });
});

describe('durations', () => {
  it('needs a duration derogation beyond 24 months in total', () => {
    expect(totalGrantedMonths(12, [12])).toBe(24);
    expect(needsDurationDerogation(24, 24)).toBe(false);
    expect(needsDurationDerogation(totalGrantedMonths(12, [12, 6]), 24)).toBe(true);
  });
});

describe('contract helpers', () => {
  const referral: ReferralInput = {
    referredOn: '2026-11-20',
    child: { firstName: 'Lina', lastName: 'Benali', birthDate: '2016-03-14', sex: 'F', address: { line1: '12 rue Jean de Cirey', postcode: '21000', city: 'Dijon' }, qpv: 'GRESILLES' },
    guardians: [],
    orienteur: { type: 'SCHOOL', organisation: 'École' },
    reasons: ['SCHOOL_RESULTS'],
  };

  it('builds workflow ids from the dossierId', () => {
    expect(workflowIdFor('D-1')).toBe('parcours-D-1');
    expect(dossierIdOf('parcours-D-1')).toBe('D-1');
    expect(dossierIdOf('convention-X')).toBeNull();
  });

  it('writes a static summary without personal data', () => {
    expect(staticSummaryFor(referral)).toBe("Parcours PRE · Grésilles · 6–10 ans · orienté par l'école");
  });

  it('starts with search attributes that hold no personal data', () => {
    const pairs = initialSearchAttributes({ referral, childKey: 'hmac', createdBy: { sub: 'u-ref-1', role: 'referent' }, settings: DEFAULT_PARCOURS_SETTINGS });
    const flat = Object.fromEntries(pairs.map((p) => [p.key.name, p.value instanceof Date ? p.value.toISOString() : p.value]));
    expect(flat).toEqual({
      PreStage: 'REFERRED',
      PreQpv: 'GRESILLES',
      PreAgeBand: '6-10',
      PreChildKey: 'hmac',
      PreReferredOn: '2026-11-20T00:00:00.000Z',
      PreOverdue: false,
      PreNextDeadlineKind: 'CONSENT_EXPIRY',
      PreNextDeadline: '2027-01-19T00:00:00.000Z',
      PreReferentId: 'u-ref-1',
    });
  });
});
