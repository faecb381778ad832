/** Pure rules of the funding convention (DOMAIN.md §2): deliberations, legality, tranches, deadlines, reconciliation. */
import { fundingYearWorkflowId, conventionWorkflowId, DEFAULT_CONVENTION_SETTINGS } from '../../workflows/convention/convention.contract';
import { allocatePayments, clearDaysBetween, daysLate, enforceableOn, evaluateDeliberation, frEuros, prefetWindowEndsOn, quorumRequired, reconcile, reminderDates, remainingCents, trancheAmounts, trancheConditionMet, type DeliberationBody, type DeliberationEvaluation } from '../../workflows/convention/convention.rules';
import { SEED_SESSION } from '../support/api-examples';
import { conventionLabel, conventionStaticSummary, fundingYearStaticSummary } from '../../workflows/convention/convention.labels';
import { conventionSettingsFrom } from '../../src/config/convention.env';
import { yearDueDates } from '../../workflows/convention/funding-year.deadlines';
import { conventionFinalReportDueOn } from '../../workflows/convention/convention.deadlines';
import { addMonths } from '../../workflows/shared/calendar';

/** The seed session of the CCAS de Dijon board, 3 July 2024 (API.md, as written). */
const SEED: DeliberationBody = SEED_SESSION;

function session(patch: Partial<DeliberationBody>): DeliberationBody {
  return { ...structuredClone(SEED), ...patch };
}

function ok(ev: DeliberationEvaluation) {
  if (!ev.ok) throw new Error(`expected an outcome, got ${ev.violation.code}: ${ev.violation.message}`);
  return ev.result;
}

function refused(ev: DeliberationEvaluation) {
  if (ev.ok) throw new Error(`expected a 422 reason, got outcome ${ev.result.outcome}`);
  return ev.violation;
}

