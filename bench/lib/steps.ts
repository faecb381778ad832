/**
 * The requests that take one generated case from referral to closure through the API (API.md paths and example
 * bodies), each with its Idempotency-Key, the role that sends it and the timeline entry it must leave.
 */
import type { GeneratedCase } from './inputs';

export type StepName = 'referral' | 'consent' | 'teamReview' | 'action' | 'actionDone' | 'closure';

/** Every step in order; the update steps of the benchmark are the three in the middle. */
export const LIFECYCLE: StepName[] = ['referral', 'consent', 'teamReview', 'action', 'actionDone', 'closure'];

export interface StepRequest {
  name: StepName;
  method: 'POST' | 'PATCH' | 'PUT';
  path: string;
  body: Record<string, unknown>;
  /** Who sends it: the case's référent or a coordinator. */
  as: { sub: string; role: 'referent' | 'coordinator' };
  /** Status of a success. */
  expected: number;
  /** The timeline entry this request records (exactly once), tagged with its Idempotency-Key. */
  timelineType: string;
  idempotencyKey: string;
}

const COORDINATOR = { sub: 'u-coord-1', role: 'coordinator' as const };

/** The request of step `name` for a case (its dossierId and, after `action`, the action's id). */
export function stepRequest(c: GeneratedCase, name: StepName, ids: { dossierId?: string; actionId?: string } = {}): StepRequest {
  const referent = { sub: c.referentId, role: 'referent' as const };
  const key = `${c.keyPrefix}-${name}`;
  const base = `/parcours/${ids.dossierId ?? '-'}`;
  switch (name) {
    case 'referral':
      return { name, method: 'POST', path: '/parcours', body: c.referral, as: referent, expected: 201, timelineType: 'REFERRAL_RECEIVED', idempotencyKey: key };
    case 'consent':
      return { name, method: 'POST', path: `${base}/consent`, body: c.consent, as: referent, expected: 200, timelineType: 'CONSENT_RECORDED', idempotencyKey: key };
    case 'teamReview':
      return { name, method: 'POST', path: `${base}/team-reviews`, body: c.teamReview, as: COORDINATOR, expected: 200, timelineType: 'TEAM_REVIEW_RECORDED', idempotencyKey: key };
    case 'action':
      return { name, method: 'POST', path: `${base}/actions`, body: c.action, as: referent, expected: 201, timelineType: 'ACTION_SCHEDULED', idempotencyKey: key };
    case 'actionDone':
      return { name, method: 'PATCH', path: `${base}/actions/${ids.actionId ?? '-'}`, body: c.actionDone, as: referent, expected: 200, timelineType: 'ACTION_CHANGED', idempotencyKey: key };
    case 'closure':
      return { name, method: 'POST', path: `${base}/closure`, body: c.closure, as: COORDINATOR, expected: 200, timelineType: 'CLOSED', idempotencyKey: key };
  }
}

/**
 * The EPS meetings the generated team reviews name (`generateCase`: a meeting 2 days after a referral of 2 to 9 days
 * ago, so up to 7 days before `today`), to record through the API before the team reviews; a day already recorded
 * answers 409, which is fine.
 */
export function meetingRequests(today: string): Array<{ method: 'POST'; path: string; body: Record<string, unknown>; as: typeof COORDINATOR }> {
  return Array.from({ length: 8 }, (_, i) => {
    const meetingDate = new Date(Date.parse(`${today}T12:00:00Z`) - i * 86_400_000).toISOString().slice(0, 10);
    return { method: 'POST' as const, path: '/team-meetings', body: { meetingDate, attendees: [{ staffId: COORDINATOR.sub, role: 'coordinator' }], secrecyCharterRead: true }, as: COORDINATOR };
  });
}

/** The ids a step's answer gives the next steps (the dossierId of the referral, the id of the new action). */
export function idsFrom(name: StepName, body: any, ids: { dossierId?: string; actionId?: string }): { dossierId?: string; actionId?: string } {
  if (name === 'referral') return { ...ids, dossierId: body?.dossierId };
  if (name === 'action') {
    const actions: Array<{ id: string }> = body?.actions ?? [];
    return { ...ids, actionId: actions[actions.length - 1]?.id };
  }
  return ids;
}
