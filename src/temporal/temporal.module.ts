import { Global, Module } from '@nestjs/common';
import { TemporalGateway } from './temporal-gateway';
import { TemporalService } from './temporal.service';

@Global()
@Module({ providers: [TemporalService, TemporalGateway], exports: [TemporalService, TemporalGateway] })
export class TemporalModule {}