describe('board deliberation (DOMAIN.md §2.1)', () => {
  it('adopts the seed session unanimously, quorum 9 of 17 met exactly', () => {
    const r = ok(evaluateDeliberation(SEED));
    expect(r).toMatchObject({ quorum: { required: 9, present: 9, met: true, waived: false }, votesCast: 13, outcome: 'ADOPTED', unanimous: true, casting: null, voters: 13, majority: 7 });
    expect(r.summary).toContain("Adoptée à l'unanimité");
  });

  it('records NO_QUORUM for the same session with 8 present (proxies do not count), without checking the votes', () => {
    const r = ok(evaluateDeliberation(session({ present: SEED.present.filter((n) => n !== 'Mme VIAN') })));
    expect(r).toMatchObject({ quorum: { required: 9, present: 8, met: false }, outcome: 'NO_QUORUM', unanimous: false, votesCast: 0 });
  });

  it('lets the next session, at least 3 days after a session without quorum, deliberate whatever the attendance', () => {
    const agenda = { decisions: SEED.decisions, receiptYear: SEED.receiptYear };
    const thin = session({ sessionDate: '2024-07-08', convocationDate: '2024-07-04', present: ['M. HOAREAU', 'Mme CHOLLET'], proxies: [{ member: 'M. REBSAMEN', holder: 'M. HOAREAU' }], excused: [], votes: { for: 3, against: 0, abstain: 0 } });
    expect(ok(evaluateDeliberation(thin, { sessionDate: '2024-07-03', outcome: 'NO_QUORUM', ...agenda }))).toMatchObject({ quorum: { met: true, waived: true, present: 2 }, outcome: 'ADOPTED' });
    // less than 3 days after: the quorum applies again
    const tooSoon = { ...thin, sessionDate: '2024-07-05', convocationDate: '2024-07-01' };
    expect(ok(evaluateDeliberation(tooSoon, { sessionDate: '2024-07-03', outcome: 'NO_QUORUM', ...agenda }))).toMatchObject({ outcome: 'NO_QUORUM', quorum: { waived: false } });
    // after an adopted session there is no waiver
    expect(ok(evaluateDeliberation(thin, { sessionDate: '2024-07-03', outcome: 'ADOPTED', ...agenda })).outcome).toBe('NO_QUORUM');
  });

  it('waives the quorum only for the session reconvened on the same agenda as the void one, not for a later session on another', () => {
    const failed = { sessionDate: '2024-07-03', outcome: 'NO_QUORUM' as const, decisions: SEED.decisions, receiptYear: SEED.receiptYear };
    const thin = session({ sessionDate: '2024-09-20', convocationDate: '2024-09-12', present: ['M. HOAREAU', 'Mme CHOLLET'], proxies: [], excused: [], votes: { for: 2, against: 0, abstain: 0 } });
    // same decisions in another order: reconvened on the same agenda, waived
    const reconvened = { ...thin, decisions: [...SEED.decisions].reverse() };
    expect(ok(evaluateDeliberation(reconvened, failed))).toMatchObject({ quorum: { waived: true, met: true }, outcome: 'ADOPTED' });
    // another agenda (only AUTHORISE_RECEIPT for 2025): the quorum applies
    const other = { ...thin, decisions: ['AUTHORISE_RECEIPT' as const], receiptYear: 2025 };
    expect(ok(evaluateDeliberation(other, failed))).toMatchObject({ quorum: { waived: false, met: false }, outcome: 'NO_QUORUM' });
    // same decisions but another receipt year: another agenda
    expect(ok(evaluateDeliberation({ ...thin, receiptYear: 2025 }, failed))).toMatchObject({ quorum: { waived: false }, outcome: 'NO_QUORUM' });
  });

  it('adopts nothing when no vote is cast: 13 abstentions and the president FOR are not adopted unanimously', () => {
    const r = ok(evaluateDeliberation(session({ votes: { for: 0, against: 0, abstain: 13 }, presidentVote: 'FOR' })));
    expect(r).toMatchObject({ outcome: 'REJECTED', unanimous: false, casting: null, votesCast: 0 });
    expect(r.summary).toBe('Non adoptée (0 pour, 0 contre, 13 abstentions ; quorum 9/9, aucun suffrage exprimé)');
    // no casting vote is asked for when nobody voted
    expect(ok(evaluateDeliberation(session({ votes: { for: 0, against: 0, abstain: 13 } })))).toMatchObject({ outcome: 'REJECTED', casting: null });
  });

  it('records members not taking part in the vote: counted for the quorum if present, not among the votes', () => {
    // Mme GINDRE (present) and M. JASPART (represented) declare a conflict of interest: 11 vote
    const aside = session({ nonParticipating: ['Mme GINDRE', 'm. jaspart'], votes: { for: 11, against: 0, abstain: 0 } });
    const r = ok(evaluateDeliberation(aside));
    expect(r).toMatchObject({ quorum: { present: 9, required: 9, met: true }, nonParticipating: 2, voters: 11, votesCast: 11, majority: 6, outcome: 'ADOPTED', unanimous: true });
    expect(r.summary).toBe("Adoptée à l'unanimité (11 pour, 0 contre, 0 abstention, 2 ne prenant pas part au vote ; quorum 9/9)");
    // their votes are not counted: 13 votes for 11 voters do not add up
    const v = refused(evaluateDeliberation({ ...aside, votes: { for: 13, against: 0, abstain: 0 } }));
    expect(v.code).toBe('VOTES_DO_NOT_ADD_UP');
    expect(v.message).toBe('13 for, 0 against and 0 abstaining make 13 votes, but 9 members present and 4 proxies less 2 not taking part make 11.');
    // a member neither present nor represented cannot be set aside; nor one listed twice
    expect(refused(evaluateDeliberation(session({ nonParticipating: ['M. MEZUI'], votes: { for: 12, against: 0, abstain: 0 } }))).code).toBe('NON_PARTICIPANT_ABSENT');
    expect(refused(evaluateDeliberation(session({ nonParticipating: ['Mme VIAN', 'mme vian'], votes: { for: 11, against: 0, abstain: 0 } }))).code).toBe('DUPLICATE_NAME');
    // a tie while the president takes no part: no casting vote, not adopted
    const tie = ok(evaluateDeliberation(session({ nonParticipating: ['M. HOAREAU'], votes: { for: 6, against: 6, abstain: 0 }, presidentVote: 'FOR' })));
    expect(tie).toMatchObject({ outcome: 'REJECTED', casting: null });
  });

  it('refuses a holder carrying two proxies (422 HOLDER_WITH_TOO_MANY_PROXIES)', () => {
    const v = refused(evaluateDeliberation(session({ proxies: [...SEED.proxies!.slice(0, 3), { member: 'M. JASPART', holder: 'M. HOAREAU' }] })));
    expect(v.code).toBe('HOLDER_WITH_TOO_MANY_PROXIES');
    expect(v.message).toBe('M. HOAREAU holds 2 proxies; a member may carry at most 1.');
  });

  it('refuses a proxy held by an absent member (422 HOLDER_NOT_PRESENT)', () => {
    const v = refused(evaluateDeliberation(session({ proxies: [...SEED.proxies!.slice(0, 3), { member: 'M. JASPART', holder: 'M. MEZUI' }] })));
    expect(v.code).toBe('HOLDER_NOT_PRESENT');
    expect(v.message).toContain('M. MEZUI');
  });

  it('settles a tie by the president’s vote, and requires it only then', () => {
    const tie = session({ votes: { for: 6, against: 6, abstain: 1 } });
    const missing = refused(evaluateDeliberation(tie));
    expect(missing.code).toBe('PRESIDENT_VOTE_REQUIRED');
    expect(missing.message).toContain('tied (6 for, 6 against)');
    expect(ok(evaluateDeliberation({ ...tie, presidentVote: 'FOR' }))).toMatchObject({ outcome: 'ADOPTED', casting: 'FOR', votesCast: 12, unanimous: false });
    expect(ok(evaluateDeliberation({ ...tie, presidentVote: 'AGAINST' }))).toMatchObject({ outcome: 'REJECTED', casting: 'AGAINST' });
    // not a tie: the president's vote is not needed and changes nothing
    expect(ok(evaluateDeliberation(session({ votes: { for: 7, against: 6, abstain: 0 }, presidentVote: 'AGAINST' })))).toMatchObject({ outcome: 'ADOPTED', casting: null });
  });

  it('adopts by absolute majority of votes cast (abstentions are not cast) and rejects otherwise', () => {
    expect(ok(evaluateDeliberation(session({ votes: { for: 5, against: 4, abstain: 4 } })))).toMatchObject({ outcome: 'ADOPTED', votesCast: 9, majority: 5, unanimous: false });
    expect(ok(evaluateDeliberation(session({ votes: { for: 4, against: 5, abstain: 4 } })))).toMatchObject({ outcome: 'REJECTED' });
    // unanimity = no vote against, abstentions allowed
    expect(ok(evaluateDeliberation(session({ votes: { for: 10, against: 0, abstain: 3 } })))).toMatchObject({ outcome: 'ADOPTED', unanimous: true, votesCast: 10 });
  });

  it('refuses counts that do not add up to present + proxies (422 VOTES_DO_NOT_ADD_UP)', () => {
    const v = refused(evaluateDeliberation(session({ votes: { for: 13, against: 0, abstain: 1 } })));
    expect(v.code).toBe('VOTES_DO_NOT_ADD_UP');
    expect(v.message).toBe('13 for, 0 against and 1 abstaining make 14 votes, but 9 members present and 4 proxies make 13.');
  });

  it('counts the convocation delay in jours francs: 3 clear days needed, the seed (28 June for 3 July) has 4; 30 June is too late (422 CONVOCATION_TOO_LATE)', () => {
    const v = refused(evaluateDeliberation(session({ convocationDate: '2024-06-30' })));
    expect(v.code).toBe('CONVOCATION_TOO_LATE');
    expect(v.message).toBe(
      'The convocation (2024-06-30) was sent with 2 clear days before the session (2024-07-03); it must be sent at least 3 clear days (jours francs, neither the sending day nor the session day counted) before.',
    );
    expect(ok(evaluateDeliberation(session({ convocationDate: '2024-06-29' }))).outcome).toBe('ADOPTED');
    expect(ok(evaluateDeliberation(SEED)).outcome).toBe('ADOPTED');
    // the delay is a setting: with 5 clear days the seed's convocation is too late
    expect(refused(evaluateDeliberation(SEED, null, { convocationClearDays: 5 })).message).toContain('with 4 clear days before the session');
    expect(clearDaysBetween('2024-06-28', '2024-07-03')).toBe(4);
  });

  it('refuses a member both present and excused (422 PRESENT_AND_EXCUSED), names compared without case or extra spaces', () => {
    const v = refused(evaluateDeliberation(session({ excused: [...SEED.excused!, 'mme  vian'] })));
    expect(v.code).toBe('PRESENT_AND_EXCUSED');
    expect(v.message).toContain('both as present and as excused');
  });

  it('refuses a member both present and represented, represented twice, or more names than members in office', () => {
    expect(refused(evaluateDeliberation(session({ proxies: [...SEED.proxies!, { member: 'Mme VIAN', holder: 'M. BERTHIER' }], votes: { for: 14, against: 0, abstain: 0 } }))).code).toBe('PRESENT_AND_REPRESENTED');
    expect(refused(evaluateDeliberation(session({ proxies: [...SEED.proxies!, { member: 'M. REBSAMEN', holder: 'M. BERTHIER' }], votes: { for: 14, against: 0, abstain: 0 } }))).code).toBe('REPRESENTED_TWICE');
    expect(refused(evaluateDeliberation(session({ membersInOffice: 16 }))).code).toBe('MORE_MEMBERS_THAN_IN_OFFICE');
    expect(refused(evaluateDeliberation(session({ present: [...SEED.present, 'M. BERTHIER'] }))).code).toBe('DUPLICATE_NAME');
    expect(refused(evaluateDeliberation(session({ president: 'M. MEZUI' }))).code).toBe('PRESIDENT_NOT_PRESENT');
  });

  it('computes the quorum as floor(inOffice / 2) + 1', () => {
    expect([1, 2, 16, 17, 18].map(quorumRequired)).toEqual([1, 2, 9, 9, 10]);
  });
});

