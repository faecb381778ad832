import { Module } from '@nestjs/common';
import { ReferentsController } from './referents.controller';
import { ReferentsService } from './referents.service';

/** `GET /referents/{referentId}/caseload`, built from search attributes. */
@Module({ controllers: [ReferentsController], providers: [ReferentsService] })
export class ReferentsModule {}
