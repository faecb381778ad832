/**
 * The bounds of one case, so that it never outgrows Temporal (DOMAIN.md "Cases that never outgrow Temporal"): what a
 * case carries across continue-as-new is its record, its journal and its settings, and each is bounded — the record
 * by a byte budget checked before every change, the journal by the number of keys and timeline entries it carries
 * (workflows/shared/journal.ts). Together they keep the carried input of the worst case the API allows under
 * MAX_CARRIED_BYTES, well below Temporal's 2 MB payload limit. Pure: the workflow's validators call it.
 */
import { FailureType, failure } from '../shared/failures';
import { jsonBytes } from '../shared/journal';
import type { UpdateMeta } from '../shared/messages';
import type { ParcoursUpdateName } from './parcours.codes';
import type { ActionPatchInput, RectificationInput } from './parcours.inputs';
import type { ParcoursRecord } from './parcours.records';

/** What a case may carry across continue-as-new at most, whatever was recorded (UTF-8 JSON bytes). */
export const MAX_CARRIED_BYTES = 256 * 1024;

export const CASE_LIMITS = {
  /** The record (referral, consent, reviews, objectives, actions, reassessments, events, notes…) as UTF-8 JSON. */
  recordBytes: 120 * 1024,
  /** More room for the changes a case must always be able to record (life events, resumption, référent). */
  reserveBytes: 32 * 1024,
  /** Actions of a case, whatever their status. */
  actions: 100,
  /** Timeline entries carried across continue-as-new (the latest; the earlier ones are counted). */
  carriedTimelineEntries: 100,
} as const;

/**
 * Changes that may use the reserve: a safeguarding concern, a withdrawal or a lost family must be recorded, the family's
 * data corrected (GDPR art. 16).
 */
const ESSENTIAL: ReadonlySet<ParcoursUpdateName> = new Set<ParcoursUpdateName>(['recordLifeEvent', 'recordSafeguardingReport', 'resumeParcours', 'assignReferent', 'rectifyParcours']);

/** A closure is always recorded: the case is then held for its retention, never continued as new with its data. */
const UNBOUNDED: ReadonlySet<ParcoursUpdateName> = new Set<ParcoursUpdateName>(['closeParcours']);

/** What a change that adds a record adds besides its own fields (id, who and when). */
const RECORD_OVERHEAD_BYTES = 512;

/**
 * A change that adds at most this much is never refused for room: it replaces a bounded field (a référent, an
 * action's dates or status) or happens at most once per record already counted (an action done, a resumption).
 */
export const SMALL_CHANGE_BYTES = 128;

/** The fields of an update as the record keeps them (without what the API stamps). */
function fieldsOf(input: UpdateMeta): Record<string, unknown> {
  const { actor: _actor, at: _at, idempotencyKey: _key, requestFingerprint: _fp, ...fields } = input;
  return fields;
}

/** Bytes of an action's texts (what a change of an action may make longer). */
function actionTexts(a: { note?: string; motive?: string; provider?: string } | undefined): number {
  return jsonBytes([a?.note ?? '', a?.motive ?? '', a?.provider ?? '']);
}

/** At most how many bytes the change adds to the record. */
function growthOf(record: ParcoursRecord, update: ParcoursUpdateName, input: UpdateMeta): number {
  switch (update) {
    case 'assignReferent':
    case 'recordDataExport':
      // a référent replaces another; an export (GDPR art. 15) is a timeline entry only
      return 0;
    case 'rectifyParcours': {
      // the values given replace recorded ones (at most their length is added), plus the rectification's own record
      const i = input as RectificationInput;
      const guardians = i.guardians ? jsonBytes(i.guardians) - jsonBytes(record.guardians) : 0;
      return jsonBytes(i.child ?? {}) + guardians + jsonBytes(i.motive ?? '') + 256;
    }
    case 'changeAction': {
      const i = input as ActionPatchInput;
      const a = record.actions.find((x) => x.id === i.actionId);
      return actionTexts({ note: i.note ?? a?.note, motive: i.motive ?? a?.motive, provider: i.provider ?? a?.provider }) - actionTexts(a) + 48;
    }
    case 'resumeParcours':
    case 'recordSafeguardingReport':
      return jsonBytes(fieldsOf(input)) + 48;
    default:
      return jsonBytes(fieldsOf(input)) + RECORD_OVERHEAD_BYTES;
  }
}

/**
 * Refuses (422 `rule-violation`, code `CASE_RECORD_FULL` or `CASE_ACTIONS_FULL`) a change that would take the case
 * beyond its bounds: its record beyond `recordBytes` (an essential change: beyond `recordBytes + reserveBytes`), or
 * more than `actions` actions. A closure, and a change adding at most SMALL_CHANGE_BYTES, always pass.
 */
export function assertWithinLimits(record: ParcoursRecord, update: ParcoursUpdateName, input: UpdateMeta): void {
  if (UNBOUNDED.has(update)) return;
  if (update === 'scheduleAction' && record.actions.length >= CASE_LIMITS.actions) {
    throw failure(FailureType.RULE_VIOLATION, `The case already holds ${record.actions.length} actions, the most a case may hold (${CASE_LIMITS.actions}); close it and refer the child again to go on.`, {
      code: 'CASE_ACTIONS_FULL',
      limit: CASE_LIMITS.actions,
    });
  }
  const growth = growthOf(record, update, input);
  if (growth <= SMALL_CHANGE_BYTES) return;
  const limit = CASE_LIMITS.recordBytes + (ESSENTIAL.has(update) ? CASE_LIMITS.reserveBytes : 0);
  const bytes = jsonBytes(record) + growth;
  if (bytes > limit) {
    throw failure(
      FailureType.RULE_VIOLATION,
      `The case's record would reach ${Math.ceil(bytes / 1024)} kB, beyond the ${limit / 1024} kB a case may hold: shorten the notes of this change, or close the case and refer the child again.`,
      { code: 'CASE_RECORD_FULL', limitBytes: limit },
    );
  }
}
