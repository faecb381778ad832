import { createDigestActivities, type DigestDeps } from './digest.activities';
import { createNotificationActivities, type NotificationDeps } from './notifications';
import { createParcoursActivities, type ParcoursActivityDeps } from './parcours.activities';
import { createRetentionActivities, type RetentionDeps } from './retention.activities';

/** Everything activities need from the process that hosts them (the worker builds it from config). */
export type ActivityDeps = NotificationDeps & DigestDeps & ParcoursActivityDeps & RetentionDeps;

/** All activities of the project, as plain async functions (the worker registers this object). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createNotificationActivities(deps),
    ...createDigestActivities(deps),
    ...createParcoursActivities(deps),
    ...createRetentionActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
