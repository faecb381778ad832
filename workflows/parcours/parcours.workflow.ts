import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  makeContinueAsNewFunc,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ActivityOptions, UpdateDefinition } from '@temporalio/common';
import type { Activities } from '../../activities/index';
import type { NotificationRequest } from '../../activities/notifications.types';
import {
  assignReferentUpdate,
  changeActionUpdate,
  closeParcoursUpdate,
  createReferralUpdate,
  getAnswerQuery,
  getClosingSummaryQuery,
  getStateQuery,
  getTimelineQuery,
  isPurgedInput,
  recordConsentUpdate,
  recordDerogationUpdate,
  recordLifeEventUpdate,
  recordReassessmentUpdate,
  recordTeamReviewUpdate,
  renewParcoursUpdate,
  resumeParcoursUpdate,
  scheduleActionUpdate,
  suspendParcoursUpdate,
  type ParcoursClosingSummary,
  type ParcoursInput,
  type ParcoursNotificationKind,
  type ParcoursUpdateName,
  type ParcoursView,
  type PurgedCaseInput,
  type PurgedCaseRecord,
  type UpdateMeta,
  searchAttributeDate,
} from './parcours.contract';
import { caseFiguresOf } from './parcours.figures';
import { purgedCase, purgedSearchAttributes } from './parcours.purged';
import { instantOf } from './parcours.rules';
import { PRE_PURGE_ON, PRE_RETENTION } from '../shared/search-attributes';
import { NOTIFICATION_SUMMARIES, ParcoursCase } from './parcours.state';
import { ui } from '../shared/ui-text';
import { NOTIFY_OPTIONS, waitForWake } from '../shared/loop';

const acts = proxyActivities<Activities>(NOTIFY_OPTIONS);

/** Eligibility: a quick pure check, retried a few seconds apart while the worker's dependencies recover. */
const ELIGIBILITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', backoffCoefficient: 2 },
};

/**
 * One child's parcours from referral to closure (DOMAIN.md §1). Every staff action is an update validated
 * synchronously against the stage and the rules; every deadline is a durable timer computed from business dates
 * and the settings of the input; the workflow continues-as-new after each reassessment cycle (or when Temporal
 * suggests it). Once closed, the case stays readable for its retention period (DOMAIN.md §5: 24 months after the
 * last contact), then continues-as-new into a run that holds no personal data (parcours.purged.ts).
 * Cases closed before the retention rule existed completed at closure with the closing summary.
 */
