import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerStorageService } from '@nestjs/throttler';
import { AuthGuard } from './auth.guard';
import { MeController } from './me.controller';
import { RateLimiter } from './rate-limits';
import { TokenVerifier } from './token-verifier';

@Global()
@Module({
  controllers: [MeController],
  providers: [TokenVerifier, ThrottlerStorageService, RateLimiter, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [TokenVerifier, RateLimiter],
})
export class AuthModule {}
