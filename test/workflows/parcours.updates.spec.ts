/**
 * Staff updates of the parcours workflow on the time-skipping server: validators and their failure types,
 * idempotency keys, the happy path to closure with its timeline, continue-as-new.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { assignReferentUpdate, changeActionUpdate, closeParcoursUpdate, getAnswerQuery, getTimelineQuery, recordConsentUpdate, recordDerogationUpdate, recordLifeEventUpdate, recordReassessmentUpdate, recordTeamReviewUpdate, renewParcoursUpdate, resumeParcoursUpdate, scheduleActionUpdate, type ParcoursView } from '../../workflows/parcours/parcours.contract';
import {
  activate,
  COORD,
  eventually,
  kindsOf,
  meta,
  refusal,
  REF,
  searchAttributesOf,
  sleepUntil,
  stateOf,
  closingSummaryOf,
  timeSkippingCases,
} from './parcours.helpers';
import { addDays, addMonths } from '../../workflows/shared/calendar';
import { requestFingerprint, updateIdFor } from '../../src/common/idempotency-key';

const signed = { signedBy: [{ name: 'Samira Benali', relationship: 'MOTHER' as const }], dataSharingInformed: true };

describe('parcours updates (time-skipping)', () => {
  const harness = timeSkippingCases();
  const withCase = harness.withCase.bind(harness);
  let env: TestWorkflowEnvironment;
  beforeEach(() => {
    env = harness.env;
  });


  it('answers the first state with the eligibility outcome and its rule version', async () => {
    await withCase({ settings: { eligibilityRuleVersion: 'qpv-test-v9' } }, async (c) => {
      expect(c.first).toMatchObject({
        dossierId: c.dossierId,
        stage: 'AWAITING_CONSENT',
        eligibility: { eligible: true, ruleVersion: 'qpv-test-v9', reasons: ['AGE_IN_RANGE', 'QPV_ELIGIBLE'] },
        objectives: [],
        actions: [],
        referentId: 'u-ref-1',
        deadlines: [expect.objectContaining({ kind: 'CONSENT_EXPIRY', dueOn: addDays(c.input.referral.referredOn, 60) }), expect.objectContaining({ kind: 'AGE_LIMIT' })],
        accepts: ['consent', 'events', 'derogations', 'referent', 'closure'],
      });
    });
  });

  it('closes an ineligible referral INELIGIBLE with a notice, and completes with the closing summary', async () => {
    await withCase({ referral: { child: { ...(await import('./parcours.helpers')).referral('2026-01-01').child, qpv: 'OTHER' } } }, async (c, outbox) => {
      expect(c.first).toMatchObject({ stage: 'CLOSED', eligibility: { eligible: false, reasons: ['AGE_IN_RANGE', 'QPV_NOT_ELIGIBLE'] }, closure: { reason: 'INELIGIBLE' } });
      const result = await closingSummaryOf(env, c.handle);
      expect(result).toMatchObject({ closureReason: 'INELIGIBLE', eligible: false, qpv: 'OTHER', orienteurType: 'SCHOOL', sex: 'F' });
      expect(JSON.stringify(result)).not.toMatch(/Lina|Benali|Samira|Cirey/);
      expect(kindsOf(outbox, c.dossierId)).toEqual([`INELIGIBLE_NOTICE@${c.input.referral.referredOn}`]);
      expect(await searchAttributesOf(c.handle)).toMatchObject({ PreStage: 'CLOSED', PreClosureReason: 'INELIGIBLE', PreQpv: 'OTHER' });
    });
  });

  it('lets an ineligible child in with the eligibility derogation sent with the referral', async () => {
    await withCase({ createdBy: COORD, referral: { derogation: { motive: 'Famille relogée hors QPV en cours d\'année' }, child: { ...(await import('./parcours.helpers')).referral('2026-01-01').child, qpv: 'OTHER' } } }, async (c) => {
      expect(c.first).toMatchObject({ stage: 'AWAITING_CONSENT', closure: null, timeline: { count: 3 }, referentId: null, eligibility: { eligible: false, derogation: { motive: expect.any(String), by: COORD } }, derogations: [expect.objectContaining({ kind: 'ELIGIBILITY' })] });
    });
  });

  it('refuses an action the stage does not accept with a sentence naming the stage and what it accepts', async () => {
    await withCase({}, async (c) => {
      const d0 = c.input.referral.referredOn;
      const r = await refusal(c.handle.executeUpdate(scheduleActionUpdate, { args: [{ ...meta(REF), type: 'SPORT', provider: 'X', startsOn: d0, sessions: 2 }] }));
      expect(r).toEqual({
        type: 'InvalidTransition',
        message: 'The case is in stage AWAITING_CONSENT, which accepts: consent, events, derogations, referent, closure.',
        details: { dossierId: c.dossierId, stage: 'AWAITING_CONSENT', accepts: ['consent', 'events', 'derogations', 'referent', 'closure'] },
      });
      const withdrawn = await refusal(c.handle.executeUpdate(recordLifeEventUpdate, { args: [{ ...meta(REF), type: 'CONSENT_WITHDRAWN', occurredOn: d0 }] }));
      expect(withdrawn.type).toBe('InvalidTransition');
      expect(withdrawn.message).toContain('record a refusal through consent');
      expect(await refusal(c.handle.executeUpdate(resumeParcoursUpdate, { args: [{ ...meta(REF), resumedOn: d0 }] }))).toMatchObject({ type: 'InvalidTransition' });
    });
  });

  it('refuses dates out of order and missing motives as rule violations', async () => {
    await withCase({}, async (c) => {
      const d0 = c.input.referral.referredOn;
      const consentBefore = await refusal(c.handle.executeUpdate(recordConsentUpdate, { args: [{ ...meta(REF), decision: 'GRANTED', signedOn: addDays(d0, -1), ...signed }] }));
      expect(consentBefore).toEqual({ type: 'RuleViolation', message: `The consent date (${addDays(d0, -1)}) is before the referral date (${d0}).`, details: { field: 'consent date' } });
      expect(await refusal(c.handle.executeUpdate(recordConsentUpdate, { args: [{ ...meta(REF), decision: 'GRANTED', signedOn: d0, signedBy: [], dataSharingInformed: true }] }))).toMatchObject({ type: 'RuleViolation' });
      expect(await refusal(c.handle.executeUpdate(recordConsentUpdate, { args: [{ ...meta(REF), decision: 'GRANTED', signedOn: d0, ...signed, dataSharingInformed: false }] }))).toMatchObject({ type: 'RuleViolation' });
      await c.handle.executeUpdate(recordConsentUpdate, { args: [{ ...meta(REF), decision: 'GRANTED', signedOn: d0, ...signed }] });
      expect(await refusal(c.handle.executeUpdate(recordTeamReviewUpdate, { args: [{ ...meta(COORD), meetingDate: d0, decision: 'REFUSED' }] }))).toMatchObject({ type: 'RuleViolation', message: 'A REFUSED decision needs a motive.' });
      expect(await refusal(c.handle.executeUpdate(recordTeamReviewUpdate, { args: [{ ...meta(COORD), meetingDate: d0, decision: 'REDIRECTED' }] }))).toMatchObject({ type: 'RuleViolation' });
      expect(await refusal(c.handle.executeUpdate(recordTeamReviewUpdate, { args: [{ ...meta(COORD), meetingDate: d0, decision: 'VALIDATED', objectives: [] }] }))).toMatchObject({ type: 'RuleViolation' });
      expect(await refusal(c.handle.executeUpdate(recordTeamReviewUpdate, { args: [{ ...meta(COORD), meetingDate: d0, decision: 'VALIDATED', objectives: [{ label: 'Lire' }], durationMonths: 30 }] }))).toMatchObject({ type: 'RuleViolation' });
      for (let k = 1; k <= 2; k += 1) await c.handle.executeUpdate(recordTeamReviewUpdate, { args: [{ ...meta(COORD), meetingDate: addDays(d0, k), decision: 'MORE_INFO' }] });
      const third = await refusal(c.handle.executeUpdate(recordTeamReviewUpdate, { args: [{ ...meta(COORD), meetingDate: addDays(d0, 3), decision: 'MORE_INFO' }] }));
      expect(third).toMatchObject({ type: 'RuleViolation', message: expect.stringContaining('the coordinator must now decide') });
      expect(await refusal(c.handle.executeUpdate(recordTeamReviewUpdate, { args: [{ ...meta(COORD), meetingDate: d0, decision: 'VALIDATED', objectives: [{ label: 'Lire' }] }] }))).toMatchObject({ type: 'RuleViolation', message: expect.stringContaining('previous EPS meeting') });
      await c.handle.executeUpdate(recordTeamReviewUpdate, { args: [{ ...meta(COORD), meetingDate: addDays(d0, 3), decision: 'VALIDATED', objectives: [{ label: 'Lire' }], durationMonths: 12 }] });
      const start = addDays(d0, 10);
      expect(await refusal(c.handle.executeUpdate(scheduleActionUpdate, { args: [{ ...meta(REF), type: 'SPORT', provider: 'Club', startsOn: start, endsOn: addDays(start, -1) }] }))).toEqual({
        type: 'RuleViolation',
        message: `The action ends (${addDays(start, -1)}) before it starts (${start}).`,
        details: { field: 'endsOn' },
      });
      expect(await refusal(c.handle.executeUpdate(scheduleActionUpdate, { args: [{ ...meta(REF), type: 'SPORT', provider: 'Club', startsOn: start }] }))).toMatchObject({ type: 'RuleViolation' });
      expect(await refusal(c.handle.executeUpdate(scheduleActionUpdate, { args: [{ ...meta(REF), type: 'SPORT', provider: 'Club', startsOn: start, sessions: 4, objectiveIds: ['o9'] }] }))).toMatchObject({ type: 'NotFound' });
      await c.handle.executeUpdate(scheduleActionUpdate, { args: [{ ...meta(REF), type: 'SPORT', provider: 'Club', startsOn: start, sessions: 4, objectiveIds: ['o1'] }] });
      expect(await refusal(c.handle.executeUpdate(changeActionUpdate, { args: [{ ...meta(REF), actionId: 'a1', status: 'CANCELLED' }] }))).toMatchObject({ type: 'RuleViolation', message: 'Cancelling an action needs a motive.' });
      expect(await refusal(c.handle.executeUpdate(changeActionUpdate, { args: [{ ...meta(REF), actionId: 'a9', status: 'DONE' }] }))).toMatchObject({ type: 'NotFound' });
      await c.handle.executeUpdate(changeActionUpdate, { args: [{ ...meta(REF), actionId: 'a1', status: 'DONE' }] });
      expect(await refusal(c.handle.executeUpdate(changeActionUpdate, { args: [{ ...meta(REF), actionId: 'a1', status: 'CANCELLED', motive: 'x' }] }))).toMatchObject({ type: 'Conflict' });
      expect(await refusal(c.handle.executeUpdate(recordReassessmentUpdate, { args: [{ ...meta(REF), assessedOn: addDays(d0, 40), progress: [{ objectiveId: 'o7', level: 'PARTIAL' }], decision: 'CONTINUE' }] }))).toMatchObject({ type: 'NotFound', message: 'The case has no objective "o7" (objectives: o1).' });
      expect(await refusal(c.handle.executeUpdate(renewParcoursUpdate, { args: [{ ...meta(COORD), meetingDate: addDays(d0, 2), extensionMonths: 12 }] }))).toMatchObject({ type: 'RuleViolation', message: expect.stringContaining('before the validation') });
      await c.handle.executeUpdate(renewParcoursUpdate, { args: [{ ...meta(COORD), meetingDate: addDays(d0, 40), extensionMonths: 12 }] });
      const over = await refusal(c.handle.executeUpdate(renewParcoursUpdate, { args: [{ ...meta(COORD), meetingDate: addDays(d0, 41), extensionMonths: 6 }] }));
      expect(over).toMatchObject({ type: 'RuleViolation', message: 'Renewing by 6 months brings the parcours to 30 months, beyond the maximum of 24 months: a coordinator DURATION derogation with a motive is needed first.' });
      expect(await refusal(c.handle.executeUpdate(recordDerogationUpdate, { args: [{ ...meta(COORD), kind: 'DURATION', motive: '  ', decidedOn: d0 }] }))).toMatchObject({ type: 'RuleViolation', message: 'A derogation needs a written motive.' });
      await c.handle.executeUpdate(recordDerogationUpdate, { args: [{ ...meta(COORD), kind: 'DURATION', motive: 'Suivi psychologique en cours', decidedOn: addDays(d0, 41), maxTotalMonths: 36 }] });
      const renewed = await c.handle.executeUpdate(renewParcoursUpdate, { args: [{ ...meta(COORD), meetingDate: addDays(d0, 41), extensionMonths: 6 }] });
      expect(renewed.plan).toMatchObject({ totalMonths: 30, maxEndsOn: addMonths(addDays(d0, 3), 36) });
      expect(await refusal(c.handle.executeUpdate(closeParcoursUpdate, { args: [{ ...meta(COORD), reason: 'HANDED_OVER', closedOn: d0, summary: 'ok' }] }))).toMatchObject({ type: 'RuleViolation' });
      expect(await refusal(c.handle.executeUpdate(closeParcoursUpdate, { args: [{ ...meta(COORD), reason: 'OTHER', closedOn: d0, summary: 'ok' }] }))).toMatchObject({ type: 'RuleViolation' });
      expect(await refusal(c.handle.executeUpdate(closeParcoursUpdate, { args: [{ ...meta(COORD), reason: 'OBJECTIVES_MET', closedOn: addDays(d0, -1), summary: 'ok' }] }))).toMatchObject({ type: 'RuleViolation' });
      expect((await stateOf(c.handle)).stage).toBe('ACTIVE');
    });
  });

  it('refuses a consent without a holder of parental authority among its signatories, or signed in the future (422 naming the rule)', async () => {
    await withCase({}, async (c) => {
      const d0 = c.input.referral.referredOn;
      const neighbour = await refusal(c.handle.executeUpdate(recordConsentUpdate, { args: [{ ...meta(REF), decision: 'GRANTED', signedOn: d0, signedBy: [{ name: 'Voisine', relationship: 'OTHER' }], dataSharingInformed: true }] }));
      expect(neighbour).toEqual({
        type: 'RuleViolation',
        message: 'Consent GRANTED needs the signature of a holder of parental authority (MOTHER, FATHER, LEGAL_GUARDIAN); signedBy has none.',
        details: { field: 'signedBy', code: 'CONSENT_PARENTAL_AUTHORITY' },
      });
      const future = addDays(d0, 2);
      const ahead = await refusal(c.handle.executeUpdate(recordConsentUpdate, { args: [{ ...meta(REF), decision: 'GRANTED', signedOn: future, ...signed }] }));
      expect(ahead).toMatchObject({ type: 'RuleViolation', message: expect.stringMatching(new RegExp(`^The consent date \\(${future}\\) is in the future \\(today is \\d{4}-\\d{2}-\\d{2}\\)\\.$`)), details: { code: 'CONSENT_DATE_IN_FUTURE' } });
      expect(await refusal(c.handle.executeUpdate(recordConsentUpdate, { args: [{ ...meta(REF), decision: 'REFUSED', signedOn: future }] }))).toMatchObject({ details: { code: 'CONSENT_DATE_IN_FUTURE' } });
      expect((await stateOf(c.handle)).stage).toBe('AWAITING_CONSENT');
      // a neighbour may sign besides a holder of parental authority
      const both = await c.handle.executeUpdate(recordConsentUpdate, { args: [{ ...meta(REF), decision: 'GRANTED', signedOn: d0, signedBy: [{ name: 'Voisine', relationship: 'OTHER' }, { name: 'Karim Benali', relationship: 'FATHER' }], dataSharingInformed: true }] });
      expect(both).toMatchObject({ stage: 'AWAITING_TEAM_REVIEW', consent: { signedOn: d0 } });
    });
  });

  it('replays the first answer for a repeated Idempotency-Key without applying twice, and refuses a key reused for another request', async () => {
    await withCase({}, async (c) => {
      const d0 = c.input.referral.referredOn;
      const first = await c.handle.executeUpdate(recordConsentUpdate, { args: [{ ...meta(REF, 'key-consent'), decision: 'GRANTED', signedOn: d0, ...signed }] });
      await c.handle.executeUpdate(assignReferentUpdate, { args: [{ ...meta(COORD, 'key-ref'), referentId: 'u-ref-2' }] });
      const again = await c.handle.executeUpdate(recordConsentUpdate, { args: [{ ...meta(REF, 'key-consent'), decision: 'GRANTED', signedOn: d0, ...signed }] });
      expect(again).toEqual(first);
      expect(await c.handle.query(getAnswerQuery, 'key-consent')).toEqual(first);
      expect(await c.handle.query(getAnswerQuery, 'unknown-key')).toBeNull();
      const timeline = await c.handle.query(getTimelineQuery);
      expect(timeline.filter((e) => e.type === 'CONSENT_RECORDED')).toHaveLength(1);
      expect(timeline.find((e) => e.type === 'CONSENT_RECORDED')).toMatchObject({ idempotencyKey: 'key-consent', actor: REF });
      const reused = await refusal(c.handle.executeUpdate(assignReferentUpdate, { args: [{ ...meta(COORD, 'key-consent'), referentId: 'u-ref-3' }] }));
      expect(reused).toMatchObject({ type: 'IdempotencyKeyReused', message: expect.stringContaining('key-consent'), details: { idempotencyKey: 'key-consent', firstRequest: 'recordConsent' } });
      expect((await stateOf(c.handle)).referentId).toBe('u-ref-2');
    });
  });

  it('refuses an Idempotency-Key reused with another body (by its request fingerprint), as the API sends it, and replays the same request', async () => {
    await withCase({ settings: { continueAsNewAfterUpdates: 2 } }, async (c) => {
      const d0 = c.input.referral.referredOn;
      const firstRun = (await c.handle.describe()).runId;
      // as the API's gateway sends a keyed update: the fingerprint stamped on the input and in the update id
      const send = (key: string, body: { referentId: string }) => {
        const fp = requestFingerprint(assignReferentUpdate.name, body);
        return c.handle.executeUpdate(assignReferentUpdate, { args: [{ ...meta(COORD, key), requestFingerprint: fp, ...body }], updateId: updateIdFor(assignReferentUpdate.name, key, fp) });
      };
      const first = await send('key-assign', { referentId: 'u-ref-2' });
      expect(first.referentId).toBe('u-ref-2');
      expect(await send('key-assign', { referentId: 'u-ref-2' })).toEqual(first);
      const other = await refusal(send('key-assign', { referentId: 'u-ref-3' }));
      expect(other).toEqual({
        type: 'IdempotencyKeyReused',
        message: 'The Idempotency-Key "key-assign" was already used for a request with another body (referent); use a new key for a new request.',
        details: { idempotencyKey: 'key-assign', firstRequest: 'assignReferent' },
      });
      expect((await stateOf(c.handle)).referentId).toBe('u-ref-2');
      expect((await c.handle.query(getTimelineQuery)).filter((e) => e.idempotencyKey === 'key-assign')).toHaveLength(1);
      // a second update: the run continues as new, and Temporal's own update-id dedup (per run) is gone
      await c.handle.executeUpdate(recordConsentUpdate, { args: [{ ...meta(REF), decision: 'GRANTED', signedOn: d0, ...signed }] });
      await eventually(async () => expect((await c.handle.describe()).runId).not.toBe(firstRun));
      // the carried fingerprint still tells the two requests apart, and the same request is still applied once: a key
      // answered in an earlier run gets the case as it now stands (first answers are not carried, parcours.limits.ts)
      expect(await refusal(send('key-assign', { referentId: 'u-ref-3' }))).toMatchObject({ type: 'IdempotencyKeyReused' });
      const replayed = await send('key-assign', { referentId: 'u-ref-2' });
      const after = await stateOf(c.handle);
      expect(replayed).toEqual(after);
      expect(after).toMatchObject({ stage: 'AWAITING_TEAM_REVIEW', referentId: 'u-ref-2' });
      expect((await c.handle.query(getTimelineQuery)).filter((e) => e.idempotencyKey === 'key-assign')).toHaveLength(1);
    });
  });

  it('runs a case to OBJECTIVES_MET, recording actor and time of every change, and refuses changes once closed', async () => {
    await withCase({}, async (c) => {
      const d0 = c.input.referral.referredOn;
      // the consent is recorded when signed (not ahead of the day: a signing date in the future is refused)
      await sleepUntil(env, addDays(d0, 5));
      await c.handle.executeUpdate(recordConsentUpdate, { args: [{ ...meta(REF), decision: 'GRANTED', signedOn: addDays(d0, 5), ...signed }] });
      const validated = await c.handle.executeUpdate(recordTeamReviewUpdate, {
        args: [{ ...meta(COORD), meetingDate: addDays(d0, 13), decision: 'VALIDATED', objectives: [{ label: 'Read fluently by June' }, { label: 'Join a club' }], referentId: 'u-ref-1', durationMonths: 12 }],
      });
      expect(validated).toMatchObject({ stage: 'ACTIVE', referentId: 'u-ref-1', objectives: [{ id: 'o1' }, { id: 'o2' }], plan: { validatedOn: addDays(d0, 13), endsOn: addMonths(addDays(d0, 13), 12), nextReassessmentOn: addMonths(addDays(d0, 13), 3) } });
      await c.handle.executeUpdate(scheduleActionUpdate, { args: [{ ...meta(REF), type: 'SCHOOL_SUPPORT', provider: 'Association Lire et Faire Lire', startsOn: addDays(d0, 20), endsOn: addDays(d0, 200), frequency: 'WEEKLY', objectiveIds: ['o1'] }] });
      const two = await c.handle.executeUpdate(scheduleActionUpdate, { args: [{ ...meta(REF), type: 'SPORT', provider: 'ASPTT', startsOn: addDays(d0, 20), sessions: 10, objectiveIds: ['o2'] }] });
      expect(two.actions.map((a) => [a.id, a.status])).toEqual([['a1', 'SCHEDULED'], ['a2', 'SCHEDULED']]);
      const reassessed = await c.handle.executeUpdate(recordReassessmentUpdate, { args: [{ ...meta(REF), assessedOn: addDays(d0, 100), progress: [{ objectiveId: 'o1', level: 'PARTIAL' }, { objectiveId: 'o2', level: 'ACHIEVED' }], decision: 'CONTINUE' }] });
      expect(reassessed.plan?.nextReassessmentOn).toBe(addMonths(addDays(d0, 100), 3));
      await c.handle.executeUpdate(changeActionUpdate, { args: [{ ...meta(REF), actionId: 'a2', status: 'DONE' }] });
      await c.handle.executeUpdate(renewParcoursUpdate, { args: [{ ...meta(COORD), meetingDate: addDays(d0, 300), extensionMonths: 6 }] });
      const closed = await c.handle.executeUpdate(closeParcoursUpdate, { args: [{ ...meta(COORD), reason: 'OBJECTIVES_MET', closedOn: addDays(d0, 400), summary: 'Objectifs atteints.' }] });
      expect(closed).toMatchObject({ stage: 'CLOSED', closure: { reason: 'OBJECTIVES_MET', by: COORD }, actions: [{ id: 'a1', status: 'STOPPED' }, { id: 'a2', status: 'DONE' }], deadlines: [], accepts: [] });
      const result = await closingSummaryOf(env, c.handle);
      expect(result).toMatchObject({
        closureReason: 'OBJECTIVES_MET',
        consentOn: addDays(d0, 5),
        decisionOn: addDays(d0, 13),
        validatedOn: addDays(d0, 13),
        actionsByType: { SCHOOL_SUPPORT: 1, SPORT: 1 },
        actionsDoneByType: { SPORT: 1 },
        reassessments: 1,
        renewals: 1,
        grantedMonths: 18,
        durationDays: 400,
        activeDays: 387,
      });
      const timeline = await c.handle.query(getTimelineQuery);
      expect(timeline.map((e) => `${e.type}/${e.actor.sub}`)).toEqual([
        'REFERRAL_RECEIVED/u-ref-1',
        'ELIGIBILITY_CHECKED/system',
        'CONSENT_RECORDED/u-ref-1',
        'TEAM_REVIEW_RECORDED/u-coord-1',
        'ACTION_SCHEDULED/u-ref-1',
        'ACTION_SCHEDULED/u-ref-1',
        'REASSESSMENT_RECORDED/u-ref-1',
        'ACTION_CHANGED/u-ref-1',
        'RENEWED/u-coord-1',
        'CLOSED/u-coord-1',
      ]);
      expect(timeline.map((e) => e.seq)).toEqual(timeline.map((_, i) => i + 1));
      expect(timeline.every((e) => !Number.isNaN(Date.parse(e.at)))).toBe(true);
      expect(JSON.stringify(timeline.map((e) => e.summary))).not.toMatch(/Lina|Benali|Samira/);
      // The workflow has completed: an update can no longer reach it (the API answers 409 "closed").
      await expect(c.handle.executeUpdate(assignReferentUpdate, { args: [{ ...meta(COORD), referentId: 'u-ref-2' }] })).rejects.toThrow();
      expect((await stateOf(c.handle)).stage).toBe('CLOSED');
    });
  });

  it('continues as new after a reassessment cycle and when forced, keeping state, deadlines, timeline and idempotency keys', async () => {
    await withCase({ settings: { continueAsNewAfterUpdates: 2 } }, async (c, outbox) => {
      const d0 = c.input.referral.referredOn;
      const firstRun = (await c.handle.describe()).runId;
      await activate(c); // two updates: the run continues as new
      const afterActivate = await stateOf(c.handle);
      const secondRun = await eventually(async () => {
        const runId = (await c.handle.describe()).runId;
        expect(runId).not.toBe(firstRun);
        return runId;
      });
      await c.handle.executeUpdate(recordLifeEventUpdate, { args: [{ ...meta(REF, 'evt-1'), type: 'SAFEGUARDING_CONCERN', occurredOn: d0, reportedOn: addDays(d0, 1) }] });
      const before: ParcoursView = await c.handle.executeUpdate(recordReassessmentUpdate, { args: [{ ...meta(REF, 'reass-1'), assessedOn: addDays(d0, 30), progress: [{ objectiveId: 'o1', level: 'PARTIAL' }], decision: 'ADJUST', newObjectives: [{ label: 'Sleep better' }] }] });
      // The run ends once the safeguarding notification is recorded and every handler has finished.
      await eventually(async () => expect((await c.handle.describe()).runId).not.toBe(secondRun));
      const after = await stateOf(c.handle);
      expect({ ...after, timeline: undefined }).toEqual({ ...before, timeline: undefined });
      expect(after.timeline.count).toBe(before.timeline.count);
      expect(after.objectives.map((o) => o.id)).toEqual(['o1', 'o2']);
      expect(after.deadlines).toEqual(before.deadlines);
      expect(afterActivate.stage).toBe('ACTIVE');
      const replayed = await c.handle.executeUpdate(recordLifeEventUpdate, { args: [{ ...meta(REF, 'evt-1'), type: 'SAFEGUARDING_CONCERN', occurredOn: d0 }] });
      expect(replayed.lifeEvents).toHaveLength(1);
      expect((await stateOf(c.handle)).lifeEvents).toHaveLength(1);
      const timeline = await c.handle.query(getTimelineQuery);
      expect(timeline.map((e) => e.type)).toEqual(['REFERRAL_RECEIVED', 'ELIGIBILITY_CHECKED', 'CONSENT_RECORDED', 'TEAM_REVIEW_RECORDED', 'LIFE_EVENT_RECORDED', 'REASSESSMENT_RECORDED']);
      expect(kindsOf(outbox, c.dossierId)).toEqual([`REFERRAL_ACK@${d0}`, `SAFEGUARDING_ESCALATION@${d0}`]);
      // Pending timers survive: the next reassessment reminder fires in the new run.
      const due = addMonths(addDays(d0, 30), 3);
      await sleepUntil(env, addDays(due, -14));
      expect((await stateOf(c.handle)).timeline.last.map((e) => e.type)).toContain('REMINDER_SENT');
      expect(await searchAttributesOf(c.handle)).toMatchObject({ PreStage: 'ACTIVE', PreNextDeadlineKind: 'REASSESSMENT', PreNextDeadline: `${due}T00:00:00.000Z` });
    });
  });
});