export async function parcoursWorkflow(input: ParcoursInput | PurgedCaseInput): Promise<ParcoursClosingSummary> {
  if (isPurgedInput(input)) return purgedCase(input);
  const c = new ParcoursCase(input, Date.now());
  const settings = input.settings;
  const searchAttributesOn = settings.searchAttributes !== false;

  // Queries answer on a completed workflow too (the API reads closed cases through them).
  setHandler(getStateQuery, () => c.view(Date.now()));
  setHandler(getTimelineQuery, () => c.timeline);
  let closingDone = false;
  setHandler(getClosingSummaryQuery, () => (closingDone ? c.closingSummary() : null));
  setHandler(getAnswerQuery, (key: string) => c.idempotency.find((e) => e.key === key)?.answer ?? null);

  /** Registers one staff update: idempotency first, then the validator, then apply + remember the answer. */
  function staffUpdate<I extends UpdateMeta>(
    def: UpdateDefinition<ParcoursView, [I]>,
    name: ParcoursUpdateName,
    validate: (input: I) => void,
    apply: (input: I, nowMs: number) => void,
  ): void {
    setHandler(
      def,
      (i: I): ParcoursView => {
        const replay = c.replayOf(name, i.idempotencyKey);
        if (replay) return replay;
        const now = Date.now();
        apply(i, now);
        c.appliedThisRun += 1;
        c.touch();
        publish(now);
        const answer = c.view(now);
        c.remember(name, i.idempotencyKey, answer);
        return answer;
      },
      {
        validator: (i: I): void => {
          if (c.replayOf(name, i.idempotencyKey)) return;
          validate(i);
        },
      },
    );
  }

  staffUpdate(recordConsentUpdate, 'recordConsent', (i) => c.validateConsent(i), (i, now) => c.applyConsent(i, now));
  staffUpdate(recordTeamReviewUpdate, 'recordTeamReview', (i) => c.validateTeamReview(i), (i, now) => c.applyTeamReview(i, now));
  staffUpdate(scheduleActionUpdate, 'scheduleAction', (i) => c.validateAction(i), (i, now) => c.applyAction(i, now));
  staffUpdate(changeActionUpdate, 'changeAction', (i) => c.validateActionPatch(i), (i, now) => c.applyActionPatch(i, now));
  staffUpdate(recordReassessmentUpdate, 'recordReassessment', (i) => c.validateReassessment(i), (i, now) => c.applyReassessment(i, now));
  staffUpdate(renewParcoursUpdate, 'renewParcours', (i) => c.validateRenewal(i), (i, now) => c.applyRenewal(i, now));
  staffUpdate(suspendParcoursUpdate, 'suspendParcours', (i) => c.validateSuspension(i), (i, now) => c.applySuspension(i, now));
  staffUpdate(resumeParcoursUpdate, 'resumeParcours', (i) => c.validateResumption(i), (i, now) => c.applyResumption(i, now));
  staffUpdate(recordLifeEventUpdate, 'recordLifeEvent', (i) => c.validateLifeEvent(i), (i, now) => c.applyLifeEvent(i, now));
  staffUpdate(recordDerogationUpdate, 'recordDerogation', (i) => c.validateDerogation(i), (i, now) => c.applyDerogation(i, now));
  staffUpdate(closeParcoursUpdate, 'closeParcours', (i) => c.validateClosure(i), (i, now) => c.applyClosure(i, now));
  staffUpdate(assignReferentUpdate, 'assignReferent', (i) => c.validateReferent(i), (i, now) => c.applyReferent(i, now));

  // The companion of update-with-start: no change of its own, it answers the first validated state.
  setHandler(createReferralUpdate, async (i) => {
    const replay = c.replayOf('createReferral', i.idempotencyKey);
    if (replay) return replay;
    await condition(() => c.eligibilityChecked);
    const answer = c.view(Date.now());
    c.remember('createReferral', i.idempotencyKey, answer);
    return answer;
  });

  let lastFigures: string | undefined;

  /** Search attributes, current details and the report's figures, after every change. */
  function publish(now: number): void {
    if (searchAttributesOn) {
      const pairs = c.searchAttributeChanges(now);
      if (pairs) upsertSearchAttributes(pairs);
    }
    setCurrentDetails(c.currentDetails(now));
    // The anonymised figures of the yearly report ride in the memo, so one visibility listing computes a
    // year. Patched: histories recorded before the memo existed replay without it.
    if (patched('pre-figures-memo')) {
      const figures = JSON.stringify(caseFiguresOf(c.view(now)));
      if (figures !== lastFigures) {
        upsertMemo({ figures: JSON.parse(figures) as unknown });
        lastFigures = figures;
      }
    }
  }

  const notifyOnce = (req: NotificationRequest) =>
    acts.notify.executeWithOptions(
      { ...NOTIFY_OPTIONS, summary: ui(`${NOTIFICATION_SUMMARIES[req.kind as ParcoursNotificationKind] ?? req.kind}${req.dueOn ? ` — échéance ${req.dueOn}` : ''}`) },
      [req],
    );

  /**
   * Each decided notification is recorded by its own activity, all at once and without holding the case: one the
   * mail server keeps refusing (retried for as long as it takes) neither delays the next ones — an urgent
   * safeguarding escalation above all — nor the case's timers. Histories recorded before this (no
   * `pre-concurrent-notify` marker) recorded them one after the other, holding the case meanwhile.
   */
  const concurrentNotify = patched('pre-concurrent-notify');
  const inFlight = new Set<string>();
  /** Notifications decided and not yet handed to an activity. */
  const undelivered = () => c.outbox.some((r) => !inFlight.has(r.key));

  /** Hands every decided notification to the idempotent activity (sequentially on older histories). */
  async function drainOutbox(): Promise<void> {
    if (!concurrentNotify) {
      while (c.outbox.length > 0) {
        await notifyOnce(c.outbox[0]);
        c.outbox.shift();
      }
      return;
    }
    for (const req of c.outbox) {
      if (inFlight.has(req.key)) continue;
      inFlight.add(req.key);
      void notifyOnce(req).then(() => {
        inFlight.delete(req.key);
        const i = c.outbox.findIndex((r) => r.key === req.key);
        if (i >= 0) c.outbox.splice(i, 1);
      });
    }
  }

  /** Until every decided notification is recorded (before continuing-as-new and at closure). */
  async function allNotified(): Promise<void> {
    await drainOutbox();
    await condition(() => c.outbox.length === 0);
  }

  publish(Date.now());

  if (!c.eligibilityChecked) {
    const r = input.referral;
    const outcome = await acts.checkEligibility.executeWithOptions(
      { ...ELIGIBILITY_OPTIONS, summary: ui(`Vérification d'éligibilité (âge, QPV)`) },
      [{ dossierId: input.dossierId, birthDate: r.child.birthDate, referredOn: r.referredOn, qpv: r.child.qpv, eligibleQpvs: settings.eligibleQpvs, ruleVersion: settings.eligibilityRuleVersion }],
    );
    const now = Date.now();
    c.applyEligibility(outcome, r.derogation?.motive, now);
    // A backdated referral: deadlines already past fire now, before the first answer is read.
    c.fireDue(now);
    publish(now);
  }

  for (;;) {
    await drainOutbox();
    if (c.closed) break;
    const now = Date.now();
    if (c.fireDue(now) > 0) {
      publish(now);
      continue;
    }
    const tooLong = workflowInfo().continueAsNewSuggested;
    const forced = (settings.continueAsNewAfterUpdates ?? 0) > 0 && c.appliedThisRun >= settings.continueAsNewAfterUpdates!;
    if (tooLong || forced || c.cycleCompleted) {
      await condition(allHandlersFinished);
      if (concurrentNotify) await allNotified();
      // Updates applied while waiting may have queued notifications or closed the case: go round again.
      if (c.closed || c.outbox.length > 0) continue;
      log.info('continuing as new', { dossierId: input.dossierId, run: c.run, reason: tooLong ? 'history' : forced ? 'forced' : 'reassessment cycle' });
      return continueAsNew<typeof parcoursWorkflow>({ ...input, carried: c.carry() });
    }
    const wake = c.nextWake(now);
    const version = c.version;
    const woken = () => c.version !== version || undelivered() || workflowInfo().continueAsNewSuggested;
    await waitForWake(wake, now, woken, (at) => {
      c.fireDue(at);
      publish(at);
    });
  }

  publish(Date.now());
  await condition(allHandlersFinished);
  if (concurrentNotify) await allNotified();
  else await drainOutbox();
  closingDone = true;
  // Histories recorded before the retention rule completed here.
  if (!patched('pre-retention-hold')) return c.closingSummary();

  // Retention: the closed case answers its queries (and refuses changes, 409) until its purge day.
  const retention = c.retention()!;
  if (searchAttributesOn) {
    upsertSearchAttributes([
      { key: PRE_RETENTION, value: 'HELD' },
      { key: PRE_PURGE_ON, value: searchAttributeDate(retention.purgeOn) },
    ]);
  }
  const purgeAtMs = instantOf(retention.purgeOn);
  while (Date.now() < purgeAtMs) {
    await sleep(purgeAtMs - Date.now(), { summary: ui(`Purge des données personnelles (conservation jusqu'au ${retention.purgeOn})`) });
  }
  await condition(allHandlersFinished);
  const now = Date.now();
  const last = c.view(now);
  const figures = caseFiguresOf(last);
  const closure = last.closure!;
  const purged: PurgedCaseRecord = {
    dossierId: input.dossierId,
    closedOn: closure.closedOn,
    closureReason: closure.reason,
    ...retention,
    purgedAt: new Date(now).toISOString(),
    erasure: null,
  };
  log.info('retention: purging the personal data of the case', { dossierId: input.dossierId, purgeOn: retention.purgeOn, run: c.run });
  const next: PurgedCaseInput = { dossierId: input.dossierId, purged, figures, searchAttributes: searchAttributesOn };
  // memo and search attributes given whole: nothing of the case's own (PreChildKey, référent, deadlines) is carried over
  return makeContinueAsNewFunc<typeof parcoursWorkflow>({
    memo: { figures },
    ...(searchAttributesOn ? { typedSearchAttributes: purgedSearchAttributes(purged, figures) } : {}),
  })(next);
}