describe('legality (DOMAIN.md §2.2)', () => {
  it('is enforceable at the later of publication and transmission, with the préfet’s 2-month window after transmission', () => {
    expect(enforceableOn('2024-07-05', null)).toBeNull();
    expect(enforceableOn('2024-07-05', '2024-07-08')).toBe('2024-07-08');
    expect(enforceableOn('2024-07-09', '2024-07-05')).toBe('2024-07-09');
    expect(prefetWindowEndsOn('2024-07-05')).toBe('2024-09-05');
    expect(prefetWindowEndsOn('2024-12-31')).toBe('2025-02-28');
    expect(addMonths('2024-12-31', 2)).toBe('2025-02-28');
  });
});

describe('funding year money and deadlines (DOMAIN.md §2.4)', () => {
  it('splits a year into tranches (the last takes the rounding) and allocates payments in order', () => {
    expect(trancheAmounts(20000000, [{ share: 0.5, condition: 'ON_AUTHORISATION' }, { share: 0.5, condition: 'AFTER_PREVIOUS_REPORT_ACCEPTED' }])).toEqual([10000000, 10000000]);
    expect(trancheAmounts(100, [{ share: 1 / 3, condition: 'ON_AUTHORISATION' }, { share: 1 / 3, condition: 'ON_REQUEST' }, { share: 1 / 3, condition: 'AFTER_REPORT_ACCEPTED' }])).toEqual([33, 33, 34]);
    expect(allocatePayments([10000000, 10000000], 15000000)).toEqual([10000000, 5000000]);
    expect(remainingCents(20000000, 15000000)).toBe(5000000);
  });

  it('says when each tranche condition is met', () => {
    const f = { authorised: true, requestSent: false, reportAccepted: false, previousReportAccepted: false };
    expect(trancheConditionMet('ON_AUTHORISATION', f)).toBe(true);
    expect(trancheConditionMet('ON_REQUEST', f)).toBe(false);
    expect(trancheConditionMet('AFTER_PREVIOUS_REPORT_ACCEPTED', f)).toBe(false);
    expect(trancheConditionMet('AFTER_PREVIOUS_REPORT_ACCEPTED', { ...f, previousReportAccepted: true })).toBe(true);
    expect(trancheConditionMet('ON_AUTHORISATION', { ...f, authorised: false })).toBe(false);
    expect(trancheConditionMet('AFTER_REPORT_ACCEPTED', { ...f, reportAccepted: true })).toBe(true);
  });

  it('puts the request on 31 January N, the CRF on 30 June N+1, its reminders 60/30/7 days before and the escalation the day after', () => {
    expect(yearDueDates(2024, DEFAULT_CONVENTION_SETTINGS)).toEqual({ requestDueOn: '2024-01-31', reportDueOn: '2025-06-30' });
    expect(conventionFinalReportDueOn([2024, 2025, 2026], DEFAULT_CONVENTION_SETTINGS)).toBe('2027-06-30');
    expect(reminderDates('2025-06-30', [60, 30, 7], 1)).toEqual([
      { days: 60, on: '2025-05-01' },
      { days: 30, on: '2025-05-31' },
      { days: 7, on: '2025-06-23' },
      { days: -1, on: '2025-07-01' },
    ]);
    expect(daysLate('2025-06-30', null, '2025-08-29')).toBe(60);
    expect(daysLate('2025-06-30', '2025-06-10', '2025-12-01')).toBe(0);
  });

  it('reconciles: report accepted and nothing outstanding; under-use flagged with its amount', () => {
    expect(reconcile(20000000, 20000000, 19850000, true)).toMatchObject({ reconciled: true, underUse: true, underUseCents: 150000, overpaidCents: 150000, outstandingCents: 0 });
    expect(reconcile(20000000, 10000000, 19850000, true)).toMatchObject({ reconciled: false, outstandingCents: 9850000 });
    expect(reconcile(20000000, 20000000, 20000000, false)).toMatchObject({ reconciled: false, underUse: false });
    expect(reconcile(20000000, 0, null, false)).toMatchObject({ reconciled: false, underUseCents: null });
  });
});

