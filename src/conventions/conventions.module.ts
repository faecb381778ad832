import { Module } from '@nestjs/common';
import { ConventionsController } from './conventions.controller';
import { ConventionsService } from './conventions.service';

/** The funding convention and its years (DOMAIN.md §2, API.md "Conventions and funding years"). */
@Module({ controllers: [ConventionsController], providers: [ConventionsService] })
export class ConventionsModule {}
