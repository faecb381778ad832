/**
 * Workflow code never throws on a date the API accepted (issue 13 #4): a whole parcours is run through its rules
 * (eligibility, consent, EPS review, actions, reassessment, renewal, suspension, life events, derogations,
 * closure, retention, deadlines, reminders, timers, views) with every date at an extreme of the window the API
 * accepts (src/common/calendar-date.ts), and the convention's date rules likewise. A rule may refuse a date with
 * a domain failure (a 4xx for the caller); it may never fail with a TypeError or a RangeError (a workflow task
 * failing for ever).
 */
import { ApplicationFailure } from '@temporalio/common';
import { DEFAULT_DATE_WINDOW, EARLIEST_BIRTH_DATE, configureDateWindow, dateWindow } from '../../src/common/calendar-date';
import { DEFAULT_PARCOURS_SETTINGS, type ParcoursInput } from '../../workflows/parcours/parcours.contract';
import { ParcoursCase } from '../../workflows/parcours/parcours.state';
import { eligibilityOf, nextEpsMeeting, schoolYearEnd, schoolYearOf, ageLimitOn } from '../../workflows/parcours/parcours.rules';
import { daysLate, enforceableOn, finalReportDueOn, prefetWindowEndsOn, reminderDates, reportDueOn, requestDueOn } from '../../workflows/convention/convention.rules';
import { addDays, frDay, frLongDate, instantOf, isValidDate, parisDateOf, workingDaysBefore, type IsoDate } from '../../workflows/shared/calendar';

const ACTOR = { sub: 'u-coord-1', role: 'coordinator' } as const;
const NOW = Date.now();
const meta = (n: number) => ({ actor: ACTOR, at: new Date(NOW).toISOString(), idempotencyKey: `k-${n}` });

/** Runs `step`: a domain refusal (ApplicationFailure) is allowed, anything else thrown fails the test. */
function total(what: string, step: () => void): 'applied' | 'refused' {
  try {
    step();
    return 'applied';
  } catch (e) {
    if (e instanceof ApplicationFailure) return 'refused';
    throw new Error(`${what} threw ${(e as Error).name}: ${(e as Error).message}`);
  }
}

/** Every derived output of the case, at several instants (now, the day after the last date, the purge day). */
function readAll(c: ParcoursCase, instants: number[]): void {
  for (const now of instants) {
    const view = c.view(now);
    expect(view.deadlines.every((d) => isValidDate(d.dueOn))).toBe(true);
    c.searchAttributes(now);
    c.currentDetails(now);
    const wake = c.nextWake(now);
    if (wake) expect(Number.isFinite(wake.atMs)).toBe(true);
  }
  // timers fire as the workflow's clock reaches them: now only (later instants are read, not lived)
  c.fireDue(instants[0]);
  const retention = c.retention();
  if (retention) {
    expect(isValidDate(retention.purgeOn)).toBe(true);
    c.closingSummary();
  }
}

