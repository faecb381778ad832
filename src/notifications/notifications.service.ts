import { Injectable } from '@nestjs/common';
import { Outbox, outboxPath } from '../../activities/outbox';
import type { NotificationDelivery, NotificationRecord, NotificationRequest } from '../../activities/notifications.types';
import { notificationScope } from '../auth/access-policy';
import type { Caller } from '../auth/roles';
import { PageTokens } from '../common/page-token';
import { AppConfig } from '../config/env';
import { StaffDirectory } from '../staff/staff-directory';
import type { ListNotificationsQuery, NotificationListDto } from './dto/notifications.dto';

/** Reads the durable notification outbox the workers write (same PRE_DATA_DIR), and records the API's own notices. */
@Injectable()
export class NotificationsService {
  private readonly outbox: Outbox;
  private readonly pages: PageTokens;
  private readonly staff: StaffDirectory;

  constructor(config: AppConfig) {
    this.outbox = new Outbox(outboxPath(config.dataDir));
    this.pages = new PageTokens(config.childKeySecret);
    this.staff = new StaffDirectory(config);
  }

  /** Newest first. A référent (without a broader role) sees only what is addressed to them, and only their own copy. */
  list(q: ListNotificationsQuery, caller: Caller): NotificationListDto {
    const scope = notificationScope(caller, q.recipient);
    const filter = { recipient: scope.recipient, kind: q.kind, dossierId: q.dossierId, conventionRef: q.conventionRef };
    const list = `notifications\u0000${caller.sub}\u0000${JSON.stringify(filter)}`;
    const pageToken = q.pageToken ?? q.nextPageToken;
    const page = this.outbox.query({ ...filter, pageSize: q.pageSize ?? 50, pageToken: pageToken === undefined ? undefined : this.pages.openText(pageToken, list) });
    const items = page.items.map((r): NotificationRecord => (scope.ownCopyOnly ? { ...r, deliveries: r.deliveries.filter((d) => d.recipient === caller.sub) } : r));
    return {
      items: items.map(({ deliveries, ...r }) => ({ ...r, deliveries: deliveries.map(({ leaseUntil: _lease, ...d }) => d) })),
      ...(page.nextPageToken ? { nextPageToken: this.pages.seal(page.nextPageToken, list) } : {}),
    };
  }

  /**
   * Every notification recorded about one case, oldest first (the family's access export, GDPR art. 15): what was
   * decided and to whom, without the delivery details (addresses, SMTP ids).
   */
  ofDossier(dossierId: string): Array<Pick<NotificationRecord, 'kind' | 'createdAt' | 'dueOn' | 'recipients' | 'subject' | 'body'>> {
    const out: NotificationRecord[] = [];
    let pageToken: string | undefined;
    do {
      const page = this.outbox.query({ dossierId, pageSize: 500, pageToken });
      out.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    return out.reverse().map((r) => ({ kind: r.kind, createdAt: r.createdAt, ...(r.dueOn ? { dueOn: r.dueOn } : {}), recipients: r.recipients, subject: r.subject, body: r.body }));
  }

  /**
   * A notice from the API itself to the coordinator (e.g. a refused duplicate referral), recorded once per key in the
   * outbox, where `GET /notifications` shows it. It is not e-mailed: only the workers' notification activity sends
   * mail. The text names cases and staff ids only, never a child.
   */
  noticeToCoordinator(req: Omit<NotificationRequest, 'recipients'>): NotificationRecord {
    const deliveries: NotificationDelivery[] = this.staff.resolve('role:coordinator').map((p) => ({ recipient: p.id, ...(p.email ? { address: p.email } : {}), status: 'RECORDED' }));
    return this.outbox.record({ ...req, recipients: ['role:coordinator'] }, deliveries).record;
  }
}
