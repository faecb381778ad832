import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, Roles } from '../auth/decorators';
import type { Caller } from '../auth/roles';
import { ListNotificationsQuery, NotificationListDto } from './dto/notifications.dto';
import { NotificationsService } from './notifications.service';

/** The notification records: every reminder recorded (one notification workflow each), with its delivery state per recipient. */
@ApiTags('notifications')
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @Roles('coordinator', 'supervisor', 'referent')
  @ApiOperation({ summary: 'Reminders sent or queued, newest first; filters recipient, kind, dossierId, conventionRef (a référent sees only their own)' })
  @ApiOkResponse({ type: NotificationListDto })
  list(@Query() query: ListNotificationsQuery, @CurrentCaller() caller: Caller) {
    return this.notifications.list(query, caller);
  }
}