function runParcours(birthDate: IsoDate, date: IsoDate, plan: IsoDate, settings = DEFAULT_PARCOURS_SETTINGS): { steps: Record<string, string>; c: ParcoursCase } {
  const input: ParcoursInput = {
    dossierId: 'D-WINDOWTEST',
    childKey: 'k'.repeat(43),
    settings,
    createdBy: ACTOR,
    createdAt: new Date(NOW).toISOString(),
    referentId: 'u-ref-1',
    referral: {
      referredOn: date,
      child: { firstName: 'A', lastName: 'B', birthDate, sex: 'F', qpv: 'GRESILLES', address: { line1: '1 rue X', postcode: '21000', city: 'Dijon' } },
      guardians: [{ firstName: 'C', lastName: 'B', relationship: 'MOTHER' }],
      orienteur: { type: 'SCHOOL' },
      reasons: ['SCHOOL_RESULTS'],
      derogation: { motive: 'Cas limite' },
    },
  };
  const c = new ParcoursCase(input, NOW);
  const steps: Record<string, string> = {};
  const instants = [NOW, instantOf(addDays(plan, 1)), instantOf(addDays(plan, 4000))];
  const step = (name: string, fn: () => void) => {
    steps[name] = total(name, fn);
    readAll(c, instants);
  };
  step('eligibility', () => {
    const outcome = eligibilityOf({ birthDate, referredOn: date, qpv: 'GRESILLES', eligibleQpvs: settings.eligibleQpvs, ruleVersion: 'v1' });
    c.applyEligibility({ ...outcome, qpv: 'GRESILLES', checkedAt: new Date(NOW).toISOString() }, 'Cas limite', NOW);
  });
  const i = { n: 0 };
  const m = () => meta(++i.n);
  step('consent', () => {
    const x = { ...m(), decision: 'GRANTED' as const, signedOn: date, signedBy: [{ name: 'C B', relationship: 'MOTHER' as const }], dataSharingInformed: true };
    c.validateConsent(x);
    c.applyConsent(x, NOW);
  });
  step('duration derogation', () => {
    const x = { ...m(), kind: 'DURATION' as const, motive: 'Besoin', decidedOn: date, maxTotalMonths: 120 };
    c.validateDerogation(x);
    c.applyDerogation(x, NOW);
  });
  step('team review', () => {
    const x = { ...m(), meetingDate: date, decision: 'VALIDATED' as const, objectives: [{ label: 'Lire' }], referentId: 'u-ref-1', durationMonths: 60 };
    c.validateTeamReview(x);
    c.applyTeamReview(x, NOW);
  });
  step('action', () => {
    const x = { ...m(), type: 'SCHOOL_SUPPORT' as const, provider: 'P', startsOn: date, endsOn: plan, objectiveIds: ['o1'] };
    c.validateAction(x);
    c.applyAction(x, NOW);
  });
  step('action patch', () => {
    const x = { ...m(), actionId: 'a1', startsOn: date, endsOn: plan };
    c.validateActionPatch(x);
    c.applyActionPatch(x, NOW);
  });
  step('reassessment', () => {
    const x = { ...m(), assessedOn: date, progress: [{ objectiveId: 'o1', level: 'PARTIAL' as const }], decision: 'CONTINUE' as const };
    c.validateReassessment(x);
    c.applyReassessment(x, NOW);
  });
  step('age derogation', () => {
    const x = { ...m(), kind: 'AGE' as const, motive: 'Besoin', decidedOn: date, untilOn: plan };
    c.validateDerogation(x);
    c.applyDerogation(x, NOW);
  });
  step('renewal', () => {
    const x = { ...m(), meetingDate: date, extensionMonths: 12 as const };
    c.validateRenewal(x);
    c.applyRenewal(x, NOW);
  });
  step('suspension', () => {
    const x = { ...m(), reason: 'HOSPITALISATION' as const, startsOn: date, expectedEndOn: plan };
    c.validateSuspension(x);
    c.applySuspension(x, NOW);
  });
  step('resumption', () => {
    const x = { ...m(), resumedOn: date };
    c.validateResumption(x);
    c.applyResumption(x, NOW);
  });
  step('safeguarding concern', () => {
    const x = { ...m(), type: 'SAFEGUARDING_CONCERN' as const, occurredOn: date, reportedOn: date };
    c.validateLifeEvent(x);
    c.applyLifeEvent(x, NOW);
  });
  step('family unreachable', () => {
    const x = { ...m(), type: 'FAMILY_UNREACHABLE' as const, occurredOn: date };
    c.validateLifeEvent(x);
    c.applyLifeEvent(x, NOW);
  });
  step('closure', () => {
    const x = { ...m(), reason: 'OBJECTIVES_MET' as const, closedOn: plan > date ? date : plan, summary: 'Fin' };
    c.validateClosure(x);
    c.applyClosure(x, NOW);
  });
  // then the case lives to the end of every timer: deadlines fire, reminders and closures follow
  for (const later of instants.slice(1)) steps[`timers at ${new Date(later).toISOString().slice(0, 10)}`] = total('timers', () => c.fireDue(later));
  readAll(c, instants.slice(1));
  return { steps, c };
}

