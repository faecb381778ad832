/**
 * Records representative convention histories (the convention, each of its years, every run of a continue-as-new
 * chain) as JSON files for the replay test (`test/replay/replay.spec.ts` replays every file of histories/). Used by
 * `test/replay/record-convention-history.ts`; the recorded files are committed under `test/replay/histories/`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { fundingYearWorkflowId, recordAuthorisationUpdate, recordDeliberationUpdate, recordFinancialReportUpdate, recordPaymentUpdate, recordPublicationUpdate, recordRequestUpdate, recordSignatureUpdate, recordTransmissionUpdate } from '../../workflows/convention/convention.contract';
import { testWorker, uniqueTaskQueue } from '../support/temporal';
import { historyToJSON } from './history-json';
import { bringIntoEffect, eventually, meta, recordingActivities, registerSearchAttributes, seedSession, sleepUntil, startConvention, today, yearHandle } from '../workflows/convention.helpers';
import { addDays } from '../../workflows/shared/calendar';

/** Writes every run of a workflow's chain (walked back from the latest run) as `<name>.json` or `<name>.run<N>.json`. */
async function writeChain(env: TestWorkflowEnvironment, workflowId: string, name: string, dir: string): Promise<string[]> {
  const histories = [];
  let runId: string | undefined;
  for (;;) {
    const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    histories.unshift(history);
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
    if (!runId) break;
  }
  return histories.map((h, i) => {
    const file = join(dir, histories.length === 1 ? `${name}.json` : `${name}.run${i + 1}.json`);
    writeFileSync(file, historyToJSON(h));
    return file;
  });
}

