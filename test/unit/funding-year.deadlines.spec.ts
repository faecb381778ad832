/**
 * A funding year's deadlines when the calendar does not go as planned (DOMAIN.md §2.4): a year opened after its
 * deadlines (catch-up dates) and a returned financial report (resubmission date), on the pure rules and on the
 * year's state class (no server: the state is deterministic and I/O-free).
 */
import { DEFAULT_CONVENTION_SETTINGS, type ConventionSettings, type FundingYearInput } from '../../workflows/convention/convention.contract';
import { DEFAULT_TRANCHES } from '../../workflows/convention/convention.rules';
import { catchUpDueOn, resubmissionDueOn, yearDeadlineDates, yearDeadlineTable } from '../../workflows/convention/funding-year.deadlines';
import { FundingYearState } from '../../workflows/convention/funding-year.state';
import { yearView } from '../../workflows/convention/funding-year.view';
import { instantOf } from '../../workflows/shared/calendar';
import type { Actor } from '../../workflows/shared/messages';

const FIN: Actor = { sub: 'u-fin-1', role: 'finance' };
const REF = 'CPO-PRE-2024-2026';

/** A year of the seed convention (2024–2026, in effect on 12 July 2024 unless said otherwise). */
function openYear(year: number, effectiveOn = '2024-07-12', settings: Partial<ConventionSettings> = {}): FundingYearState {
  const input: FundingYearInput = {
    conventionRef: REF,
    year,
    years: [2024, 2025, 2026],
    subject: 'PRE',
    parties: { state: "Préfet de la Côte-d'Or", beneficiary: 'CCAS de Dijon' },
    grantedCents: 20000000,
    tranches: DEFAULT_TRANCHES,
    settings: { ...DEFAULT_CONVENTION_SETTINGS, ...settings },
    effectiveOn,
    startedBy: FIN,
    // the seed session of 3 July 2024 authorises the receipt for 2024
    ...(year === 2024 ? { authorisation: { kind: 'DELIBERATION' as const, on: '2024-07-03', deliberationId: 'd1', fromConventionDeliberation: true, by: FIN, at: '2024-07-03T10:00:00.000Z' } } : {}),
  };
  return new FundingYearState(input, instantOf(effectiveOn));
}

const at = (date: string) => instantOf(date);
const meta = (date: string) => ({ actor: FIN, at: new Date(at(date)).toISOString() });
/** `KIND@dueOn` of the reminders the year decided and sent (not the skipped ones). */
const sent = (y: FundingYearState) => y.d.reminders.filter((r) => !r.skipped).map((r) => `${r.kind}@${r.dueOn}`);

