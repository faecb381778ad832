import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { CodecAccessGuard, CodecCorsMiddleware } from './codec-access';
import { CodecAudit } from './codec-audit';
import { CodecSessions } from './codec-session';
import { CodecController } from './codec.controller';

/** Data protection (DOMAIN.md §5): the codec endpoint of the Temporal Web UI. */
@Module({ controllers: [CodecController], providers: [CodecAccessGuard, CodecSessions, CodecAudit] })
export class PrivacyModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CodecCorsMiddleware).forRoutes({ path: 'codec/*path', method: RequestMethod.ALL });
  }
}
