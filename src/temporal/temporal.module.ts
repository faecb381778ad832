import { Global, Module } from '@nestjs/common';
import { PrerequisitesService } from './prerequisites.service';
import { TemporalGateway } from './temporal-gateway';
import { TemporalService } from './temporal.service';

@Global()
@Module({ providers: [TemporalService, TemporalGateway, PrerequisitesService], exports: [TemporalService, TemporalGateway, PrerequisitesService] })
export class TemporalModule {}
