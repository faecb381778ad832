import { Injectable } from '@nestjs/common';
import { decodeToken, Outbox, outboxPath } from '../../activities/outbox';
import type { NotificationRecord } from '../../activities/notifications.types';
import type { Caller } from '../auth/roles';
import { ProblemException } from '../common/problem';
import { AppConfig } from '../config/env';
import type { ListNotificationsQuery, NotificationListDto } from './dto/notifications.dto';

/** Reads the durable notification outbox the workers write (same PRE_DATA_DIR). */
@Injectable()
export class NotificationsService {
  private readonly outbox: Outbox;

  constructor(config: AppConfig) {
    this.outbox = new Outbox(outboxPath(config.dataDir));
  }

  /** Newest first. A référent (without a broader role) sees only what is addressed to them, and only their own copy. */
  list(q: ListNotificationsQuery, caller: Caller): NotificationListDto {
    const onlyOwn = !caller.roles.some((r) => r === 'coordinator' || r === 'supervisor');
    if (onlyOwn && q.recipient !== undefined && q.recipient !== caller.sub) {
      throw ProblemException.of(403, 'forbidden', 'A référent can only list the notifications addressed to them.', { recipient: q.recipient });
    }
    const pageToken = q.pageToken ?? q.nextPageToken;
    if (pageToken !== undefined) {
      try {
        decodeToken(pageToken);
      } catch {
        throw ProblemException.of(400, 'validation', 'The request is invalid: pageToken.', { errors: [{ field: 'pageToken', message: 'pageToken is not a token this list returned' }] });
      }
    }
    const page = this.outbox.query({
      recipient: onlyOwn ? caller.sub : q.recipient,
      kind: q.kind,
      dossierId: q.dossierId,
      conventionRef: q.conventionRef,
      pageSize: q.pageSize ?? 50,
      pageToken,
    });
    const items = page.items.map((r): NotificationRecord => (onlyOwn ? { ...r, deliveries: r.deliveries.filter((d) => d.recipient === caller.sub) } : r));
    return {
      items: items.map(({ deliveries, ...r }) => ({ ...r, deliveries: deliveries.map(({ leaseUntil: _lease, ...d }) => d) })),
      ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
    };
  }
}