describe('workflow rules on the extremes of the accepted date window', () => {
  afterEach(() => configureDateWindow(DEFAULT_DATE_WINDOW));

  const today = parisDateOf(NOW);
  const business = dateWindow('business', today);
  const plan = dateWindow('plan', today);
  const birth = dateWindow('birth', today);

  it('the window is the documented one: business dates 2000-01-01 … today + 12 months, plans … + 60 months, births 1900-01-01 … today', () => {
    expect(business.from).toBe('2000-01-01');
    expect(plan.from).toBe('2000-01-01');
    expect(birth).toEqual({ from: EARLIEST_BIRTH_DATE, to: today });
    expect(business.to > today && plan.to > business.to).toBe(true);
  });

  const cases: Array<[string, IsoDate, IsoDate, IsoDate]> = [
    ['latest dates, newborn child', birth.to, business.to, plan.to],
    ['latest dates, child born in 1900', birth.from, business.to, plan.to],
    ['earliest dates, child born in 1900', birth.from, business.from, plan.from],
    ['earliest business date, latest plan', birth.from, business.from, plan.to],
    ['today, child born today', birth.to, today, plan.to],
  ];

  it.each(cases)('%s: every step is applied or refused by a rule, and every view, deadline, timer and retention date is computed', (_name, birthDate, date, planDate) => {
    const { steps, c } = runParcours(birthDate, date, planDate);
    expect(steps.eligibility).toBe('applied');
    expect(Object.values(steps).every((s) => s === 'applied' || s === 'refused')).toBe(true);
    // a case that reached its end has a retention date
    if (c.record.stage === 'CLOSED') expect(c.retention()).not.toBeNull();
  });

  it('the longest retention (120 months) after the latest closure is a date, with its purge instant', () => {
    const { c } = runParcours(birth.to, business.to, plan.to, { ...DEFAULT_PARCOURS_SETTINGS, retentionMonths: 120, maxTotalMonths: 60 });
    expect(c.record.stage).toBe('CLOSED');
    const retention = c.retention()!;
    expect(isValidDate(retention.purgeOn)).toBe(true);
    expect(Number.isFinite(instantOf(retention.purgeOn))).toBe(true);
  });

  it('the calendar (age limits, school years, EPS meetings, working days, French dates) is total on the window', () => {
    for (const d of [business.from, business.to, plan.from, plan.to, birth.from, birth.to]) {
      expect(isValidDate(schoolYearEnd(d))).toBe(true);
      expect(schoolYearOf(d)).toMatch(/^\d{4}-\d{4}$/);
      expect(isValidDate(ageLimitOn(d, plan.to))).toBe(true);
      expect(isValidDate(nextEpsMeeting(d, { weekday: 2, weekOfMonth: 1, noMeetingMonths: [8] }))).toBe(true);
      expect(isValidDate(workingDaysBefore(d, 10))).toBe(true);
      expect(frLongDate(d)).toMatch(/^\d/);
      expect(frDay(d)).toMatch(/^[a-z]+ \d{2}\/\d{2}\/\d{4}$/);
    }
  });

  it("the convention's dates (due dates, reminders, enforceability, lateness) are total on the window", () => {
    for (const d of [business.from, business.to]) {
      const year = Number(d.slice(0, 4));
      expect(isValidDate(requestDueOn(year, 1, 31))).toBe(true);
      expect(isValidDate(reportDueOn(year, 6, 30))).toBe(true);
      expect(isValidDate(finalReportDueOn([year, year + 1, year + 2], 6, 30))).toBe(true);
      expect(reminderDates(d, [30, 7], 15).every((r) => isValidDate(r.on))).toBe(true);
      expect(isValidDate(enforceableOn(d, d)!)).toBe(true);
      expect(isValidDate(prefetWindowEndsOn(d))).toBe(true);
      expect(Number.isFinite(daysLate(d, null, business.to))).toBe(true);
    }
  });
});

describe('the window is what keeps workflow code total', () => {
  it('a referral on 9999-12-31 (accepted before the window) makes the rules throw; the API now refuses it', () => {
    const { dateProblem } = jest.requireActual<typeof import('../../src/common/calendar-date')>('../../src/common/calendar-date');
    expect(() => runParcours('2016-03-14', '9999-12-31', '9999-12-31')).toThrow(/Not a YYYY-MM-DD date: 10000/);
    expect(dateProblem('9999-12-31', 'business')).toMatch(/^must not be after \d{4}-\d{2}-\d{2}/);
  });

  it('on the latest dates most of the parcours is applied, not refused (the run above is not vacuous)', () => {
    const w = dateWindow('business');
    // a consent is not signed ahead of the day (issue 14 #1): the requests are made once the latest date has come
    jest.useFakeTimers({ now: instantOf(addDays(w.to, 1)), doNotFake: ['setTimeout', 'setInterval', 'setImmediate', 'nextTick', 'queueMicrotask'] });
    let steps: Record<string, string>;
    try {
      ({ steps } = runParcours(dateWindow('birth').to, w.to, dateWindow('plan').to));
    } finally {
      jest.useRealTimers();
    }
    expect(Object.entries(steps).filter(([, s]) => s === 'applied').map(([k]) => k)).toEqual(
      expect.arrayContaining(['eligibility', 'consent', 'team review', 'action', 'reassessment', 'closure']),
    );
  });
});