describe('a year opened after its deadlines: catch-up dates', () => {
  it('moves a deadline already past on the opening day to the opening + 30 days, and leaves the others', () => {
    expect(catchUpDueOn('2024-01-31', '2024-07-12', 30)).toBe('2024-08-11');
    expect(catchUpDueOn('2025-06-30', '2024-07-12', 30)).toBeNull();
    // due on the opening day itself: not past yet
    expect(catchUpDueOn('2024-07-12', '2024-07-12', 30)).toBeNull();
    const d = yearDeadlineDates(2024, DEFAULT_CONVENTION_SETTINGS, '2024-07-12', null);
    expect(d).toEqual({
      openedOn: '2024-07-12',
      request: { dueOn: '2024-08-11', statutoryDueOn: '2024-01-31', catchUp: true, returnedOn: null },
      report: { dueOn: '2025-06-30', statutoryDueOn: '2025-06-30', catchUp: false, returnedOn: null },
    });
    // not opened yet (a convention not in effect): the statutory dates stand
    expect(yearDeadlineDates(2024, DEFAULT_CONVENTION_SETTINGS, null, null).request).toMatchObject({ dueOn: '2024-01-31', catchUp: false });
    // configurable
    expect(yearDeadlineDates(2024, { ...DEFAULT_CONVENTION_SETTINGS, catchUpDays: 45 }, '2024-07-12', null).request.dueOn).toBe('2024-08-26');
  });

  it('the 2024 year opened on 12 July 2024 does not escalate at once its request due 31 January 2024: it owes it by 11 August 2024, reminded on 27 July, escalated on 12 August', () => {
    const y = openYear(2024);
    expect(y.fireDue(at('2024-07-12'))).toBe(0);
    const v = yearView(y, at('2024-07-12'));
    expect(v).toMatchObject({
      openedOn: '2024-07-12',
      overdue: false,
      request: { dueOn: '2024-08-11', statutoryDueOn: '2024-01-31', catchUp: true, overdue: false },
      report: { dueOn: '2025-06-30', statutoryDueOn: '2025-06-30', catchUp: false },
      nextDeadline: { kind: 'SUBSIDY_REQUEST', dueOn: '2024-08-11', overdue: false, label: 'Demande de subvention 2024 à envoyer (échéance de rattrapage)' },
    });
    expect(v.timeline.last[0]).toMatchObject({
      type: 'YEAR_OPENED',
      summary: expect.stringContaining("échéances déjà passées à l'ouverture, de rattrapage : demande de subvention (échéance du 31 janvier 2024) à envoyer avant le 11 août 2024"),
    });
    expect(y.nextWake(at('2024-07-12'))).toMatchObject({ atMs: at('2024-07-27') });
    y.fireDue(at('2024-07-27'));
    expect(sent(y)).toEqual(['REQUEST_REMINDER@2024-08-11']);
    y.fireDue(at('2024-08-11'));
    expect(sent(y)).toEqual(['REQUEST_REMINDER@2024-08-11']);
    y.fireDue(at('2024-08-12'));
    expect(sent(y)).toEqual(['REQUEST_REMINDER@2024-08-11', 'REQUEST_ESCALATION@2024-08-11']);
    expect(y.journal.outbox.at(-1)).toMatchObject({ kind: 'REQUEST_ESCALATION', body: expect.stringContaining("attendue pour le 11 août 2024 (échéance de rattrapage : l'échéance du 31 janvier 2024 était passée à l'ouverture de l'année le 12 juillet 2024)") });
    expect(yearView(y, at('2024-08-12'))).toMatchObject({ overdue: true, request: { overdue: true } });
  });

  it('a year opened on time keeps its statutory dates: 2025 opened in July 2024 owes its request on 31 January 2025', () => {
    const v = yearView(openYear(2025), at('2024-07-12'));
    expect(v.request).toMatchObject({ dueOn: '2025-01-31', statutoryDueOn: '2025-01-31', catchUp: false });
    expect(v.nextDeadline).toMatchObject({ kind: 'SUBSIDY_REQUEST', label: 'Demande de subvention 2025 à envoyer' });
    expect(v.timeline.last[0].summary).not.toContain('rattrapage');
  });

  it('a catch-up report counts its lateness and its risk from the catch-up date', () => {
    // a 2023 year opened on 1 September 2024: its CRF (due 30 June 2024) is due on 1 October 2024
    const y = openYear(2023, '2024-09-01');
    expect(yearView(y, at('2024-09-01')).report).toMatchObject({ dueOn: '2024-10-01', statutoryDueOn: '2024-06-30', catchUp: true, daysLate: 0 });
    expect(y.nextPaymentAtRisk(at('2024-11-29'))).toBe(false);
    expect(yearView(y, at('2024-11-30')).report.daysLate).toBe(60);
    expect(y.nextPaymentAtRisk(at('2024-11-30'))).toBe(true);
  });
});

describe('reminders reached together', () => {
  it('of the reminders of one deadline reached together, sends only the latest and records the others as skipped', () => {
    const y = openYear(2024);
    y.applyRequest({ ...meta('2024-07-15'), sentOn: '2024-07-15' }, at('2024-07-15'));
    // a worker down from April to 24 June 2025: the CRF reminders J-60, J-30 and J-7 are all due
    expect(y.fireDue(at('2025-06-24'))).toBe(3);
    expect(y.d.reminders.map((r) => [r.kind, r.fireOn, r.skipped])).toEqual([
      ['REPORT_REMINDER_60', '2025-05-01', true],
      ['REPORT_REMINDER_30', '2025-05-31', true],
      ['REPORT_REMINDER_7', '2025-06-23', false],
    ]);
    expect(y.journal.outbox.map((n) => `${n.kind}@${n.dueOn}`)).toEqual(['REPORT_REMINDER_7@2025-06-30']);
    expect(y.journal.timeline.map((e) => e.type).slice(-2)).toEqual(['REMINDERS_SKIPPED', 'REMINDER_SENT']);
    // nothing is sent again
    expect(y.fireDue(at('2025-06-25'))).toBe(0);
  });
});

