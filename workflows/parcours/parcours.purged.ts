/**
 * The retention of a closed case (DOMAIN.md §5), inside its workflow: the case stays readable until its purge day
 * (last contact + 24 months), then its personal data leave it, and the last run — the "tombstone" — keeps only
 * what the yearly indicators and the API's 410 need.
 *
 * How the history ends up holding nothing readable about the child:
 * 1. on the purge day the case continues-as-new into the tombstone: the new run's input, memo and search attributes
 *    hold the dossierId, dates, codes and the anonymised `CaseFigures`, nothing else (no name, birth date, address,
 *    phone, free text, référent or PreChildKey);
 * 2. the retention schedule (retentionPurgeWorkflow) then deletes every earlier run of the case — the histories that
 *    carried the (encrypted) personal data — and signals `confirmErasure`, which marks the tombstone ERASED.
 * Deletion rather than destroying a per-case key: the codec of SDK 1.24 sees payloads without knowing their
 * workflow, so a per-case key would mean encrypting every personal field of every input, answer, query and failure
 * by hand, and managing one key per case forever; deleting the runs removes the ciphertext itself.
 *
 * Deterministic: relative imports only.
 */
import { condition, log, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import { frDate } from '../shared/calendar';
import { PRE_AGE_BAND, PRE_CLOSURE_REASON, PRE_PURGE_ON, PRE_QPV, PRE_REFERRED_ON, PRE_RETENTION, PRE_STAGE, searchAttributeDate } from '../shared/search-attributes';
import { confirmErasureSignal, getAnswerQuery, getClosingSummaryQuery, getStateQuery, getTimelineQuery, type PurgedCaseInput } from './parcours.contract';
import type { CaseFigures } from './parcours.figures';
import type { PurgedCaseRecord } from './parcours.records';

/**
 * The search attributes of a purged case: those the lists and reports filter on (stage, QPV, age band, closure,
 * referral date) and the retention's own. Given whole to continue-as-new, so nothing else is carried over
 * (PreChildKey, PreReferentId and the deadlines are left behind).
 */
export function purgedSearchAttributes(p: PurgedCaseRecord, f: CaseFigures): SearchAttributePair[] {
  return [
    { key: PRE_STAGE, value: 'CLOSED' },
    { key: PRE_QPV, value: f.qpv },
    { key: PRE_AGE_BAND, value: f.ageBand },
    { key: PRE_CLOSURE_REASON, value: p.closureReason },
    { key: PRE_REFERRED_ON, value: searchAttributeDate(f.referredOn) },
    { key: PRE_RETENTION, value: 'PURGED' },
    { key: PRE_PURGE_ON, value: searchAttributeDate(p.purgeOn) },
  ] as SearchAttributePair[];
}

function details(p: PurgedCaseRecord): string {
  const lines = [
    `**Dossier purgé** : données personnelles effacées le ${frDate(p.purgedAt.slice(0, 10))} (dernier contact le ${frDate(p.lastContactOn)} + ${p.retentionMonths} mois)`,
    `**Clôture** : ${p.closureReason} le ${frDate(p.closedOn)}`,
    p.erasure
      ? `**Historique** : ${p.erasure.runsDeleted} exécution(s) antérieure(s) supprimée(s) le ${frDate(p.erasure.at.slice(0, 10))}`
      : `**Historique** : exécutions antérieures à supprimer par la tâche de conservation`,
    'Seuls restent les chiffres anonymes des indicateurs.',
  ];
  return lines.join('\n\n');
}

/** The tombstone run: answers what remains, waits for the erasure to be confirmed, and never completes. */
export async function purgedCase(input: PurgedCaseInput): Promise<never> {
  let record: PurgedCaseRecord = input.purged;
  let version = 0;
  const workflowId = workflowInfo().workflowId;
  setHandler(getStateQuery, () => ({ dossierId: input.dossierId, workflowId, purged: record }));
  setHandler(getTimelineQuery, () => []);
  setHandler(getAnswerQuery, () => null);
  // every query of a case answers (no QueryNotRegistered): what remains is the state above and the memo's figures
  setHandler(getClosingSummaryQuery, () => null);
  setHandler(confirmErasureSignal, (e) => {
    if (record.erasure) return; // idempotent: the first confirmation stands
    record = { ...record, erasure: e };
    version += 1;
  });
  setCurrentDetails(details(record));
  log.info('retention: the case holds no personal data any more', { dossierId: input.dossierId, purgeOn: record.purgeOn });
  for (;;) {
    const seen = version;
    await condition(() => version !== seen);
    if (input.searchAttributes) upsertSearchAttributes([{ key: PRE_RETENTION, value: 'ERASED' }]);
    setCurrentDetails(details(record));
    log.info('retention: earlier runs deleted', { dossierId: input.dossierId, runsDeleted: record.erasure?.runsDeleted });
  }
}
