import { allHandlersFinished, condition, continueAsNew, getExternalWorkflowHandle, log, makeContinueAsNewFunc, patched, proxyActivities, setHandler, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import type { ActivityOptions, UpdateDefinition } from '@temporalio/common';
import type { Activities } from '../../activities/index';
import { instantOf, timerHourOf } from '../shared/calendar';
import { journaledUpdate } from '../shared/journal';
import { LongLivedLoop, Publisher } from '../shared/loop';
import { childRegistryId, releaseChildSignal } from '../registry/child-registry';
import { FailureType, failure } from '../shared/failures';
import type { CaseAccess, UpdateMeta } from '../shared/messages';
import { PRE_PURGE_ON, PRE_RETENTION, searchAttributeDate } from '../shared/search-attributes';
import { ui } from '../shared/ui-text';
import type { ParcoursNotificationKind, ParcoursUpdateName } from './parcours.codes';
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
  recordDataExportUpdate,
  recordDerogationUpdate,
  recordLifeEventUpdate,
  recordReassessmentUpdate,
  recordSafeguardingReportUpdate,
  recordTeamReviewUpdate,
  rectifyParcoursUpdate,
  renewParcoursUpdate,
  resumeParcoursUpdate,
  scheduleActionUpdate,
  suspendParcoursUpdate,
  type ContinuedParcoursInput,
  type ParcoursInput,
  type PurgedCaseInput,
} from './parcours.contract';
import { CASE_FIGURES_MEMO_KEY, caseFiguresOf } from './parcours.figures';
import { assertWithinLimits, CASE_LIMITS } from './parcours.limits';
import { NOTIFICATION_SUMMARIES } from './parcours.labels';
import { eligibilityOf } from './parcours.rules';
import { purgedCase, purgedSearchAttributes } from './parcours.purged';
import type { ParcoursClosingSummary, ParcoursView, PurgedCaseRecord } from './parcours.records';
import { ParcoursCase } from './parcours.state';

/** Eligibility: a quick pure check, retried a few seconds apart while the worker's dependencies recover. */
const ELIGIBILITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', backoffCoefficient: 2 },
};

const eligibility = proxyActivities<Activities>(ELIGIBILITY_OPTIONS);

/** Since 2026-12-08 a closing case releases its child's registry by an activity (any case: referred before the registry too). */
export const RELEASE_REGISTRY_PATCH = 'release-child-registry-by-activity';

/** The release of the child's registry: a quick call, a few attempts (a closed holder is replaced anyway). */
const REGISTRY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', backoffCoefficient: 2, maximumAttempts: 10 },
};

const registry = proxyActivities<Activities>(REGISTRY_OPTIONS);

/**
 * One child's parcours from referral to closure (DOMAIN.md §1). Every staff action is an update validated
 * synchronously against the stage and the rules; every deadline is a durable timer computed from business dates
 * and the settings of the input; the workflow continues-as-new after each reassessment cycle (or when Temporal
 * suggests it). Once closed, the case stays readable for its retention period (DOMAIN.md §5: 24 months after the
 * last contact), then continues-as-new into a run that holds no personal data (parcours.purged.ts).
 */
