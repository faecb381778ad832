/**
 * The funding convention and its years on the time-skipping server (DOMAIN.md §2): the seed session through
 * legality and signatures, each deadline with its reminders and escalation (after `env.sleep`: the query, the
 * notification recorded by the real notify activity, the search attributes), payments, the year closing and the
 * convention completing.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { NotificationLog } from '../support/notification-log';
import { getTimelineQuery, getYearStateQuery, recordAuthorisationUpdate, recordDeliberationUpdate, recordFinancialReportUpdate, recordPaymentUpdate, recordPublicationUpdate, recordRequestUpdate, recordSignatureUpdate, recordTransmissionUpdate, type ConventionResult, type ConventionSettings, type FundingYearResult, type FundingYearView } from '../../workflows/convention/convention.contract';
import { testWorker, timeSkippingEnv, uniqueTaskQueue } from '../support/temporal';
import { runGuarded } from '../support/time-skipping';
import {
  bringIntoEffect,
  cleanup,
  conventionState,
  eventually,
  kindsOf,
  makeEnforceable,
  meta,
  notificationsOf,
  recordingActivities,
  refusal,
  registerSearchAttributes,
  searchAttributesOf,
  seedSession,
  sleepUntil,
  startConvention,
  today,
  workflowIdsOf,
  yearHandle,
  yearState,
  type StartedConvention,
} from './convention.helpers';
import { addDays, addMonths } from '../../workflows/shared/calendar';

describe('funding convention workflows (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let current: StartedConvention | undefined;

  // A test server of its own for each test: a run's clock (time skipping) is never shared with the previous test's
  // workflows, and a run the server stranded (see runGuarded) cannot hold the clock of the next tests.
  beforeEach(async () => {
    env = await timeSkippingEnv();
    await registerSearchAttributes(env);
  });
  afterEach(async () => {
    try {
      await cleanup(env, current);
    } finally {
      current = undefined;
      await env?.teardown();
    }
  });

  /** Runs `body` with a worker for it alone (see runGuarded: a test that can no longer finish fails fast, its worker stopped). */
  async function guarded(taskQueue: string, activities: ReturnType<typeof recordingActivities>['activities'], body: () => Promise<void>): Promise<void> {
    const worker = await testWorker(env, taskQueue, activities);
    await runGuarded(env, worker, { workflowIds: () => (current ? workflowIdsOf(current) : []) }, body);
  }

  /** Runs `body` with a fresh worker, a fresh outbox and a started convention over `yearsAhead` years from next year. */
  async function withConvention(
    yearsAhead: number,
    settings: Partial<ConventionSettings>,
    body: (c: StartedConvention, outbox: NotificationLog, years: number[]) => Promise<void>,
  ): Promise<void> {
    const taskQueue = uniqueTaskQueue('convention');
    const { outbox, activities } = recordingActivities();
    await guarded(taskQueue, activities, async () => {
      const first = Number((await today(env)).slice(0, 4)) + 1;
      const years = Array.from({ length: yearsAhead }, (_, i) => first + i);
      current = await startConvention(env, taskQueue, years, settings);
      try {
        await body(current, outbox, years);
      } finally {
        // While the worker still runs, so that the workflows can settle before they are terminated (see cleanup).
        await cleanup(env, current);
        current = undefined;
      }
    });
  }

  const pay = (y: FundingYearView['year'], reference: string, amountCents: number, receivedOn = `${y}-03-15`, key?: string) => ({ ...meta(key), reference, receivedOn, amountCents });

  it('records the seed session, legality and both signatures, then starts each year (the first authorised by the seed)', async () => {
    await withConvention(3, {}, async (c, _outbox, years) => {
      expect(c.first).toMatchObject({ stage: 'AWAITING_DELIBERATION', finalReportDueOn: `${years[2] + 1}-06-30`, effectiveOn: null });
      expect(c.first.years.map((y) => [y.year, y.stage, y.grantedCents, y.receivedCents])).toEqual(years.map((y) => [y, 'NOT_STARTED', 20000000, 0]));
      const on = await today(env);

      // a session without quorum is recorded, and the convention still awaits its deliberation
      const thin = await c.handle.executeUpdate(recordDeliberationUpdate, { args: [{ ...meta(), ...seedSession(addDays(on, -10), { present: seedSession(on).present.filter((n) => n !== 'Mme VIAN'), receiptYear: years[0] }) }] });
      expect(thin).toMatchObject({ outcome: 'NO_QUORUM', quorum: { required: 9, present: 8, met: false }, convention: { stage: 'AWAITING_DELIBERATION' } });
      // a signature before the deliberation is adopted: wrong stage
      expect(await refusal(c.handle.executeUpdate(recordSignatureUpdate, { args: [{ ...meta(), party: 'STATE', signatory: 'Le préfet', signedOn: on }] }))).toMatchObject({
        type: 'InvalidTransition',
        message: `Convention ${c.ref} is in stage AWAITING_DELIBERATION, which accepts: deliberations.`,
      });

      const view = await makeEnforceable(c, on);
      const adopted = view.deliberations[1];
      expect(adopted.result).toMatchObject({ quorum: { required: 9, present: 9, met: true, waived: true }, votesCast: 13, outcome: 'ADOPTED', unanimous: true });
      expect(view).toMatchObject({ stage: 'AWAITING_SIGNATURES', legality: { publishedOn: on, transmittedOn: on, enforceableOn: on, enforceable: true, prefetWindowOpen: true } });
      expect(view.legality.prefetWindowEndsOn).toBe(addMonths(on, 2));
      expect(view.deadlines.map((d) => d.kind)).toEqual(['SIGNATURES', 'FINAL_REPORT']);

      await c.handle.executeUpdate(recordSignatureUpdate, { args: [{ ...meta(), party: 'BENEFICIARY', signatory: 'M. HOAREAU', signedOn: on }] });
      expect(await refusal(c.handle.executeUpdate(recordSignatureUpdate, { args: [{ ...meta(), party: 'BENEFICIARY', signatory: 'M. HOAREAU', signedOn: on }] }))).toMatchObject({ type: 'InvalidTransition' });
      const inEffect = await c.handle.executeUpdate(recordSignatureUpdate, { args: [{ ...meta(), party: 'STATE', signatory: 'Le préfet', signedOn: addDays(on, 1) }] });
      expect(inEffect).toMatchObject({ stage: 'IN_EFFECT', effectiveOn: addDays(on, 1) });
      expect(inEffect.years.map((y) => y.stage)).toEqual(['AWAITING_REQUEST', 'AWAITING_AUTHORISATION', 'AWAITING_AUTHORISATION']);

      const first = await yearState(env, c.ref, years[0]);
      expect(first.authorisation.current).toMatchObject({ kind: 'DELIBERATION', fromConventionDeliberation: true, deliberationId: 'd2' });
      expect(first.tranches.map((t) => [t.amountCents, t.status])).toEqual([
        [10000000, 'DUE'],
        [10000000, 'DUE'], // the first year owes no previous report
      ]);
      const second = await yearState(env, c.ref, years[1]);
      expect(second.tranches.map((t) => t.status)).toEqual(['NOT_DUE', 'NOT_DUE']);
      expect(await searchAttributesOf(yearHandle(env, c.ref, years[1]))).toMatchObject({ PreConventionRef: c.ref, PreFundingYear: years[1], PreFundingStage: 'AWAITING_AUTHORISATION', PreNextDeadlineKind: 'SUBSIDY_REQUEST', PreOverdue: false });
      expect(await searchAttributesOf(c.handle)).toMatchObject({ PreConventionRef: c.ref, PreFundingStage: 'IN_EFFECT' });

      const timeline = await c.handle.query(getTimelineQuery);
      expect(timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['CONVENTION_CREATED', 'DELIBERATION_RECORDED', 'PUBLISHED', 'TRANSMITTED', 'SIGNED', 'TOOK_EFFECT', 'YEAR_STARTED']));
      expect(timeline.filter((e) => e.type === 'SIGNED').every((e) => e.actor.sub === 'u-fin-1' && e.actor.role === 'finance')).toBe(true);
    });
  });

  it('reminds finance and the coordinator when both signatures are not in 15 days after the deliberation became enforceable', async () => {
    await withConvention(1, {}, async (c, outbox) => {
      const on = await today(env);
      await makeEnforceable(c, on);
      await sleepUntil(env, addDays(on, 14));
      expect(kindsOf(outbox, c.ref)).toEqual([]);
      await sleepUntil(env, addDays(on, 15));
      const n = await eventually(() => {
        const found = notificationsOf(outbox, c.ref).find((x) => x.kind === 'SIGNATURE_REMINDER');
        if (!found) throw new Error('no reminder yet');
        return found;
      });
      expect(n).toMatchObject({ key: `convention-${c.ref}:SIGNATURE_REMINDER:${addDays(on, 15)}`, recipients: ['role:finance', 'role:coordinator'], dueOn: addDays(on, 15) });
      expect(n.body).toContain("Signature(s) manquante(s) : le bénéficiaire (CCAS de Dijon) et l'État (Préfet de la Côte-d'Or)");
      const v = await conventionState(c);
      expect(v).toMatchObject({ stage: 'AWAITING_SIGNATURES', nextDeadline: { kind: 'SIGNATURES', dueOn: addDays(on, 15) } });
      expect(v.reminders).toEqual([expect.objectContaining({ kind: 'SIGNATURE_REMINDER', skipped: false })]);
      await sleepUntil(env, addDays(on, 40));
      expect(kindsOf(outbox, c.ref)).toEqual([`SIGNATURE_REMINDER@${addDays(on, 15)}`]);
      expect(await conventionState(c)).toMatchObject({ overdue: true, nextDeadline: { kind: 'SIGNATURES', overdue: true } });
      expect(await searchAttributesOf(c.handle)).toMatchObject({ PreFundingStage: 'AWAITING_SIGNATURES', PreNextDeadlineKind: 'SIGNATURES' });
    });
  });

  it('reminds about the subsidy request 15 days before 31 January and escalates the day after', async () => {
    await withConvention(1, {}, async (c, outbox, [year]) => {
      await bringIntoEffect(c, await today(env));
      const due = `${year}-01-31`;
      await sleepUntil(env, `${year}-01-15`);
      expect(kindsOf(outbox, c.ref)).toEqual([]);
      await sleepUntil(env, `${year}-01-16`);
      await eventually(() => expect(kindsOf(outbox, c.ref)).toEqual([`REQUEST_REMINDER@${due}`]));
      expect((await yearState(env, c.ref, year)).request).toMatchObject({ dueOn: due, sentOn: null, overdue: false });
      await sleepUntil(env, `${year}-02-01`);
      await eventually(() => expect(kindsOf(outbox, c.ref)).toEqual([`REQUEST_REMINDER@${due}`, `REQUEST_ESCALATION@${due}`]));
      const escalation = notificationsOf(outbox, c.ref)[1];
      expect(escalation).toMatchObject({ recipients: ['role:finance', 'role:coordinator'], subject: `Demande de subvention ${year} en retard — ${c.ref}` });
      const late = await yearState(env, c.ref, year);
      expect(late).toMatchObject({ stage: 'AWAITING_REQUEST', overdue: true, request: { overdue: true }, nextDeadline: { kind: 'SUBSIDY_REQUEST', dueOn: due, overdue: true } });
      expect(await searchAttributesOf(yearHandle(env, c.ref, year))).toMatchObject({ PreOverdue: true, PreNextDeadlineKind: 'SUBSIDY_REQUEST', PreNextDeadline: `${due}T00:00:00.000Z` });
      const sent = await yearHandle(env, c.ref, year).executeUpdate(recordRequestUpdate, { args: [{ ...meta(), sentOn: `${year}-02-03` }] });
      expect(sent).toMatchObject({ stage: 'AWAITING_REPORT', overdue: false, request: { sentOn: `${year}-02-03`, overdue: false }, nextDeadline: { kind: 'FINANCIAL_REPORT', dueOn: `${year + 1}-06-30` } });
    });
  });

  it('reminds about the financial report 60, 30 and 7 days before 30 June N+1, escalates the day after and flags the next payment at risk at 60 days late', async () => {
    await withConvention(1, {}, async (c, outbox, [year]) => {
      await bringIntoEffect(c, await today(env));
      const y = yearHandle(env, c.ref, year);
      await y.executeUpdate(recordRequestUpdate, { args: [{ ...meta(), sentOn: await today(env) }] });
      const D = `${year + 1}-06-30`;
      const steps: Array<[string, string]> = [
        [addDays(D, -60), `REPORT_REMINDER_60@${D}`],
        [addDays(D, -30), `REPORT_REMINDER_30@${D}`],
        [addDays(D, -7), `REPORT_REMINDER_7@${D}`],
        [addDays(D, 1), `REPORT_ESCALATION@${D}`],
      ];
      const expected: string[] = [];
      for (const [on, kind] of steps) {
        await sleepUntil(env, addDays(on, -1));
        expect(kindsOf(outbox, c.ref)).toEqual(expected);
        await sleepUntil(env, on);
        expected.push(kind);
        await eventually(() => expect(kindsOf(outbox, c.ref)).toEqual(expected));
      }
      const reminder = notificationsOf(outbox, c.ref).find((n) => n.kind === 'REPORT_REMINDER_7')!;
      expect(reminder).toMatchObject({ recipients: ['role:finance'], subject: `Compte rendu financier ${year} attendu le 30 juin ${year + 1} (J-7) — ${c.ref}` });
      const overdue = await y.query(getYearStateQuery);
      expect(overdue).toMatchObject({ stage: 'AWAITING_REPORT', overdue: true, nextPaymentAtRisk: false, report: { state: 'AWAITING_SUBMISSION', overdue: true, daysLate: 1 } });

      await sleepUntil(env, addDays(D, 59));
      expect((await y.query(getYearStateQuery)).nextPaymentAtRisk).toBe(false);
      await sleepUntil(env, addDays(D, 60));
      expected.push(`PAYMENT_AT_RISK@${D}`);
      await eventually(() => expect(kindsOf(outbox, c.ref)).toEqual(expected));
      const atRisk = await y.query(getYearStateQuery);
      expect(atRisk).toMatchObject({ nextPaymentAtRisk: true, report: { daysLate: 60 } });
      expect(atRisk.reminders.map((r) => [r.kind, r.skipped])).toEqual(expected.map((k) => [k.split('@')[0], false]));
      expect(await searchAttributesOf(y)).toMatchObject({ PreOverdue: true, PreFundingStage: 'AWAITING_REPORT' });
      await eventually(async () => expect((await conventionState(c)).years[0]).toMatchObject({ nextPaymentAtRisk: true, overdue: true }));

      // submitted 70 days late: still at risk until accepted
      const submitted = await y.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta(), status: 'SUBMITTED', on: addDays(D, 70), spentCents: 20000000 }] });
      expect(submitted).toMatchObject({ stage: 'REPORT_SUBMITTED', nextPaymentAtRisk: true, report: { state: 'SUBMITTED', daysLate: 70 } });
      const accepted = await y.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta(), status: 'ACCEPTED', on: addDays(D, 80) }] });
      expect(accepted).toMatchObject({ stage: 'RECONCILING', nextPaymentAtRisk: false, reconciliation: { outstandingCents: 20000000, reconciled: false } });
      // no report reminder any more (the settlement's own deadline, 90 days after the acceptance, is test/workflows/convention.money.spec.ts's)
      await sleepUntil(env, addDays(D, 169));
      expect(kindsOf(outbox, c.ref)).toEqual(expected);
    });
  });

  it('gives a returned report a resubmission date 30 days after its return, with its own reminder and escalation; lateness counts from it', async () => {
    await withConvention(1, {}, async (c, outbox, [year]) => {
      await bringIntoEffect(c, await today(env));
      const y = yearHandle(env, c.ref, year);
      await y.executeUpdate(recordRequestUpdate, { args: [{ ...meta(), sentOn: `${year}-01-20` }] });
      // submitted on time (before any reminder), returned on 15 September N+1
      await y.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta(), status: 'SUBMITTED', on: `${year + 1}-06-10`, spentCents: 20000000 }] });
      await sleepUntil(env, `${year + 1}-09-15`);
      const returned = await y.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta(), status: 'RETURNED', on: `${year + 1}-09-15`, comment: 'Annexe des dépenses manquante' }] });
      const again = `${year + 1}-10-15`;
      expect(returned).toMatchObject({
        stage: 'AWAITING_REPORT',
        nextPaymentAtRisk: false,
        overdue: false,
        reportDueOn: again,
        report: { dueOn: again, statutoryDueOn: `${year + 1}-06-30`, resubmissionOf: `${year + 1}-09-15`, daysLate: 0, overdue: false },
        nextDeadline: { kind: 'FINANCIAL_REPORT', dueOn: again, overdue: false },
      });
      // not escalated, not flagged at risk at once
      await sleepUntil(env, `${year + 1}-10-07`);
      expect(kindsOf(outbox, c.ref)).toEqual([]);
      expect(await y.query(getYearStateQuery)).toMatchObject({ nextPaymentAtRisk: false, report: { daysLate: 0 } });
      await sleepUntil(env, `${year + 1}-10-08`);
      await eventually(() => expect(kindsOf(outbox, c.ref)).toEqual([`REPORT_RESUBMISSION_REMINDER_7@${again}`]));
      expect(notificationsOf(outbox, c.ref)[0]).toMatchObject({ recipients: ['role:finance'], subject: `Compte rendu financier retourné ${year} attendu le 15 octobre ${year + 1} (J-7) — ${c.ref}` });
      await sleepUntil(env, `${year + 1}-10-16`);
      await eventually(() => expect(kindsOf(outbox, c.ref)).toEqual([`REPORT_RESUBMISSION_REMINDER_7@${again}`, `REPORT_RESUBMISSION_ESCALATION@${again}`]));
      expect(await y.query(getYearStateQuery)).toMatchObject({ overdue: true, nextPaymentAtRisk: false, report: { daysLate: 1, overdue: true } });
      await sleepUntil(env, addDays(again, 60));
      await eventually(() => expect(kindsOf(outbox, c.ref)).toContain(`PAYMENT_AT_RISK@${again}`));
      expect(await y.query(getYearStateQuery)).toMatchObject({ nextPaymentAtRisk: true, report: { daysLate: 60 } });
      // resubmitted: its lateness counts from the resubmission date
      const resubmitted = await y.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta(), status: 'SUBMITTED', on: addDays(again, 61), spentCents: 20000000 }] });
      expect(resubmitted).toMatchObject({ stage: 'REPORT_SUBMITTED', report: { daysLate: 61 }, deadlines: [] });
    });
  });

  it('gives a year opened after its deadlines catch-up dates 30 days from its opening, stated in its answer, instead of escalating at once', async () => {
    const on = await today(env);
    const past = Number(on.slice(0, 4)) - 2; // both its request and its report are past on the opening day
    const taskQueue = uniqueTaskQueue('convention-catch-up');
    const { outbox, activities } = recordingActivities();
    await guarded(taskQueue, activities, async () => {
      current = await startConvention(env, taskQueue, [past]);
      const c = current;
      try {
        await bringIntoEffect(c, on);
        const y = yearHandle(env, c.ref, past);
        const catchUp = addDays(on, 30);
        const opened = await y.query(getYearStateQuery);
        expect(opened).toMatchObject({
          openedOn: on,
          overdue: false,
          nextPaymentAtRisk: false,
          request: { dueOn: catchUp, statutoryDueOn: `${past}-01-31`, catchUp: true, overdue: false },
          report: { dueOn: catchUp, statutoryDueOn: `${past + 1}-06-30`, catchUp: true, daysLate: 0, overdue: false },
        });
        expect(opened.deadlines.map((d) => [d.kind, d.dueOn, d.overdue, d.label])).toEqual([
          ['SUBSIDY_REQUEST', catchUp, false, `Demande de subvention ${past} à envoyer (échéance de rattrapage)`],
          ['FINANCIAL_REPORT', catchUp, false, `Compte rendu financier ${past} à remettre (échéance de rattrapage)`],
        ]);
        expect(opened.timeline.last.find((e) => e.type === 'YEAR_OPENED')?.summary).toContain("échéances déjà passées à l'ouverture, de rattrapage");
        // the report's latest reminder already reached (30 days before its catch-up date) goes out at once; nothing is escalated
        const escalated = (k: string) => /ESCALATION|PAYMENT_AT_RISK/.test(k);
        await eventually(() => expect(kindsOf(outbox, c.ref)).toEqual([expect.stringMatching(new RegExp(`^REPORT_REMINDER_(30|60)@${catchUp}$`))]));
        expect(await searchAttributesOf(y)).toMatchObject({ PreOverdue: false, PreNextDeadlineKind: 'SUBSIDY_REQUEST' });
        await sleepUntil(env, addDays(on, 15));
        await eventually(() => expect(kindsOf(outbox, c.ref)).toEqual(expect.arrayContaining([`REPORT_REMINDER_30@${catchUp}`, `REQUEST_REMINDER@${catchUp}`])));
        expect(kindsOf(outbox, c.ref).filter(escalated)).toEqual([]);
        await sleepUntil(env, addDays(on, 31));
        await eventually(() => expect(kindsOf(outbox, c.ref)).toEqual(expect.arrayContaining([`REQUEST_ESCALATION@${catchUp}`, `REPORT_ESCALATION@${catchUp}`])));
        expect(await y.query(getYearStateQuery)).toMatchObject({ overdue: true, request: { overdue: true }, report: { daysLate: 1 } });
      } finally {
        await cleanup(env, current);
        current = undefined;
      }
    });
  });

  it('records the references the State and the CCAS use: the deliberation’s number, the portal dossier number of a request, the date the signed convention was notified', async () => {
    await withConvention(2, {}, async (c, _outbox, [y1, y2]) => {
      const on = await today(env);
      const session = await c.handle.executeUpdate(recordDeliberationUpdate, { args: [{ ...meta(), ...seedSession(addDays(on, -2), { receiptYear: y1, number: 'D-T-41' }) }] });
      expect(session.convention.deliberations[0].body.number).toBe('D-T-41');
      expect(session.convention.timeline.last.at(-1)?.summary).toContain('(délibération n° D-T-41)');
      await c.handle.executeUpdate(recordPublicationUpdate, { args: [{ ...meta(), publishedOn: on }] });
      await c.handle.executeUpdate(recordTransmissionUpdate, { args: [{ ...meta(), transmittedOn: on, acknowledgementRef: '021-262100016-D-T-41-DE' }] });
      // notified before it was signed: refused, nothing recorded
      expect(await refusal(c.handle.executeUpdate(recordSignatureUpdate, { args: [{ ...meta(), party: 'STATE', signatory: 'Le préfet', signedOn: on, notifiedOn: addDays(on, -1) }] }))).toMatchObject({
        type: 'RuleViolation',
        details: { code: 'DATE_ORDER', field: 'notifiedOn' },
      });
      // null, as a JSON body may send it, is no reference
      await c.handle.executeUpdate(recordSignatureUpdate, { args: [{ ...meta(), party: 'BENEFICIARY', signatory: 'M. HOAREAU', signedOn: on, notifiedOn: null as unknown as string }] });
      const inEffect = await c.handle.executeUpdate(recordSignatureUpdate, { args: [{ ...meta(), party: 'STATE', signatory: 'Le préfet', signedOn: on, notifiedOn: addDays(on, 3) }] });
      expect(inEffect).toMatchObject({ stage: 'IN_EFFECT', effectiveOn: on, notifiedOn: addDays(on, 3) });
      expect(inEffect.signatures.map((x) => [x.party, x.signedOn, x.notifiedOn])).toEqual([
        ['BENEFICIARY', on, undefined],
        ['STATE', on, addDays(on, 3)],
      ]);
      expect(inEffect.timeline.last.find((e) => e.type === 'SIGNED' && e.summary.includes('Le préfet'))?.summary).toContain('convention signée notifiée le');

      // the first year is authorised by the numbered deliberation; its request carries the portal's dossier number
      const first = yearHandle(env, c.ref, y1);
      expect((await first.query(getYearStateQuery)).authorisation.current).toMatchObject({ kind: 'DELIBERATION', deliberationId: 'd1', deliberationNumber: 'D-T-41' });
      expect(await refusal(first.executeUpdate(recordRequestUpdate, { args: [{ ...meta(), sentOn: `${y1}-01-20`, portalDossierNumber: 'X'.repeat(51) }] }))).toMatchObject({ type: 'BadInput', details: { field: 'portalDossierNumber' } });
      const requested = await first.executeUpdate(recordRequestUpdate, { args: [{ ...meta(), sentOn: `${y1}-01-20`, portalDossierNumber: 'PV-2025-021-00417' }] });
      expect(requested.request).toMatchObject({ sentOn: `${y1}-01-20`, portalDossierNumber: 'PV-2025-021-00417' });
      expect(requested.timeline.last.at(-1)?.summary).toContain("(dossier n° PV-2025-021-00417 sur le portail de l'État)");

      // the second year's own deliberation, numbered
      const second = yearHandle(env, c.ref, y2);
      const auth = await second.executeUpdate(recordAuthorisationUpdate, { args: [{ ...meta(), ...seedSession(`${y2}-01-12`, { decisions: ['AUTHORISE_RECEIPT'], receiptYear: y2, number: 'D-T-50' }) }] });
      expect(auth.authorisation).toMatchObject({ authorised: true, current: { deliberationNumber: 'D-T-50' }, sessions: [{ body: { number: 'D-T-50' } }] });
      expect((await second.query(getYearStateQuery)).request.portalDossierNumber).toBeNull();
    });
  });

  it('refuses a payment over the year’s remaining amount (409) and counts a repeated payment reference once', async () => {
    await withConvention(2, {}, async (c, _outbox, [y1, y2]) => {
      await bringIntoEffect(c, await today(env));
      const y = yearHandle(env, c.ref, y2);
      const auth = await y.executeUpdate(recordAuthorisationUpdate, { args: [{ ...meta(), awardNotice: `Arrêté préfectoral ${y2}-0142`, notifiedOn: `${y2}-02-14` }] });
      expect(auth).toMatchObject({ stage: 'AWAITING_REQUEST', authorisation: { authorised: true, current: { kind: 'AWARD_NOTICE' } } });

      const first = await y.executeUpdate(recordPaymentUpdate, { args: [pay(y2, `VIR-${y2}-0001`, 10000000, `${y2}-03-01`, 'k-pay-1')] });
      expect(first).toMatchObject({ receivedCents: 10000000, remainingCents: 10000000 });
      expect(first.tranches.map((t) => [t.status, t.waitingFor])).toEqual([
        ['PAID', null],
        ['NOT_DUE', `en attente de l'acceptation du compte rendu financier ${y1}`],
      ]);
      // same reference again, another Idempotency-Key: the first answer, counted once
      const again = await y.executeUpdate(recordPaymentUpdate, { args: [pay(y2, `VIR-${y2}-0001`, 10000000, `${y2}-03-01`, 'k-pay-2')] });
      expect(again).toEqual(first);
      // same Idempotency-Key again: the first answer
      expect(await y.executeUpdate(recordPaymentUpdate, { args: [pay(y2, `VIR-${y2}-0001`, 10000000, `${y2}-03-01`, 'k-pay-1')] })).toEqual(first);
      expect((await y.query(getYearStateQuery)).payments).toHaveLength(1);
      // same reference with another amount: a conflicting duplicate
      expect(await refusal(y.executeUpdate(recordPaymentUpdate, { args: [pay(y2, `VIR-${y2}-0001`, 5000000)] }))).toMatchObject({ type: 'Duplicate' });

      const over = await refusal(y.executeUpdate(recordPaymentUpdate, { args: [pay(y2, `VIR-${y2}-0002`, 15000000)] }));
      expect(over).toEqual({
        type: 'Conflict',
        message: `A payment of 150 000 € exceeds what remains to be received for ${y2}: 100 000 € (100 000 € already received of 200 000 € granted).`,
        details: { remainingCents: 10000000, receivedCents: 10000000, grantedCents: 20000000 },
      });
      await y.executeUpdate(recordPaymentUpdate, { args: [pay(y2, `VIR-${y2}-0002`, 10000000)] });
      expect(await refusal(y.executeUpdate(recordPaymentUpdate, { args: [pay(y2, `VIR-${y2}-0003`, 1)] }))).toMatchObject({ type: 'Conflict' });
      const state = await y.query(getYearStateQuery);
      expect(state).toMatchObject({ receivedCents: 20000000, remainingCents: 0 });
      expect(state.timeline.last.filter((e) => e.type === 'PAYMENT_RECORDED').map((e) => e.summary)).toEqual([
        `Versement VIR-${y2}-0001 de 100 000 € reçu le 1er mars ${y2} ; reçu 100 000 € sur 200 000 €`,
        `Versement VIR-${y2}-0002 de 100 000 € reçu le 15 mars ${y2} (avant que la tranche correspondante soit due) ; reçu 200 000 € sur 200 000 €`,
      ]);

      // the previous year's report accepted: the balance tranche of the next year becomes due (relayed by the convention)
      const p = yearHandle(env, c.ref, y1);
      await p.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta(), status: 'SUBMITTED', on: `${y1 + 1}-05-10`, spentCents: 20000000 }] });
      await p.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta(), status: 'ACCEPTED', on: `${y1 + 1}-06-01` }] });
      await eventually(async () => expect((await y.query(getYearStateQuery)).previousYear).toMatchObject({ year: y1, reportState: 'ACCEPTED', reportAcceptedOn: `${y1 + 1}-06-01` }));
      expect((await y.query(getYearStateQuery)).tranches.map((t) => [t.due, t.status])).toEqual([
        [true, 'PAID'],
        [true, 'PAID'],
      ]);
    });
  });

  it('closes the year once the report is accepted and the payments reconcile, flagging the under-use; a RETURNED report is awaited again', async () => {
    await withConvention(1, {}, async (c, _outbox, [year]) => {
      await bringIntoEffect(c, await today(env));
      const y = yearHandle(env, c.ref, year);
      await y.executeUpdate(recordRequestUpdate, { args: [{ ...meta(), sentOn: `${year}-01-20` }] });
      await y.executeUpdate(recordPaymentUpdate, { args: [pay(year, `VIR-${year}-0001`, 10000000, `${year}-09-15`)] });
      const report = (status: 'SUBMITTED' | 'ACCEPTED' | 'RETURNED', on: string, extra = {}) => y.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta(), status, on, ...extra }] });

      expect(await refusal(report('ACCEPTED', `${year + 1}-06-01`))).toMatchObject({ type: 'InvalidTransition' });
      await report('SUBMITTED', `${year + 1}-06-10`, { spentCents: 19850000 });
      const returned = await report('RETURNED', `${year + 1}-06-20`, { comment: 'Annexe des dépenses manquante' });
      expect(returned).toMatchObject({ stage: 'AWAITING_REPORT', report: { state: 'AWAITING_SUBMISSION', submittedOn: null, returns: [{ on: `${year + 1}-06-20`, comment: 'Annexe des dépenses manquante' }] } });
      expect(returned.deadlines.map((d) => d.kind)).toEqual(['FINANCIAL_REPORT']);
      await report('SUBMITTED', `${year + 1}-06-25`, { spentCents: 19850000 });
      const accepted = await report('ACCEPTED', `${year + 1}-07-01`);
      expect(accepted).toMatchObject({ stage: 'RECONCILING', reconciliation: { expectedCents: 19850000, outstandingCents: 9850000, underUseCents: 150000, reconciled: false } });

      const closed = await y.executeUpdate(recordPaymentUpdate, { args: [pay(year, `VIR-${year + 1}-0007`, 10000000, `${year + 1}-07-20`)] });
      expect(closed).toMatchObject({
        stage: 'CLOSED',
        closedOn: `${year + 1}-07-20`,
        underUseCents: 150000,
        deadlines: [],
        reconciliation: { receivedCents: 20000000, spentCents: 19850000, underUse: true, underUseCents: 150000, overpaidCents: 150000, reconciled: true },
      });
      expect(closed.timeline.last.at(-1)).toMatchObject({ type: 'YEAR_CLOSED', summary: expect.stringContaining('sous-utilisation de 1 500 € signalée') });
      const result = (await y.result()) as FundingYearResult;
      expect(result).toEqual({ conventionRef: c.ref, year, grantedCents: 20000000, receivedCents: 20000000, spentCents: 19850000, underUseCents: 150000, reportAcceptedOn: `${year + 1}-07-01`, closedOn: `${year + 1}-07-20` });
      // a closed year's workflow has completed: a change is refused, the query still answers
      await expect(y.executeUpdate(recordRequestUpdate, { args: [{ ...meta(), sentOn: `${year}-01-20` }] })).rejects.toThrow();
      expect((await y.query(getYearStateQuery)).stage).toBe('CLOSED');
      // its only year closed: the convention completes
      const done = (await c.handle.result()) as ConventionResult;
      expect(done).toMatchObject({ reference: c.ref, totalGrantedCents: 20000000, totalReceivedCents: 20000000, completedOn: `${year + 1}-07-20` });
    });
  });

  it('refuses dates outside their window (422 DATE_WINDOW naming it): a CRF before the year ends, a payment outside the convention or before the authorisation', async () => {
    await withConvention(2, {}, async (c, _outbox, [y1, y2]) => {
      const on = await today(env);
      await bringIntoEffect(c, on);
      const last = `${y2 + 1}-12-31`;
      // a CRF for y1 dated in y1 (1 March): the year is not over
      const p = yearHandle(env, c.ref, y1);
      expect(await refusal(p.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta(), status: 'SUBMITTED', on: `${y1}-03-01`, spentCents: 20000000 }] }))).toEqual({
        type: 'RuleViolation',
        message: `The financial report for ${y1} cannot be dated ${y1}-03-01: its window is from ${y1 + 1}-01-01 (a report on ${y1} is submitted after the year's end).`,
        details: { code: 'DATE_WINDOW', field: 'on', window: { from: `${y1 + 1}-01-01` } },
      });
      // a payment dated 2019, long before the convention took effect (and the first year's authorisation, two days earlier)
      const old = await refusal(p.executeUpdate(recordPaymentUpdate, { args: [pay(y1, 'VIR-2019-0001', 100, '2019-05-02')] }));
      expect(old).toMatchObject({ type: 'RuleViolation', details: { code: 'DATE_WINDOW', field: 'receivedOn', window: { from: on, to: last } } });
      expect(old.message).toBe(`Payment VIR-2019-0001 for ${y1} cannot be dated 2019-05-02: its window is from ${on} to ${last} (within the convention's life: from its taking effect (${on}) and the year's authorisation (${addDays(on, -2)}) to the end of the year following its last year).`);
      // after the end of the year following the last year
      expect(await refusal(p.executeUpdate(recordPaymentUpdate, { args: [pay(y1, 'VIR-LATE-0001', 100, `${y2 + 2}-01-01`)] }))).toMatchObject({ details: { code: 'DATE_WINDOW', window: { from: on, to: last } } });
      // y2 authorised by an award notice of 14 February: a payment of 1 February is before it
      const y = yearHandle(env, c.ref, y2);
      await y.executeUpdate(recordAuthorisationUpdate, { args: [{ ...meta(), awardNotice: `Arrêté préfectoral ${y2}-0142`, notifiedOn: `${y2}-02-14` }] });
      const early = await refusal(y.executeUpdate(recordPaymentUpdate, { args: [pay(y2, `VIR-${y2}-0001`, 100, `${y2}-02-01`)] }));
      expect(early).toEqual({
        type: 'RuleViolation',
        message: `Payment VIR-${y2}-0001 for ${y2} cannot be dated ${y2}-02-01: its window is from ${y2}-02-14 to ${last} (not before the year's authorisation (${y2}-02-14) nor after the end of the year following the convention's last year).`,
        details: { code: 'DATE_WINDOW', field: 'receivedOn', window: { from: `${y2}-02-14`, to: last } },
      });
      // the bounds themselves are in the window; nothing refused was recorded
      expect(await y.executeUpdate(recordPaymentUpdate, { args: [pay(y2, `VIR-${y2}-0001`, 100, `${y2}-02-14`)] })).toMatchObject({ receivedCents: 100 });
      expect(await p.executeUpdate(recordPaymentUpdate, { args: [pay(y1, `VIR-${y1}-0001`, 100, last)] })).toMatchObject({ receivedCents: 100 });
      expect(await p.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta(), status: 'SUBMITTED', on: `${y1 + 1}-01-01`, spentCents: 20000000 }] })).toMatchObject({ report: { state: 'SUBMITTED' } });
      expect((await p.query(getYearStateQuery)).payments.map((x) => x.reference)).toEqual([`VIR-${y1}-0001`]);
    });
  });

  it('completes the convention after its last year (three years, 100 000 € + 100 000 € each)', async () => {
    await withConvention(3, {}, async (c, _outbox, years) => {
      await bringIntoEffect(c, await today(env));
      for (const [i, year] of years.entries()) {
        const y = yearHandle(env, c.ref, year);
        if (i === 1) {
          await y.executeUpdate(recordAuthorisationUpdate, { args: [{ ...meta(), awardNotice: `Arrêté ${year}-01`, notifiedOn: `${year}-01-10` }] });
        } else if (i === 2) {
          const s = seedSession(`${year}-01-12`, { decisions: ['AUTHORISE_RECEIPT'], receiptYear: year });
          const v = await y.executeUpdate(recordAuthorisationUpdate, { args: [{ ...meta(), ...s }] });
          expect(v.authorisation).toMatchObject({ authorised: true, sessions: [{ result: { outcome: 'ADOPTED', unanimous: true } }] });
        }
        await y.executeUpdate(recordRequestUpdate, { args: [{ ...meta(), sentOn: `${year}-01-20` }] });
        await y.executeUpdate(recordPaymentUpdate, { args: [pay(year, `VIR-${year}-0001`, 10000000, `${year}-03-15`)] });
        await y.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta(), status: 'SUBMITTED', on: `${year + 1}-06-10`, spentCents: 20000000 }] });
        await y.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta(), status: 'ACCEPTED', on: `${year + 1}-07-01` }] });
        const closed = await y.executeUpdate(recordPaymentUpdate, { args: [pay(year, `VIR-${year + 1}-0002`, 10000000, `${year + 1}-07-15`)] });
        expect(closed).toMatchObject({ stage: 'CLOSED', receivedCents: 20000000, underUseCents: 0 });
        if (i < 2) expect((await c.handle.describe()).status.name).toBe('RUNNING');
      }
      const result = (await c.handle.result()) as ConventionResult;
      expect(result).toMatchObject({ reference: c.ref, totalGrantedCents: 60000000, totalReceivedCents: 60000000, completedOn: `${years[2] + 1}-07-15` });
      expect(result.years.map((y) => [y.year, y.receivedCents, y.closedOn])).toEqual(years.map((y) => [y, 20000000, `${y + 1}-07-15`]));
      const v = await conventionState(c);
      expect(v).toMatchObject({ stage: 'COMPLETED', completedOn: `${years[2] + 1}-07-15`, deadlines: [], totalReceivedCents: 60000000 });
      expect(v.years.map((y) => y.stage)).toEqual(['CLOSED', 'CLOSED', 'CLOSED']);
      // the convention's timeline shows each year's changes with their actor
      const timeline = await c.handle.query(getTimelineQuery);
      const payments = timeline.filter((e) => e.type === 'PAYMENT_RECORDED');
      expect(payments).toHaveLength(6);
      expect(payments.every((e) => e.actor.sub === 'u-fin-1' && years.includes(e.year!))).toBe(true);
      expect(timeline.at(-1)).toMatchObject({ type: 'COMPLETED' });
      expect(await searchAttributesOf(c.handle)).toMatchObject({ PreFundingStage: 'COMPLETED', PreOverdue: false });
    });
  });

  it('keeps idempotency keys, payments and pending years across continue-as-new', async () => {
    await withConvention(1, { continueAsNewAfterUpdates: 2 }, async (c, _outbox, [year]) => {
      await bringIntoEffect(c, await today(env)); // the convention itself continues-as-new twice on the way
      expect((await c.handle.describe()).runId).not.toBe(c.handle.firstExecutionRunId);
      const y = yearHandle(env, c.ref, year);
      const firstRun = (await y.describe()).runId;
      const req = await y.executeUpdate(recordRequestUpdate, { args: [{ ...meta('k-req'), sentOn: `${year}-01-20` }] });
      await y.executeUpdate(recordPaymentUpdate, { args: [pay(year, `VIR-${year}-0001`, 10000000)] });
      await eventually(async () => expect((await y.describe()).runId).not.toBe(firstRun));
      expect(await y.executeUpdate(recordRequestUpdate, { args: [{ ...meta('k-req'), sentOn: `${year}-01-20` }] })).toEqual(req);
      const again = await y.executeUpdate(recordPaymentUpdate, { args: [pay(year, `VIR-${year}-0001`, 10000000)] });
      expect(again).toMatchObject({ receivedCents: 10000000 });
      expect((await y.query(getYearStateQuery)).payments).toHaveLength(1);
      await eventually(async () => expect((await conventionState(c)).years[0]).toMatchObject({ receivedCents: 10000000, stage: 'AWAITING_REPORT' }));
    });
  });
});
