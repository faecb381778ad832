import { Module } from '@nestjs/common';
import { NotificationsModule } from '../notifications/notifications.module';
import { ParcoursController } from './parcours.controller';
import { ParcoursService } from './parcours.service';

/** A child's parcours (DOMAIN.md §1, API.md "Parcours"). */
@Module({ imports: [NotificationsModule], controllers: [ParcoursController], providers: [ParcoursService], exports: [ParcoursService] })
export class ParcoursModule {}