export async function parcoursWorkflow(input: ParcoursInput | ContinuedParcoursInput | PurgedCaseInput): Promise<ParcoursClosingSummary> {
  if (isPurgedInput(input)) return purgedCase(input);
  const c = new ParcoursCase(input, Date.now());
  // What continue-as-new carries stays bounded (parcours.limits.ts): no answer is carried, a repeated key gets the
  // case as it now stands; the latest timeline entries only.
  c.journal.bound({ rederive: (_key, now) => c.view(now), timelineEntries: CASE_LIMITS.carriedTimelineEntries });
  const settings = input.settings;
  const searchAttributesOn = settings.searchAttributes !== false;
  const publisher = new Publisher(searchAttributesOn);

  // Queries answer on a closed case too (the API reads closed cases through them).
  setHandler(getStateQuery, () => c.view(Date.now()));
  setHandler(getTimelineQuery, () => c.journal.timeline);
  let closingDone = false;
  setHandler(getClosingSummaryQuery, () => (closingDone ? c.closingSummary() : null));
  setHandler(getAnswerQuery, (key: string) => c.journal.answerOf(key, Date.now()));

  /**
   * The caller's access (stamped by the API from its access policy) against the case's référent: a référent changes
   * only the cases assigned to them (403), checked here so that the API sends the update without reading the case.
   */
  function authorize(access: CaseAccess | undefined): void {
    if (!access || access.everyCase) return;
    if (access.referentSub === null || access.referentSub !== c.record.referentId) {
      throw failure(FailureType.NOT_ASSIGNED, `Case ${input.dossierId} is followed by another référent: only its référent or a coordinator may access it.`, { dossierId: input.dossierId });
    }
  }

  /** Registers one staff update: access, idempotency, then the validator, then apply, publish, answer (remembered). */
  function staffUpdate<I extends UpdateMeta>(def: UpdateDefinition<ParcoursView, [I]>, name: ParcoursUpdateName, validate: (input: I) => void, apply: (input: I, nowMs: number) => void): void {
    const validateWithinLimits = (i: I): void => {
      validate(i);
      assertWithinLimits(c.record, name, i);
    };
    journaledUpdate(
      c.journal,
      def,
      name,
      validateWithinLimits,
      (i, now) => {
        apply(i, now);
        c.appliedThisRun += 1;
        c.touch();
        // one view for the figures and the answer
        const view = c.view(now);
        publish(now, view);
        return view;
      },
      undefined,
      (i) => authorize(i.access),
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
  staffUpdate(recordSafeguardingReportUpdate, 'recordSafeguardingReport', (i) => c.validateSafeguardingReport(i), (i, now) => c.applySafeguardingReport(i, now));
  staffUpdate(recordDerogationUpdate, 'recordDerogation', (i) => c.validateDerogation(i), (i, now) => c.applyDerogation(i, now));
  staffUpdate(closeParcoursUpdate, 'closeParcours', (i) => c.validateClosure(i), (i, now) => c.applyClosure(i, now));
  staffUpdate(assignReferentUpdate, 'assignReferent', (i) => c.validateReferent(i), (i, now) => c.applyReferent(i, now));
  // the family's rights: also on a closed case held for its retention
  staffUpdate(rectifyParcoursUpdate, 'rectifyParcours', (i) => c.validateRectification(i), (i, now) => c.applyRectification(i, now));
  staffUpdate(recordDataExportUpdate, 'recordDataExport', (i) => c.validateDataExport(i), (i, now) => c.applyDataExport(i, now));

  // The companion of update-with-start: no change of its own, it answers the first state once eligibility is checked.
  journaledUpdate(
    c.journal,
    createReferralUpdate,
    'createReferral',
    () => undefined,
    async () => {
      await condition(() => c.eligibilityChecked);
      return c.view(Date.now());
    },
  );

  /** Search attributes, current details and the yearly report's anonymised figures (in the memo), when changed. */
  function publish(now: number, view: ParcoursView = c.view(now)): void {
    publisher.publish({ searchAttributes: c.searchAttributes(now), details: c.currentDetails(now), memo: { [CASE_FIGURES_MEMO_KEY]: caseFiguresOf(view) } });
  }

  const loop = new LongLivedLoop(c, {
    publish,
    notificationSummary: (req) => `${NOTIFICATION_SUMMARIES[req.kind as ParcoursNotificationKind] ?? req.kind}${req.dueOn ? ` — échéance ${req.dueOn}` : ''}`,
  });

  if (!c.eligibilityChecked && input.eligibilityInWorkflow && input.referral) {
    // A pure rule on the input: decided in the first workflow task, which also answers the referral.
    const r = input.referral;
    const now = Date.now();
    const outcome = eligibilityOf({ birthDate: r.child.birthDate, referredOn: r.referredOn, qpv: r.child.qpv, eligibleQpvs: settings.eligibleQpvs, ruleVersion: settings.eligibilityRuleVersion });
    c.applyEligibility({ ...outcome, qpv: r.child.qpv, checkedAt: new Date(now).toISOString() }, r.derogation?.motive, now);
    c.fireDue(now);
  }
  publish(Date.now());
  if (!c.eligibilityChecked && input.referral) {
    // Cases referred before issue 17: the activity their histories hold.
    const r = input.referral;
    const outcome = await eligibility.checkEligibility.executeWithOptions(
      { ...ELIGIBILITY_OPTIONS, summary: ui(`Vérification d'éligibilité (âge, QPV)`) },
      [{ dossierId: input.dossierId, birthDate: r.child.birthDate, referredOn: r.referredOn, qpv: r.child.qpv, eligibleQpvs: settings.eligibleQpvs, ruleVersion: settings.eligibilityRuleVersion }],
    );
    const now = Date.now();
    c.applyEligibility(outcome, r.derogation?.motive, now);
    // A backdated referral: deadlines already past fire now, before the first answer is read.
    c.fireDue(now);
    publish(now);
  }

  await loop.runToEnd({ dossierId: input.dossierId, run: c.run }, () => continueAsNew<typeof parcoursWorkflow>(c.continuedInput(input)));
  closingDone = true;
  // The child may be referred again: its registry is released (gone already if another case replaced it), under the
  // child's fingerprint as it now stands (a rectified name or birth date moved it), by an activity (signal-with-start:
  // a registry the API claimed waits without a workflow task, which a plain signal would not end) — also by a case
  // referred before the registry, whose registry the API's backfill started. Patched: the histories closed before
  // signalled the registry (cases that claimed it) or did nothing.
  if (patched(RELEASE_REGISTRY_PATCH)) {
    await registry.releaseChildRegistry
      .executeWithOptions({ ...REGISTRY_OPTIONS, summary: ui('Libération du registre des doublons') }, [{ childKey: c.record.childKey, dossierId: input.dossierId }])
      .catch((err: unknown) => log.warn('child registry not released: a later referral replaces the closed holder', { dossierId: input.dossierId, error: err instanceof Error ? err.message : String(err) }));
  } else if (input.childRegistry) {
    await getExternalWorkflowHandle(childRegistryId(c.record.childKey))
      .signal(releaseChildSignal, { dossierId: input.dossierId })
      .catch(() => undefined);
  }

  // Retention: the closed case answers its queries (and refuses changes, 409) until its purge day.
  const retention = c.retention()!;
  if (searchAttributesOn) {
    upsertSearchAttributes([
      { key: PRE_RETENTION, value: 'HELD' },
      { key: PRE_PURGE_ON, value: searchAttributeDate(retention.purgeOn) },
    ]);
  }
  const purgeAtMs = instantOf(retention.purgeOn, timerHourOf(settings));
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
    memo: { [CASE_FIGURES_MEMO_KEY]: figures },
    ...(searchAttributesOn ? { typedSearchAttributes: purgedSearchAttributes(purged, figures) } : {}),
  })(next);
}
