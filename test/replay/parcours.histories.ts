/**
 * Records representative parcours histories (every run of a continue-as-new chain) as JSON files for the replay
 * test. Used by `test/replay/record-history.ts`; the recorded files are committed under `test/replay/histories/`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { historyToJSON } from './history-json';
import { changeActionUpdate, closeParcoursUpdate, confirmErasureSignal, getStateQuery, isPurgedView, recordLifeEventUpdate, recordReassessmentUpdate, renewParcoursUpdate, resumeParcoursUpdate, scheduleActionUpdate, suspendParcoursUpdate } from '../../workflows/parcours/parcours.contract';
import { testWorker, uniqueTaskQueue } from '../support/temporal';
import { activate, closingSummaryOf, COORD, meta, recordingActivities, REF, registerSearchAttributes, settle, sleepUntil, startCase, type StartedCase } from '../workflows/parcours.helpers';
import { addDays, addMonths } from '../../workflows/shared/calendar';

/** Writes every run of the case's chain as `<name>.run<N>.json`; returns the file names. */
async function writeChain(env: TestWorkflowEnvironment, c: StartedCase, name: string, dir: string): Promise<string[]> {
  const files: string[] = [];
  let runId: string | undefined = c.handle.firstExecutionRunId;
  for (let n = 1; runId; n += 1) {
    const history: Awaited<ReturnType<typeof c.handle.fetchHistory>> = await env.client.workflow.getHandle(c.handle.workflowId, runId).fetchHistory();
    const file = join(dir, `${name}.run${n}.json`);
    writeFileSync(file, historyToJSON(history));
    files.push(file);
    const events = history.events ?? [];
    const last = events[events.length - 1];
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return files;
}

/** Runs the representative cases on a time-skipping environment and writes their histories into `dir`. */
export async function recordParcoursHistories(env: TestWorkflowEnvironment, dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  await registerSearchAttributes(env).catch(() => undefined);
  const taskQueue = uniqueTaskQueue('record');
  const { activities } = recordingActivities();
  const worker = await testWorker(env, taskQueue, activities);
  const files: string[] = [];
  await worker.runUntil(async () => {
    // 1. Happy path: referral → consent → EPS → two actions → reminders → reassessment (continue-as-new) → renewal → closure.
    const happy = await startCase(env, taskQueue);
    const d0 = happy.input.referral.referredOn;
    await activate(happy);
    await happy.handle.executeUpdate(scheduleActionUpdate, { args: [{ ...meta(REF, 'h-a1'), type: 'SCHOOL_SUPPORT', provider: 'Association Lire et Faire Lire', startsOn: addDays(d0, 7), endsOn: addDays(d0, 60), frequency: 'WEEKLY', objectiveIds: ['o1'] }] });
    await happy.handle.executeUpdate(scheduleActionUpdate, { args: [{ ...meta(REF, 'h-a2'), type: 'SPORT', provider: 'ASPTT Dijon', startsOn: addDays(d0, 7), sessions: 10 }] });
    await sleepUntil(env, addDays(d0, 61));
    await happy.handle.executeUpdate(changeActionUpdate, { args: [{ ...meta(REF, 'h-done'), actionId: 'a1', status: 'DONE' }] });
    await sleepUntil(env, addDays(addMonths(d0, 3), -14));
    await happy.handle.executeUpdate(recordReassessmentUpdate, { args: [{ ...meta(REF, 'h-r1'), assessedOn: addDays(addMonths(d0, 3), -10), progress: [{ objectiveId: 'o1', level: 'PARTIAL' }], decision: 'CONTINUE' }] });
    await happy.handle.executeUpdate(suspendParcoursUpdate, { args: [{ ...meta(REF, 'h-s'), reason: 'SUMMER', startsOn: addMonths(d0, 3) }] });
    await happy.handle.executeUpdate(resumeParcoursUpdate, { args: [{ ...meta(REF, 'h-res'), resumedOn: addMonths(d0, 3) }] });
    await happy.handle.executeUpdate(renewParcoursUpdate, { args: [{ ...meta(COORD, 'h-ren'), meetingDate: addMonths(d0, 3), extensionMonths: 6 }] });
    await happy.handle.executeUpdate(closeParcoursUpdate, { args: [{ ...meta(COORD, 'h-close'), reason: 'OBJECTIVES_MET', closedOn: addMonths(d0, 4), summary: 'Objectifs atteints.' }] });
    await closingSummaryOf(env, happy.handle);
    files.push(...(await writeChain(env, happy, 'parcours-happy-path', dir)));

    // 2. No consent: reminder at J+15, closure NO_CONSENT at J+60.
    const expired = await startCase(env, taskQueue);
    await sleepUntil(env, addDays(expired.input.referral.referredOn, 60));
    await closingSummaryOf(env, expired.handle);
    files.push(...(await writeChain(env, expired, 'parcours-consent-expiry', dir)));

    // 3. Consent withdrawn while active: actions stopped, providers notified, closure after 15 days.
    const withdrawn = await startCase(env, taskQueue);
    const w0 = withdrawn.input.referral.referredOn;
    await activate(withdrawn);
    await withdrawn.handle.executeUpdate(scheduleActionUpdate, { args: [{ ...meta(REF), type: 'CULTURE', provider: 'Musée des Beaux-Arts', startsOn: addDays(w0, 3), sessions: 4 }] });
    await withdrawn.handle.executeUpdate(recordLifeEventUpdate, { args: [{ ...meta(REF), type: 'CONSENT_WITHDRAWN', occurredOn: addDays(w0, 1) }] });
    await sleepUntil(env, addDays(w0, 16));
    await closingSummaryOf(env, withdrawn.handle);
    files.push(...(await writeChain(env, withdrawn, 'parcours-consent-withdrawn', dir)));

    // 4. Ineligible referral (outside the QPV list): closed at once.
    const ineligible = await startCase(env, taskQueue, { referral: { child: { ...happy.input.referral.child, qpv: 'OTHER' } } });
    await closingSummaryOf(env, ineligible.handle);
    await settle(ineligible.handle);
    files.push(...(await writeChain(env, ineligible, 'parcours-ineligible', dir)));
  });
  return files;
}

/** Runs `body` on one case started on a worker of its own (its chain then written by `body`). */
async function recordOneCase(env: TestWorkflowEnvironment, dir: string, body: (c: StartedCase) => Promise<string[]>): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  await registerSearchAttributes(env).catch(() => undefined);
  const taskQueue = uniqueTaskQueue('record');
  const { activities } = recordingActivities();
  const worker = await testWorker(env, taskQueue, activities);
  return worker.runUntil(async () => body(await startCase(env, taskQueue)));
}

