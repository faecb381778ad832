import { Module } from '@nestjs/common';
import { ParcoursController } from './parcours.controller';
import { ParcoursService } from './parcours.service';

/** A child's parcours (DOMAIN.md §1, API.md "Parcours"). */
@Module({ controllers: [ParcoursController], providers: [ParcoursService], exports: [ParcoursService] })
export class ParcoursModule {}
