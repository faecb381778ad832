/**
 * Cases that never outgrow Temporal (DOMAIN.md "Cases that never outgrow Temporal"): the worst case the API allows —
 * every text at its DTO maximum in 4-byte characters, 128-character Idempotency-Keys, the most objectives, actions,
 * reassessment notes, derogations and life events the case accepts, over 24 months and an age derogation — continues
 * as new carrying at most 256 kB, still answers, and its timers still fire after.
 */
import { Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { temporal } from '@temporalio/proto';
import {
  assignReferentUpdate,
  changeActionUpdate,
  getAnswerQuery,
  getTimelineQuery,
  recordConsentUpdate,
  recordDerogationUpdate,
  recordLifeEventUpdate,
  recordDataExportUpdate,
  recordReassessmentUpdate,
  recordTeamReviewUpdate,
  rectifyParcoursUpdate,
  scheduleActionUpdate,
  REFERRAL_REASONS,
  type Actor,
  type UpdateMeta,
} from '../../workflows/parcours/parcours.contract';
import { CASE_LIMITS, MAX_CARRIED_BYTES } from '../../workflows/parcours/parcours.limits';
import { MAX_IDEMPOTENCY_KEYS } from '../../workflows/shared/journal';
import { addDays, addMonths } from '../../workflows/shared/calendar';
import { MAX } from '../../src/parcours/dto/text';
import { COORD, eventually, kindsOf, refusal, REF, sleepUntil, stateOf, timeSkippingCases, type StartedCase } from './parcours.helpers';

/** A text of `n` characters of 3 UTF-8 bytes each (the heaviest a DTO lets through per character). */
// 4 bytes in UTF-8 for one character as the DTOs count them (code points, as JSON Schema does): the heaviest text
const heavy = (n: number): string => '😀'.repeat(n);
const NOTE = heavy(MAX.note);
/** A staff id at its maximum (64 characters). */
const LONG_ID = (n: number): string => `u-${n}-`.padEnd(64, 'r');

let keys = 0;
/** An update's meta as the API stamps it, with a 128-character Idempotency-Key and a fingerprint. */
function keyed(actor: Actor): UpdateMeta {
  keys += 1;
  return { actor, at: new Date().toISOString(), idempotencyKey: `k${keys}-`.padEnd(128, 'x'), requestFingerprint: `${keys}`.padEnd(43, 'f') };
}

/** Sends updates built by `make` until the case refuses one with `code`; returns how many were applied. */
async function fill(send: (n: number) => Promise<unknown>, code: string, max = 500): Promise<number> {
  for (let n = 0; n < max; n++) {
    try {
      await send(n);
    } catch (err) {
      const cause = (err as { cause?: { details?: Array<{ code?: string }> } }).cause;
      expect(cause?.details?.[0]?.code).toBe(code);
      return n;
    }
  }
  throw new Error(`never refused with ${code}`);
}

/** Bytes of a payload list as Temporal stores it (data and metadata). */
function payloadBytes(p: temporal.api.common.v1.IPayloads | null | undefined): number {
  let n = 0;
  for (const x of p?.payloads ?? []) {
    n += x.data?.length ?? 0;
    for (const [k, v] of Object.entries(x.metadata ?? {})) n += k.length + (v?.length ?? 0);
  }
  return n;
}

/** The size of the input each continue-as-new of the case carried, oldest first (walking back from the latest run). */
async function carriedSizes(env: TestWorkflowEnvironment, workflowId: string): Promise<number[]> {
  // a run's history page (each answer is the case) may exceed gRPC's default 4 MB message
  const connection = await Connection.connect({ address: env.address, channelArgs: { 'grpc.max_receive_message_length': 256 * 1024 * 1024 } });
  try {
    const sizes: number[] = [];
    let runId: string | undefined;
    for (;;) {
      const page = await connection.workflowService.getWorkflowExecutionHistory({ namespace: env.namespace ?? 'default', execution: { workflowId, runId }, maximumPageSize: 1 });
      const started = page.history?.events?.[0]?.workflowExecutionStartedEventAttributes;
      const previous = started?.continuedExecutionRunId;
      if (!previous) return sizes.reverse();
      sizes.push(payloadBytes(started?.input));
      runId = previous;
    }
  } finally {
    await connection.close();
  }
}

describe('parcours that never outgrow Temporal (time-skipping)', () => {
  const harness = timeSkippingCases();

  it('carries at most 256 kB across continue-as-new in the worst case the API allows, and still answers and fires its timers after', async () => {
    const env = harness.env;
    const today = new Date(await env.currentTimeMs()).toISOString().slice(0, 10);
    const heavyReferral = {
      child: {
        firstName: heavy(MAX.name),
        lastName: heavy(MAX.name),
        birthDate: addMonths(today, -15 * 12 - 6),
        sex: 'M' as const,
        address: { line1: heavy(MAX.line), line2: heavy(MAX.line), postcode: '21000-1234', city: heavy(MAX.name) },
        qpv: 'OTHER' as const,
        school: { name: heavy(MAX.line), level: heavy(20), priorityEducation: 'REP+' as const },
      },
      guardians: Array.from({ length: 6 }, (_, g) => ({
        firstName: heavy(MAX.name),
        lastName: heavy(MAX.name),
        relationship: g === 0 ? ('MOTHER' as const) : ('OTHER' as const),
        phone: '+3361234567890123456',
        email: `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.fr`,
      })),
      orienteur: { type: 'SCHOOL' as const, organisation: heavy(MAX.line) },
      reasons: [...REFERRAL_REASONS],
      context: heavy(MAX.context),
      // an ineligible child admitted by the coordinator's derogation: its motive is kept too
      derogation: { motive: NOTE },
    };
    await harness.withCase({ referredOn: today, referral: heavyReferral, createdBy: COORD, settings: { continueAsNewAfterUpdates: 25 } }, async (c: StartedCase, outbox) => {
      const h = c.handle;
      const d0 = today;
      expect(c.first).toMatchObject({ stage: 'AWAITING_CONSENT' });
      await h.executeUpdate(recordConsentUpdate, {
        args: [{ ...keyed(REF), decision: 'GRANTED', signedOn: d0, signedBy: Array.from({ length: 4 }, (_, i) => ({ name: heavy(MAX.line), relationship: i === 0 ? ('MOTHER' as const) : ('OTHER' as const) })), dataSharingInformed: true, note: NOTE }],
      });
      await h.executeUpdate(recordTeamReviewUpdate, {
        args: [{ ...keyed(COORD), meetingDate: d0, decision: 'VALIDATED', objectives: Array.from({ length: 20 }, () => ({ label: heavy(MAX.label) })), referentId: LONG_ID(0), durationMonths: 24 }],
      });
      const objectiveIds = Array.from({ length: 20 }, (_, i) => `o${i + 1}`);
      // 24 months + derogations: the age limit pushed to the 18th birthday, the maximum length to 36 months
      await h.executeUpdate(recordDerogationUpdate, { args: [{ ...keyed(COORD), kind: 'AGE', motive: NOTE, decidedOn: d0, untilOn: addMonths(c.input.referral.child.birthDate, 18 * 12) }] });
      await h.executeUpdate(recordDerogationUpdate, { args: [{ ...keyed(COORD), kind: 'DURATION', motive: NOTE, decidedOn: d0, maxTotalMonths: 36 }] });
      // a note-heavy reassessment (as heavy as a 100 kB body allows), then heavy actions until the record is full
      await h.executeUpdate(recordReassessmentUpdate, {
        args: [{ ...keyed(REF), assessedOn: d0, progress: objectiveIds.slice(0, 1).map((objectiveId) => ({ objectiveId, level: 'PARTIAL' as const, note: NOTE })), decision: 'ADJUST', newObjectives: Array.from({ length: 5 }, () => ({ label: heavy(MAX.label) })), note: NOTE }],
      });
      // more remembered keys than the journal keeps, each with the longest key and ids (and the longest timeline summaries)
      for (let n = 1; n <= MAX_IDEMPOTENCY_KEYS + 10; n++) await h.executeUpdate(assignReferentUpdate, { args: [{ ...keyed(COORD), referentId: LONG_ID(n) }] });
      const heavyActions = await fill(
        () => h.executeUpdate(scheduleActionUpdate, { args: [{ ...keyed(REF), type: 'SCHOOL_SUPPORT', provider: heavy(MAX.line), startsOn: addDays(d0, 2), endsOn: addMonths(d0, 30), frequency: 'WEEKLY', objectiveIds, note: NOTE }] }),
        'CASE_RECORD_FULL',
      );
      // what room is left: light actions (each with its timers) until the record is full or the case holds its most actions
      const light = await fill(
        (n) => h.executeUpdate(scheduleActionUpdate, { args: [{ ...keyed(REF), type: 'SPORT', provider: 'Club', startsOn: addDays(d0, 3 + (n % 300)), sessions: 500, objectiveIds: ['o1'] }] }),
        'CASE_RECORD_FULL',
      );
      // in 4-byte characters a heavy action may no longer fit after the heavy reassessment: light ones still do
      expect(heavyActions + light).toBeGreaterThan(0);
      // the family's data may still be corrected (art. 16) once the record is full for ordinary changes
      const rectified = await h.executeUpdate(rectifyParcoursUpdate, { args: [{ ...keyed(COORD), child: { address: { line1: heavy(MAX.line - 1) } }, motive: 'Nouvelle adresse' }] });
      expect(rectified.child.address.line1).toBe(heavy(MAX.line - 1));
      // the reserve: life events with full notes until it is full too
      const events = await fill(
        (n) => h.executeUpdate(recordLifeEventUpdate, { args: [{ ...keyed(REF), type: 'SAFEGUARDING_CONCERN', occurredOn: addDays(d0, n % 30), reportedOn: addDays(d0, 30), note: NOTE }] }),
        'CASE_RECORD_FULL',
      );
      expect(events).toBeGreaterThan(0);
      // a référent may still be assigned to a full case, its data exported (art. 15) and corrected (art. 16)
      await h.executeUpdate(assignReferentUpdate, { args: [{ ...keyed(COORD), referentId: LONG_ID(0) }] });
      await h.executeUpdate(recordDataExportUpdate, { args: [keyed(COORD)] });

      const full = await stateOf(h);
      expect(full.actions.length).toBe(heavyActions + light);
      // a final continue-as-new of the full case
      const patchMeta = keyed(REF);
      const patched = await h.executeUpdate(changeActionUpdate, { args: [{ ...patchMeta, actionId: 'a1', frequency: 'MONTHLY' }] });
      const runBefore = (await h.describe()).runId;
      for (let n = 1; (await h.describe()).runId === runBefore; n++) {
        expect(n).toBeLessThan(30);
        await h.executeUpdate(assignReferentUpdate, { args: [{ ...keyed(COORD), referentId: LONG_ID(n % 2) }] });
        await new Promise((r) => setTimeout(r, 200));
      }

      const sizes = await carriedSizes(env, h.workflowId);
      const worst = Math.max(...sizes);
      console.log(`carried inputs: ${sizes.join(', ')}; worst-case carried input: ${worst} bytes (${(worst / 1024).toFixed(1)} kB) over ${sizes.length} continue-as-new; record ${Buffer.byteLength(JSON.stringify(full))} bytes of view; ${heavyActions} heavy + ${light} light actions, ${events} life events`);
      expect(sizes.length).toBeGreaterThanOrEqual(5);
      expect(worst).toBeLessThanOrEqual(MAX_CARRIED_BYTES);

      // still answers: the state, a retried key of an earlier run (applied once: the case as it now stands), a new change
      const after = await stateOf(h);
      expect(after.actions).toHaveLength(full.actions.length);
      expect(after.timeline.count).toBeGreaterThan(CASE_LIMITS.carriedTimelineEntries);
      const carriedTimeline = await h.query(getTimelineQuery);
      expect(carriedTimeline.length).toBeGreaterThanOrEqual(CASE_LIMITS.carriedTimelineEntries);
      expect(carriedTimeline.length).toBeLessThan(after.timeline.count);
      const lastKey = patchMeta.idempotencyKey!;
      expect(await h.query(getAnswerQuery, lastKey)).toMatchObject({ actions: expect.arrayContaining([expect.objectContaining({ id: 'a1', frequency: 'MONTHLY' })]) });
      const replayed = await h.executeUpdate(changeActionUpdate, { args: [{ ...patchMeta, actionId: 'a1', frequency: 'MONTHLY' }] });
      expect(replayed.actions).toEqual(patched.actions);
      expect(replayed).toEqual(await stateOf(h));
      expect((await h.query(getTimelineQuery)).filter((e) => e.idempotencyKey === lastKey)).toHaveLength(1);
      expect(await refusal(h.executeUpdate(scheduleActionUpdate, { args: [{ ...keyed(REF), type: 'SPORT', provider: heavy(MAX.line), startsOn: addDays(d0, 5), sessions: 3, note: NOTE }] }))).toMatchObject({
        type: 'RuleViolation',
        details: { code: 'CASE_RECORD_FULL' },
      });
      // its timers still fire: the reminders of the next reassessment, three months after the last one
      const due = addMonths(d0, 3);
      await sleepUntil(env, addDays(due, -14));
      await eventually(() => expect(kindsOf(outbox, c.dossierId)).toContain(`REASSESSMENT_REMINDER@${due}`));
      expect((await stateOf(h)).timeline.last.map((e) => e.type)).toContain('REMINDER_SENT');
    });
  });
});
