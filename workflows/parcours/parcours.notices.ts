/**
 * The notifications of a case, as the notify activity takes them: keyed `<workflowId>:<kind>:<dueOn>[:<suffix>]`
 * (recorded once, whatever the retries and replays), addressed to staff ids or roles, French, and without the
 * child's or the family's name: only the dossier id. Pure.
 */
import type { NotificationRequest } from '../../activities/notifications.types';
import type { IsoDate } from '../shared/calendar';
import type { ParcoursNotificationKind } from './parcours.codes';
import type { ParcoursRecord } from './parcours.records';

/** Distinct, non-empty staff ids or roles, in order. */
export function uniq(list: Array<string | null | undefined>): string[] {
  return [...new Set(list.filter((x): x is string => !!x))];
}

/** The référent, or the coordinator while the case has none. */
export function referentOrCoordinator(r: ParcoursRecord): string {
  return r.referentId ?? r.settings.coordinatorId;
}

/** One notification of the case. `suffix` tells apart several of a kind and date (the action, the event). */
export function caseNotice(
  r: ParcoursRecord,
  workflowId: string,
  n: { kind: ParcoursNotificationKind; dueOn: IsoDate; recipients: Array<string | null | undefined>; subject: string; body: string; suffix?: string },
): NotificationRequest {
  const id = r.dossierId;
  return {
    key: `${workflowId}:${n.kind}:${n.dueOn}${n.suffix ? `:${n.suffix}` : ''}`,
    kind: n.kind,
    recipients: uniq(n.recipients),
    subject: `${n.subject} — dossier ${id}`,
    body: `Dossier ${id}. ${n.body}`,
    dossierId: id,
    dueOn: n.dueOn,
  };
}