/**
 * Records the retention path (DOMAIN.md §5) as `parcours-retention.run<N>.json`: a case closed, held 24 months,
 * purged (continue-as-new into the tombstone), then confirmed erased as the retention schedule does.
 */
export async function recordRetentionHistory(env: TestWorkflowEnvironment, dir: string): Promise<string[]> {
  return recordOneCase(env, dir, async (c) => {
    const d0 = c.input.referral.referredOn;
    await c.handle.executeUpdate(closeParcoursUpdate, { args: [{ ...meta(COORD, 'r-close'), reason: 'OTHER', motive: 'Départ', closedOn: d0, summary: 'Fin du suivi.' }] });
    await closingSummaryOf(env, c.handle);
    await sleepUntil(env, addMonths(d0, 24), 2);
    const purged = await c.handle.query(getStateQuery);
    if (!isPurgedView(purged)) throw new Error('the case was not purged');
    await env.client.workflow.getHandle(c.handle.workflowId).signal(confirmErasureSignal, { runsDeleted: 1, at: new Date().toISOString(), by: 'record-history' });
    await settle(c.handle);
    return writeChain(env, c, 'parcours-retention', dir);
  });
}

/**
 * Records a case whose notifications are recorded by local activities (issue 17, patch `notify-by-local-activity`) as
 * `parcours-local-notify.run<N>.json`: referral acknowledged in the first workflow task, J+15 reminder, automatic
 * closure at J+60 without consent, then the registry released by its activity. Kept beside the histories recorded
 * before, which ran `notify` as an activity.
 */
export async function recordLocalNotifyHistory(env: TestWorkflowEnvironment, dir: string): Promise<string[]> {
  return recordOneCase(env, dir, async (c) => {
    await sleepUntil(env, addDays(c.input.referral.referredOn, 60));
    await closingSummaryOf(env, c.handle);
    await settle(c.handle);
    return writeChain(env, c, 'parcours-local-notify', dir);
  });
}

