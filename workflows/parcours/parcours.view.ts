/**
 * What a parcours shows (DOMAIN.md §1, §5): the answer of every update and query, the Temporal UI's current details
 * and search attributes, the retention of a closed case, the closing summary; and, for the API starting a case, its
 * first search attributes and static summary. Pure functions of the case's state: same state, same view.
 */
import type { SearchAttributePair, SearchAttributeUpdatePair } from '@temporalio/common';
import { addDays, addMonths, daysBetween, frDate, type IsoDate } from '../shared/calendar';
import {
  PRE_AGE_BAND,
  PRE_CHILD_KEY,
  PRE_CLOSURE_REASON,
  PRE_NEXT_DEADLINE,
  PRE_NEXT_DEADLINE_KIND,
  PRE_OVERDUE,
  PRE_QPV,
  PRE_REFERENT_ID,
  PRE_REFERRED_ON,
  PRE_STAGE,
  deadlineSearchAttributes,
  searchAttributeDate,
} from '../shared/search-attributes';
import type { CaseState } from './parcours.case';
import { ACTION_TYPES, type ActionType } from './parcours.codes';
import type { ParcoursInput } from './parcours.contract';
import type { ReferralInput } from './parcours.inputs';
import { DEFAULT_NOT_FOLLOWED_RETENTION_MONTHS, DEFAULT_RETENTION_MONTHS } from './parcours.inputs';
import { CLOSURE_LABELS, ORIENTEUR_LABELS, QPV_LABELS, STAGE_LABELS, UPDATE_LABELS, ageBandLabel } from './parcours.labels';
import type { ActionRecord, ParcoursClosingSummary, ParcoursRecord, ParcoursView, RetentionView } from './parcours.records';
import { ageBandOf, ageOn, schoolYearOf, type AgeBand } from './parcours.rules';

/** How many timeline entries the view embeds (the full list is the getTimeline query). */
const VIEW_TIMELINE_ENTRIES = 5;

/** The case as it now stands: a deep copy, so an answer never shares objects with the live state. */
export function caseView(c: CaseState, nowMs: number): ParcoursView {
  const { settings: _settings, childKey: _childKey, seq: _seq, ...data } = c.record;
  const deadlines = c.deadlines(nowMs);
  return JSON.parse(
    JSON.stringify({
      ...data,
      workflowId: c.workflowId,
      suspended: !!c.record.suspension,
      deadlines,
      nextDeadline: deadlines[0] ?? null,
      overdue: deadlines.some((d) => d.overdue),
      accepts: c.accepts().map((u) => UPDATE_LABELS[u]),
      timeline: c.journal.tail(VIEW_TIMELINE_ENTRIES),
      ...(c.record.closure ? { retention: retentionOf(c.record)! } : {}),
    }),
  ) as ParcoursView;
}

/** The case's search attributes now (none holds personal data; PreChildKey is a keyed hash). */
export function caseSearchAttributes(c: CaseState, nowMs: number): SearchAttributeUpdatePair[] {
  const r = c.record;
  const deadlines = c.deadlines(nowMs);
  return [
    { key: PRE_STAGE, value: r.stage },
    { key: PRE_QPV, value: r.child.qpv },
    { key: PRE_REFERENT_ID, value: r.referentId },
    ...deadlineSearchAttributes(deadlines[0] ?? null, deadlines.some((d) => d.overdue)),
    { key: PRE_AGE_BAND, value: r.ageBand },
    { key: PRE_CLOSURE_REASON, value: r.closure ? r.closure.reason : null },
    { key: PRE_CHILD_KEY, value: r.childKey },
    { key: PRE_REFERRED_ON, value: searchAttributeDate(r.referredOn) },
  ];
}

/** Markdown for the Temporal UI's current details: stage, next deadline, what it is (French, no personal data). */
export function caseDetails(c: CaseState, nowMs: number): string {
  const r = c.record;
  const deadlines = c.deadlines(nowMs);
  const next = deadlines[0];
  const lines = [`**Étape** : ${STAGE_LABELS[r.stage]}${r.suspension ? ` — suspendu depuis le ${frDate(r.suspension.startsOn)} (${r.suspension.reason})` : ''}`];
  if (r.closure) {
    const retention = retentionOf(r)!;
    lines.push(`**Clôture** : ${CLOSURE_LABELS[r.closure.reason].closed} le ${frDate(r.closure.closedOn)}`);
    lines.push(`**Conservation** : données personnelles purgées le ${frDate(retention.purgeOn)} (dernier contact + ${retention.retentionMonths} mois)`);
  } else if (next) lines.push(`**Prochaine échéance** : ${frDate(next.dueOn)} — ${next.label}${next.overdue ? ' (**en retard**)' : ''}`);
  if (r.pendingClosure) lines.push(`**Clôture prévue** : ${frDate(r.pendingClosure.dueOn)} (${r.pendingClosure.reason})`);
  const overdue = deadlines.filter((d) => d.overdue);
  if (overdue.length > 0) lines.push(`**En retard** : ${overdue.map((d) => `${d.label} (${frDate(d.dueOn)})`).join(' ; ')}`);
  lines.push(`**Référent** : ${r.referentId ?? 'non assigné'}`);
  if (r.plan && !r.closure) lines.push(`**Durée accordée** : ${r.plan.totalMonths} mois, jusqu'au ${frDate(r.plan.endsOn)}`);
  return lines.join('\n\n');
}

/**
 * A closed case's retention (DOMAIN.md §5): kept `retentionMonths` after the last contact — the day the family
 * became unreachable when it still was at closure (LOST_CONTACT), else the closure date. A referral that never became
 * a parcours (closed before any EPS validation: ineligible, no consent, refused, redirected, …) keeps its data a
 * shorter `notFollowedRetentionMonths`, never longer than a followed case. Null while open.
 */
