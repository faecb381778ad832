/**
 * Activities whose notify step fails for some notifications, as a mail server that keeps refusing them would (a
 * transient 4xx: the activity is retried on its backoff, again and again). The others are recorded as usual.
 */
import type { NotificationRequest, NotifyResult } from '../../activities/notifications.types';

export function refusingMailServer<A extends { notify: (req: NotificationRequest) => Promise<NotifyResult> }>(
  activities: A,
  refuses: (req: NotificationRequest) => boolean,
): { activities: A; refused: NotificationRequest[] } {
  const refused: NotificationRequest[] = [];
  const notify = async (req: NotificationRequest): Promise<NotifyResult> => {
    if (refuses(req)) {
      refused.push(req);
      throw new Error('451 4.3.0 mail server busy, try again later');
    }
    return activities.notify(req);
  };
  return { activities: { ...activities, notify }, refused };
}
