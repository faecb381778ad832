import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ProblemException } from '../common/problem';
import { IS_PUBLIC, ROLES_KEY } from './decorators';
import { RateLimiter } from './rate-limits';
import type { Caller, Role } from './roles';
import { InvalidTokenError, TokenVerifier } from './token-verifier';

/**
 * Global guard: a valid bearer token on every route not marked @Public(), and one of the route's @Roles(). Failed
 * authentications count against the client's address, accepted requests against the caller's `sub` (RateLimiter).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
    private readonly limiter: RateLimiter,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest<Request & { caller?: Caller }>();
    this.limiter.assertNotLockedOut(req);
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw await this.limiter.authenticationFailed(req, unauthorized('An "Authorization: Bearer <token>" header is required.'));
    try {
      req.caller = await this.verifier.verify(match[1]);
    } catch (e) {
      if (e instanceof InvalidTokenError) throw await this.limiter.authenticationFailed(req, unauthorized(e.message));
      throw e;
    }
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (allowed && !allowed.some((r) => req.caller!.roles.includes(r))) {
      throw ProblemException.of(403, 'forbidden-role', `This action needs one of the roles: ${allowed.join(', ')}.`);
    }
    await this.limiter.forRequest(req, req.caller.sub);
    return true;
  }
}

export function unauthorized(detail: string, realm = 'pre-orchestrator'): ProblemException {
  return new ProblemException(
    { type: 'urn:pre-orchestrator:problem:unauthorized', title: 'Unauthorized', status: 401, detail },
    { 'WWW-Authenticate': `Bearer realm="${realm}"` },
  );
}
