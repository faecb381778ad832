import { Injectable } from '@nestjs/common';
import type { NotificationDelivery, NotificationRecord, NotificationRequest } from '../../activities/notifications.types';
import { initialDeliveries } from '../../activities/notifications';
import type { TemporalNotifications } from '../../activities/notification-records';
import { notificationScope } from '../auth/access-policy';
import type { Caller } from '../auth/roles';
import { PageTokens } from '../common/page-token';
import { AppConfig } from '../config/env';
import { StaffDirectory } from '../staff/staff-directory';
import { TemporalGateway } from '../temporal/temporal-gateway';
import { TemporalService } from '../temporal/temporal.service';
import type { ListNotificationsQuery, NotificationListDto } from './dto/notifications.dto';
import { temporalNotifications } from './notification-deps';

/**
 * The notification records the workers keep in Temporal (one notification workflow per key, listed through
 * visibility: nothing on disk, any API instance on any host reads the same), and the API's own notices.
 */
@Injectable()
export class NotificationsService {
  private readonly records: TemporalNotifications;
  private readonly pages: PageTokens;
  private readonly staff: StaffDirectory;

  constructor(
    config: AppConfig,
    temporal: TemporalService,
    private readonly gateway: TemporalGateway,
  ) {
    this.records = temporalNotifications(config, temporal.client);
    this.pages = new PageTokens(config.childKeySecret);
    this.staff = new StaffDirectory(config);
  }

  /** Newest first. A référent (without a broader role) sees only what is addressed to them, and only their own copy. */
  async list(q: ListNotificationsQuery, caller: Caller): Promise<NotificationListDto> {
    const scope = notificationScope(caller, q.recipient);
    const filter = { recipient: scope.recipient, kind: q.kind, dossierId: q.dossierId, conventionRef: q.conventionRef };
    const list = `notifications\u0000${caller.sub}\u0000${JSON.stringify(filter)}`;
    const pageToken = q.pageToken ?? q.nextPageToken;
    const raw = pageToken === undefined ? undefined : this.pages.open(pageToken, list);
    const page = await this.gateway.withDeadline(() => this.records.query({ ...filter, pageSize: q.pageSize ?? 50, pageToken: raw }));
    const items = page.items.map((r): NotificationRecord => (scope.ownCopyOnly ? { ...r, deliveries: r.deliveries.filter((d) => d.recipient === caller.sub) } : r));
    return {
      items,
      ...(page.nextPageToken ? { nextPageToken: this.pages.seal(page.nextPageToken, list) } : {}),
    };
  }

  /**
   * Every notification recorded about one case, oldest first (the family's access export, GDPR art. 15): what was
   * decided and to whom, without the delivery details (addresses, SMTP ids).
   */
  async ofDossier(dossierId: string): Promise<Array<Pick<NotificationRecord, 'kind' | 'createdAt' | 'dueOn' | 'recipients' | 'subject' | 'body'>>> {
    const all = await this.gateway.withDeadline(() => this.records.ofDossier(dossierId));
    return all.map((r) => ({ kind: r.kind, createdAt: r.createdAt, ...(r.dueOn ? { dueOn: r.dueOn } : {}), recipients: r.recipients, subject: r.subject, body: r.body }));
  }

  /**
   * A notice from the API itself to the coordinator (e.g. a refused duplicate referral), recorded once per key as a
   * notification workflow, where `GET /notifications` shows it. It is not e-mailed (its copies are RECORDED): only the
   * workers' notification activity queues e-mails. The text names cases and staff ids only, never a child.
   */
  async noticeToCoordinator(req: Omit<NotificationRequest, 'recipients'>): Promise<NotificationRecord> {
    const full: NotificationRequest = { ...req, recipients: ['role:coordinator'] };
    const deliveries: NotificationDelivery[] = initialDeliveries(full, { resolveRecipient: (r) => this.staff.resolve(r) });
    return (await this.gateway.withDeadline(() => this.records.record(full, deliveries))).record;
  }
}
