/**
 * The access policy of the API, in one place (docs/domain.md "Role-based access"). Who may call a path at all is the
 * `@Roles` of each controller method (checked by the guard); what a caller may see or change among the records of
 * that path is decided here, for the parcours, the conventions, the tasks, the notifications and the reports alike.
 */
import { ProblemException } from '../common/problem';
import type { CaseAccess } from '../../workflows/shared/messages';
import type { Caller, Role } from './roles';

/** Roles that read every case (a référent reads only the cases assigned to them). */
export function readsEveryCase(caller: Caller): boolean {
  return caller.roles.includes('coordinator') || caller.roles.includes('supervisor');
}

/** Roles that change every case, and decide what only a coordinator decides (an eligibility derogation). */
export function changesEveryCase(caller: Caller): boolean {
  return caller.roles.includes('coordinator');
}

/** Is the caller the référent the case is assigned to? */
function followsCase(caller: Caller, referentId: string | null | undefined): boolean {
  return caller.roles.includes('referent') && referentId != null && referentId === caller.sub;
}

/** May the caller read the case followed by `referentId` (null: no référent yet)? */
export function mayReadCase(caller: Caller, referentId: string | null | undefined): boolean {
  return readsEveryCase(caller) || followsCase(caller, referentId);
}

/** May the caller change the case followed by `referentId`? */
export function mayChangeCase(caller: Caller, referentId: string | null | undefined): boolean {
  return changesEveryCase(caller) || followsCase(caller, referentId);
}

/**
 * What the caller may change, stamped on every update of a case (`UpdateMeta.access`): the workflow's validator
 * applies `mayChangeCase` with the case's référent, so the API sends the update without reading the case first.
 */
export function changeAccessOf(caller: Caller): CaseAccess {
  return { everyCase: changesEveryCase(caller), referentSub: caller.roles.includes('referent') ? caller.sub : null };
}

/** The 403 of a référent on a case followed by another (also the answer to the workflow's NotAssigned refusal). */
export function notAssigned(dossierId: string): ProblemException {
  return ProblemException.of(403, 'not-assigned', `Case ${dossierId} is followed by another référent: only its référent or a coordinator may access it.`, { dossierId });
}

/** 403 unless the caller may read the case. */
export function assertMayReadCase(caller: Caller, c: { dossierId: string; referentId: string | null }): void {
  if (!mayReadCase(caller, c.referentId)) throw notAssigned(c.dossierId);
}

/** 403 unless the caller may change the case. */
export function assertMayChangeCase(caller: Caller, c: { dossierId: string; referentId: string | null }): void {
  if (!mayChangeCase(caller, c.referentId)) throw notAssigned(c.dossierId);
}

/** 403 unless the caller may decide an eligibility derogation. */
export function assertMayDecideDerogation(caller: Caller): void {
  if (!changesEveryCase(caller)) throw ProblemException.of(403, 'forbidden-role', 'An eligibility derogation is decided by a coordinator.');
}

/**
 * 403 unless the caller may export everything the service holds about a child and family (GDPR art. 15, for the
 * family's request): the coordinator, who answers the family's requests.
 */
export function assertMayExportCase(caller: Caller): void {
  if (!changesEveryCase(caller)) throw ProblemException.of(403, 'forbidden-role', "A case's data are exported for the family by a coordinator.");
}

/**
 * The référent whose cases a case list holds: any (or the one asked for) for whoever reads every case; the caller's
 * own for a référent, who may not ask for another's (403).
 */
export function caseListReferent(caller: Caller, requested: string | undefined): string | undefined {
  if (readsEveryCase(caller)) return requested;
  if (requested && requested !== caller.sub) {
    throw ProblemException.of(403, 'not-assigned', 'A référent lists only their own cases: leave referentId out or use your own id.');
  }
  return caller.sub;
}

/**
 * Whose notifications a caller lists: whoever reads every case lists every one (or the recipient asked for); a
 * référent only those addressed to them, and only their own copy of each (403 for another recipient).
 */
export function notificationScope(caller: Caller, requested: string | undefined): { recipient: string | undefined; ownCopyOnly: boolean } {
  if (readsEveryCase(caller)) return { recipient: requested, ownCopyOnly: false };
  if (requested !== undefined && requested !== caller.sub) {
    throw ProblemException.of(403, 'forbidden', 'A référent can only list the notifications addressed to them.', { recipient: requested });
  }
  return { recipient: caller.sub, ownCopyOnly: true };
}

/** The task lists of a caller (`GET /me/tasks`): a référent their own cases, the coordinator the programme's, finance the funding. */
export function taskScopes(caller: Caller): { ownCases: boolean; coordination: boolean; funding: boolean } {
  return { ownCases: caller.roles.includes('referent'), coordination: caller.roles.includes('coordinator'), funding: caller.roles.includes('finance') };
}

/** Roles that read the aggregate reports (no child identifiable in them). */
export const REPORT_READERS: readonly Role[] = ['coordinator', 'finance', 'supervisor'];

/** Roles that read the conventions and their funding years (no personal data in them). */
export const CONVENTION_READERS: readonly Role[] = ['finance', 'supervisor'];

/** Roles that change the conventions and their funding years. */
export const CONVENTION_WRITERS: readonly Role[] = ['finance'];

/** Roles that record the EPS meetings (the coordinator chairs the EPS). */
export const TEAM_MEETING_WRITERS: readonly Role[] = ['coordinator'];

/** Roles that read the EPS meetings, the next one and its agenda. */
export const TEAM_MEETING_READERS: readonly Role[] = ['coordinator', 'supervisor'];

/** Roles that read a référent's caseload (a référent, their own only: `assertMayReadCaseload`). */
export const CASELOAD_READERS: readonly Role[] = ['coordinator', 'supervisor', 'referent'];

/** 403 unless the caller reads every case, or is the référent whose caseload it is. */
export function assertMayReadCaseload(caller: Caller, referentId: string): void {
  if (readsEveryCase(caller)) return;
  if (caller.roles.includes('referent') && caller.sub === referentId) return;
  throw ProblemException.of(403, 'not-assigned', "A référent reads their own caseload only: use your own id.", { referentId });
}
