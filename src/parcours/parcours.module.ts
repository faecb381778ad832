import { Module } from '@nestjs/common';
import { NotificationsModule } from '../notifications/notifications.module';
import { ParcoursController } from './parcours.controller';
import { ParcoursService } from './parcours.service';
import { ChildRegistryService } from './child-registry.service';
import { TeamMeetingsModule } from '../team-meetings/team-meetings.module';

/** A child's parcours (DOMAIN.md §1, API.md "Parcours"). */
@Module({ imports: [NotificationsModule, TeamMeetingsModule], controllers: [ParcoursController], providers: [ParcoursService, ChildRegistryService], exports: [ParcoursService, ChildRegistryService] })
export class ParcoursModule {}