/** Runs the representative conventions on a time-skipping environment and writes their histories into `dir`. */
export async function recordConventionHistories(env: TestWorkflowEnvironment, dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  await registerSearchAttributes(env).catch(() => undefined);
  const taskQueue = uniqueTaskQueue('record-convention');
  const { activities } = recordingActivities();
  const worker = await testWorker(env, taskQueue, activities);
  const files: string[] = [];
  await worker.runUntil(async () => {
    // 1. Two years, from a session without quorum to completion, with every kind of reminder on the way.
    const on = await today(env);
    const Y = Number(on.slice(0, 4)) + 1;
    const c = await startConvention(env, taskQueue, [Y, Y + 1]);
    const thin = seedSession(addDays(on, -10), { present: seedSession(on).present.filter((n) => n !== 'Mme VIAN'), receiptYear: Y });
    await c.handle.executeUpdate(recordDeliberationUpdate, { args: [{ ...meta('r-d1'), ...thin }] });
    await c.handle.executeUpdate(recordDeliberationUpdate, { args: [{ ...meta('r-d2'), ...seedSession(addDays(on, -2), { receiptYear: Y }) }] });
    await c.handle.executeUpdate(recordPublicationUpdate, { args: [{ ...meta('r-pub'), publishedOn: on }] });
    await c.handle.executeUpdate(recordTransmissionUpdate, { args: [{ ...meta('r-tr'), transmittedOn: on, acknowledgementRef: '021-262100016-D-DE' }] });
    await c.handle.executeUpdate(recordSignatureUpdate, { args: [{ ...meta('r-s1'), party: 'STATE', signatory: 'Le préfet', signedOn: on }] });
    await sleepUntil(env, addDays(on, 16)); // signature reminder
    await c.handle.executeUpdate(recordSignatureUpdate, { args: [{ ...meta('r-s2'), party: 'BENEFICIARY', signatory: 'M. HOAREAU', signedOn: addDays(on, 16) }] });
    const y1 = yearHandle(env, c.ref, Y);
    const y2 = yearHandle(env, c.ref, Y + 1);
    await sleepUntil(env, `${Y}-02-01`); // the first year's request reminder and escalation
    await y1.executeUpdate(recordRequestUpdate, { args: [{ ...meta('r-y1-req'), sentOn: `${Y}-02-02` }] });
    await y1.executeUpdate(recordPaymentUpdate, { args: [{ ...meta('r-y1-p1'), reference: `VIR-${Y}-0001`, receivedOn: `${Y}-03-15`, amountCents: 10000000 }] });
    await y2.executeUpdate(recordAuthorisationUpdate, { args: [{ ...meta('r-y2-auth'), awardNotice: `Arrêté ${Y + 1}-0142`, notifiedOn: `${Y}-12-14` }] });
    await sleepUntil(env, addDays(`${Y + 1}-06-30`, 60)); // report reminders, escalation, payment at risk; year 2's request reminders
    await y1.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta('r-y1-crf1'), status: 'SUBMITTED', on: addDays(`${Y + 1}-06-30`, 61), spentCents: 19850000 }] });
    await y1.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta('r-y1-ret'), status: 'RETURNED', on: addDays(`${Y + 1}-06-30`, 65), comment: 'Annexe manquante' }] });
    await y1.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta('r-y1-crf2'), status: 'SUBMITTED', on: addDays(`${Y + 1}-06-30`, 70), spentCents: 19850000 }] });
    await y1.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta('r-y1-acc'), status: 'ACCEPTED', on: addDays(`${Y + 1}-06-30`, 75) }] });
    await y1.executeUpdate(recordPaymentUpdate, { args: [{ ...meta('r-y1-p2'), reference: `VIR-${Y + 1}-0009`, receivedOn: addDays(`${Y + 1}-06-30`, 80), amountCents: 10000000 }] });
    await y1.result();
    await y2.executeUpdate(recordRequestUpdate, { args: [{ ...meta('r-y2-req'), sentOn: `${Y + 1}-01-20` }] });
    await y2.executeUpdate(recordPaymentUpdate, { args: [{ ...meta('r-y2-p1'), reference: `VIR-${Y + 1}-0001`, receivedOn: `${Y + 1}-03-15`, amountCents: 10000000 }] });
    await y2.executeUpdate(recordPaymentUpdate, { args: [{ ...meta('r-y2-p2'), reference: `VIR-${Y + 1}-0002`, receivedOn: `${Y + 1}-10-15`, amountCents: 10000000 }] });
    await y2.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta('r-y2-crf'), status: 'SUBMITTED', on: `${Y + 2}-05-10`, spentCents: 20000000 }] });
    await y2.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta('r-y2-acc'), status: 'ACCEPTED', on: `${Y + 2}-06-01` }] });
    await y2.result();
    await c.handle.result();
    files.push(...(await writeChain(env, c.handle.workflowId, 'convention-two-years', dir)));
    files.push(...(await writeChain(env, fundingYearWorkflowId(c.ref, Y), 'convention-two-years-first-year', dir)));
    files.push(...(await writeChain(env, fundingYearWorkflowId(c.ref, Y + 1), 'convention-two-years-second-year', dir)));

    // 2. Continue-as-new every 2 updates: the convention and its year each run as a chain, and the year closes.
    const can = await startConvention(env, taskQueue, [Y + 3], { continueAsNewAfterUpdates: 2 });
    await bringIntoEffect(can, await today(env));
    const y = yearHandle(env, can.ref, Y + 3);
    await y.executeUpdate(recordRequestUpdate, { args: [{ ...meta('r-c-req'), sentOn: `${Y + 3}-01-20` }] });
    const yearRun = (await y.describe()).runId;
    await y.executeUpdate(recordPaymentUpdate, { args: [{ ...meta('r-c-p1'), reference: `VIR-${Y + 3}-0001`, receivedOn: `${Y + 3}-03-15`, amountCents: 20000000 }] });
    await eventually(async () => {
      if ((await y.describe()).runId === yearRun) throw new Error('the year has not continued as new yet');
    });
    await y.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta('r-c-crf'), status: 'SUBMITTED', on: `${Y + 4}-05-10`, spentCents: 20000000 }] });
    await y.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta('r-c-acc'), status: 'ACCEPTED', on: `${Y + 4}-06-01` }] });
    await can.handle.result();
    files.push(...(await writeChain(env, can.handle.workflowId, 'convention-continue-as-new', dir)));
    files.push(...(await writeChain(env, fundingYearWorkflowId(can.ref, Y + 3), 'convention-continue-as-new-year', dir)));
  });
  return files;
}