export function retentionOf(r: ParcoursRecord): RetentionView | null {
  if (!r.closure) return null;
  const lastContactOn = r.unreachableSince && r.unreachableSince < r.closure.closedOn ? r.unreachableSince : r.closure.closedOn;
  const followedMonths = r.settings.retentionMonths ?? DEFAULT_RETENTION_MONTHS;
  const followed = r.plan !== null;
  const retentionMonths = followed ? followedMonths : Math.min(followedMonths, r.settings.notFollowedRetentionMonths ?? DEFAULT_NOT_FOLLOWED_RETENTION_MONTHS);
  return { lastContactOn, retentionMonths, purgeOn: addMonths(lastContactOn, retentionMonths), followed };
}

/** The closed case's anonymised figures for the yearly report (the query `getClosingSummary`). */
export function closingSummaryOf(r: ParcoursRecord): ParcoursClosingSummary {
  const c = r.closure!;
  const byType = (pred: (a: ActionRecord) => boolean) => {
    const out: Partial<Record<ActionType, number>> = {};
    for (const t of ACTION_TYPES) {
      const n = r.actions.filter((a) => a.type === t && pred(a)).length;
      if (n > 0) out[t] = n;
    }
    return out;
  };
  const decision = r.reviews.find((x) => x.decision !== 'MORE_INFO');
  return {
    dossierId: r.dossierId,
    qpv: r.child.qpv,
    ageOnReferral: r.ageOnReferral,
    ageBand: r.ageBand,
    sex: r.child.sex,
    referredOn: r.referredOn,
    orienteurType: r.orienteur.type,
    reasons: r.reasons,
    eligible: r.eligibility?.eligible ?? false,
    eligibilityRuleVersion: r.eligibility?.ruleVersion ?? null,
    derogations: r.derogations.map((d) => d.kind),
    consentOn: r.consent?.decision === 'GRANTED' ? r.consent.signedOn : null,
    teamDecisions: r.reviews.map((x) => ({ meetingDate: x.meetingDate, decision: x.decision })),
    decisionOn: decision?.meetingDate ?? null,
    validatedOn: r.plan?.validatedOn ?? null,
    actionsByType: byType((a) => a.status !== 'CANCELLED'),
    actionsDoneByType: byType((a) => a.status === 'DONE'),
    reassessments: r.reassessments.length,
    renewals: r.plan?.renewals.length ?? 0,
    grantedMonths: r.plan?.totalMonths ?? null,
    closureReason: c.reason,
    closedOn: c.closedOn,
    durationDays: daysBetween(r.referredOn, c.closedOn),
    activeDays: r.plan ? daysBetween(r.plan.validatedOn, c.closedOn) : null,
    referredSchoolYear: schoolYearOf(r.referredOn),
    closedSchoolYear: schoolYearOf(c.closedOn),
    ...(c.handedOverTo || c.redirectedTo ? { handedOverTo: c.handedOverTo ?? c.redirectedTo } : {}),
    ...(r.child.school?.level ? { schoolLevel: r.child.school.level } : {}),
    ...(r.child.school?.priorityEducation ? { priorityEducation: r.child.school.priorityEducation } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------
// For the API, when it starts a case
// ---------------------------------------------------------------------------------------------------------

/** Age band of the child on the referral date. */
export function ageBandForReferral(referral: Pick<ReferralInput, 'referredOn' | 'child'>): AgeBand {
  return ageBandOf(ageOn(referral.child.birthDate, referral.referredOn));
}

/** The Temporal UI's static summary, no personal data: `Parcours PRE · Grésilles · 6–10 ans · orienté par l'école`. */
export function staticSummaryFor(referral: Pick<ReferralInput, 'referredOn' | 'child' | 'orienteur'>): string {
  const qpv = QPV_LABELS[referral.child.qpv] ?? referral.child.qpv;
  const orienteur = ORIENTEUR_LABELS[referral.orienteur.type] ?? referral.orienteur.type;
  return `Parcours PRE · ${qpv} · ${ageBandLabel(ageBandForReferral(referral))} · orienté par ${orienteur}`;
}

/**
 * The search attributes to start a case with (`typedSearchAttributes` of the start options). The workflow
 * upserts them all again at each change; the duplicate check queries `PreChildKey = '<key>' AND PreStage != 'CLOSED'`.
 */
export function initialSearchAttributes(input: Pick<ParcoursInput, 'referral' | 'childKey' | 'referentId' | 'createdBy' | 'settings'>): SearchAttributePair[] {
  const referentId = input.referentId ?? (input.createdBy.role === 'referent' ? input.createdBy.sub : undefined);
  const expiry: IsoDate = addDays(input.referral.referredOn, input.settings.consentExpiryDays);
  const pairs: SearchAttributePair[] = [
    { key: PRE_STAGE, value: 'REFERRED' },
    { key: PRE_QPV, value: input.referral.child.qpv },
    { key: PRE_AGE_BAND, value: ageBandForReferral(input.referral) },
    { key: PRE_CHILD_KEY, value: input.childKey },
    { key: PRE_REFERRED_ON, value: searchAttributeDate(input.referral.referredOn) },
    { key: PRE_OVERDUE, value: false },
    { key: PRE_NEXT_DEADLINE_KIND, value: 'CONSENT_EXPIRY' },
    { key: PRE_NEXT_DEADLINE, value: searchAttributeDate(expiry) },
  ];
  if (referentId) pairs.push({ key: PRE_REFERENT_ID, value: referentId });
  return pairs;
}