describe('a returned financial report: resubmission date', () => {
  it('is due again 30 days after its return, never before its own due date', () => {
    expect(resubmissionDueOn('2025-06-30', '2025-09-15', 30)).toBe('2025-10-15');
    expect(resubmissionDueOn('2025-06-30', '2025-02-01', 30)).toBe('2025-06-30');
    const d = yearDeadlineDates(2024, DEFAULT_CONVENTION_SETTINGS, '2024-07-12', '2025-09-15');
    expect(d.report).toEqual({ dueOn: '2025-10-15', statutoryDueOn: '2025-06-30', catchUp: false, returnedOn: '2025-09-15' });
    // returned early: the statutory date stands, with its own reminders
    expect(yearDeadlineDates(2024, DEFAULT_CONVENTION_SETTINGS, '2024-07-12', '2025-02-01').report).toMatchObject({ dueOn: '2025-06-30', returnedOn: null });
    // configurable
    expect(yearDeadlineDates(2024, { ...DEFAULT_CONVENTION_SETTINGS, resubmissionDays: 15 }, '2024-07-12', '2025-09-15').report.dueOn).toBe('2025-09-30');
  });

  it('has its own reminder (7 days before), escalation and payment at risk, counted from the resubmission date', () => {
    const rows = yearDeadlineTable({ ref: REF, year: 2024, settings: DEFAULT_CONVENTION_SETTINGS, closed: false, requestSent: true, reportAwaited: true, dates: yearDeadlineDates(2024, DEFAULT_CONVENTION_SETTINGS, '2024-07-12', '2025-09-15') });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'FINANCIAL_REPORT', dueOn: '2025-10-15', label: 'Compte rendu financier 2024 retourné, à remettre de nouveau' });
    expect(rows[0].reminders.map((r) => [r.kind, r.fireOn])).toEqual([
      ['REPORT_RESUBMISSION_REMINDER_7', '2025-10-08'],
      ['REPORT_RESUBMISSION_ESCALATION', '2025-10-16'],
      ['PAYMENT_AT_RISK', '2025-12-14'],
    ]);
    expect(rows[0].reminders[0].notification()).toMatchObject({
      recipients: ['role:finance'],
      subject: `Compte rendu financier retourné 2024 attendu le 15 octobre 2025 (J-7) — ${REF}`,
      body: expect.stringContaining('est à remettre de nouveau au plus tard le 15 octobre 2025, dans 7 jours (retourné le 15 septembre 2025)'),
    });
  });

  it('submitted on time and returned on 15 September is neither late (not 77 days) nor escalated at once: due again on 15 October', () => {
    const y = openYear(2024);
    y.applyRequest({ ...meta('2024-07-15'), sentOn: '2024-07-15' }, at('2024-07-15'));
    y.validateReport({ ...meta('2025-06-10'), status: 'SUBMITTED', on: '2025-06-10', spentCents: 19850000 });
    y.applyReport({ ...meta('2025-06-10'), status: 'SUBMITTED', on: '2025-06-10', spentCents: 19850000 }, at('2025-06-10'));
    y.fireDue(at('2025-06-10')); // the CRF reminders reached while it was awaited
    const before = sent(y);
    y.applyReport({ ...meta('2025-09-15'), status: 'RETURNED', on: '2025-09-15', comment: 'Annexe des dépenses manquante' }, at('2025-09-15'));
    expect(y.fireDue(at('2025-09-15'))).toBe(0);
    const returned = yearView(y, at('2025-09-15'));
    expect(returned).toMatchObject({
      stage: 'AWAITING_REPORT',
      nextPaymentAtRisk: false,
      overdue: false,
      reportDueOn: '2025-10-15',
      report: { state: 'AWAITING_SUBMISSION', dueOn: '2025-10-15', statutoryDueOn: '2025-06-30', resubmissionOf: '2025-09-15', daysLate: 0, overdue: false },
      nextDeadline: { kind: 'FINANCIAL_REPORT', dueOn: '2025-10-15', overdue: false },
    });
    expect(returned.timeline.last.at(-1)).toMatchObject({ type: 'REPORT_RETURNED', summary: 'Compte rendu financier 2024 retourné le 15 septembre 2025 pour correction : à remettre de nouveau avant le 15 octobre 2025' });
    expect(sent(y)).toEqual(before);

    y.fireDue(at('2025-10-08'));
    expect(sent(y)).toEqual([...before, 'REPORT_RESUBMISSION_REMINDER_7@2025-10-15']);
    y.fireDue(at('2025-10-16'));
    expect(sent(y)).toEqual([...before, 'REPORT_RESUBMISSION_REMINDER_7@2025-10-15', 'REPORT_RESUBMISSION_ESCALATION@2025-10-15']);
    expect(yearView(y, at('2025-10-16'))).toMatchObject({ overdue: true, report: { daysLate: 1, overdue: true } });
    expect(y.nextPaymentAtRisk(at('2025-12-13'))).toBe(false);
    expect(y.nextPaymentAtRisk(at('2025-12-14'))).toBe(true);

    // resubmitted 5 days after its resubmission date: 5 days late, not 112
    y.applyReport({ ...meta('2025-10-20'), status: 'SUBMITTED', on: '2025-10-20', spentCents: 19850000 }, at('2025-10-20'));
    expect(yearView(y, at('2025-10-20'))).toMatchObject({ stage: 'REPORT_SUBMITTED', report: { daysLate: 5 }, deadlines: [] });
    expect(y.journal.timeline.at(-1)?.summary).toContain('(5 jours de retard)');
  });
});