describe('identity, settings and summaries', () => {
  it('builds the workflow ids and the Temporal UI static summaries', () => {
    const terms = { reference: 'CPO-PRE-2024-2026', years: [2024, 2025, 2026], parties: { state: "Préfet de la Côte-d'Or", beneficiary: 'CCAS de Dijon' }, annualAmountCents: 20000000 };
    expect(conventionWorkflowId('CPO-PRE-2024-2026')).toBe('convention-CPO-PRE-2024-2026');
    expect(fundingYearWorkflowId('CPO-PRE-2024-2026', 2024)).toBe('convention-CPO-PRE-2024-2026-2024');
    expect(conventionLabel(terms)).toBe('CPO PRE 2024–2026');
    expect(conventionStaticSummary(terms)).toBe('CPO PRE 2024–2026 · État / CCAS de Dijon · 200 000 €/an');
    expect(fundingYearStaticSummary('CPO-PRE-2024-2026', 2024, 20000000)).toBe('Année 2024 · CPO-PRE-2024-2026 · 200 000 €');
    expect(frEuros(150050)).toBe('1 500,50 €');
  });

  it('maps the env section to the workflow settings', () => {
    const s = conventionSettingsFrom({
      PRE_SIGNATURE_REMINDER_DAYS: 10,
      PRE_REQUEST_DUE_MONTH: 2,
      PRE_REQUEST_DUE_DAY: 28,
      PRE_REPORT_DUE_MONTH: 6,
      PRE_REPORT_DUE_DAY: 30,
      PRE_REPORT_AT_RISK_DAYS: 45,
      PRE_REPORT_REMINDER_DAYS: '90,15',
      PRE_REQUEST_REMINDER_DAYS: '10',
      PRE_ESCALATION_DAYS_AFTER: 2,
      PRE_CONVOCATION_CLEAR_DAYS: 5,
    });
    expect(s).toMatchObject({ convocationClearDays: 5, signatureReminderDays: 10, requestDueMonth: 2, requestDueDay: 28, atRiskDaysLate: 45, reportReminderDaysBefore: [90, 15], requestReminderDaysBefore: [10], escalationDaysAfter: 2, financeRecipient: 'role:finance' });
  });
});
