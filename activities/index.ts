import { createNotificationActivities, type NotificationDeps } from './notifications';

/** Everything activities need from the process that hosts them (the worker builds it from config). */
export type ActivityDeps = NotificationDeps;

/** All activities of the project, as plain async functions (the worker registers this object). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createNotificationActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
