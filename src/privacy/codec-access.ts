import { type CanActivate, type ExecutionContext, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { unauthorized as unauthorizedFor } from '../auth/auth.guard';
import { RateLimiter } from '../auth/rate-limits';
import type { Caller, Role } from '../auth/roles';
import { InvalidTokenError, TokenVerifier } from '../auth/token-verifier';
import { problem, PROBLEM_CONTENT_TYPE, ProblemException } from '../common/problem';
import { AppConfig } from '../config/env';
import { codecCorsOrigins } from '../config/privacy.env';
import { CODEC_SESSION_COOKIE, CodecSessions, cookieValue } from './codec-session';

/** Roles that may read decrypted case data through the codec (DOMAIN.md §5). */
export const CODEC_ROLES: readonly Role[] = ['supervisor', 'coordinator'];

/** Headers the Temporal Web UI sends to a codec endpoint (its data-encoder service). */
const ALLOWED_HEADERS = 'Content-Type, X-Namespace, Authorization';

/** The caller of a codec request, and how it authenticated: bearer token, or the codec session cookie. */
export type CodecCaller = Caller & { via: 'bearer' | 'session'; tokenExpiresAt?: number };

/** Whether `origin` is the API's own (a page of the API, e.g. Swagger UI opening a codec session): same host. */
function isOwnOrigin(origin: string, req: Request): boolean {
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * CORS for the Temporal Web UI's origin: the UI calls the codec from the browser, so the preflight (OPTIONS,
 * no token) is answered here, before any guard; errors carry the CORS headers too, so the UI can show them.
 * Credentials are allowed (the session cookie). The API's own pages (Swagger UI) are same-origin. Other origins
 * are refused outright: the codec has no business with any other web page.
 */
@Injectable()
export class CodecCorsMiddleware implements NestMiddleware {
  private readonly origins: ReadonlySet<string>;

  constructor(config: AppConfig) {
    this.origins = new Set(codecCorsOrigins(config));
  }

  use(req: Request, res: Response, next: NextFunction): void {
    const origin = req.headers.origin;
    res.vary('Origin');
    if (origin !== undefined && !isOwnOrigin(origin, req)) {
      if (!this.origins.has(origin)) {
        res
          .status(403)
          .type(PROBLEM_CONTENT_TYPE)
          .send(JSON.stringify(problem(403, 'origin-not-allowed', 'The codec answers the Temporal Web UI only; this origin is not configured (PRE_CODEC_CORS_ORIGINS).')));
        return;
      }
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
    }
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST, DELETE, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  }
}

const unauthorized = (detail: string) => unauthorizedFor(detail, 'pre-orchestrator-codec');

/**
 * Who may use the codec, in every deployment: a supervisor or coordinator, with a bearer token or with the codec
 * session cookie obtained with one (POST /codec/session). No call is served without either, local or not. Failed
 * authentications count against the client's address, accepted calls against the caller (RateLimiter, bucket
 * `codec`). The `X-Namespace` header, when sent, must be the configured namespace.
 */
@Injectable()
export class CodecAccessGuard implements CanActivate {
  constructor(
    private readonly config: AppConfig,
    private readonly verifier: TokenVerifier,
    private readonly sessions: CodecSessions,
    private readonly limiter: RateLimiter,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<Request & { codecCaller?: CodecCaller }>();
    this.limiter.assertNotLockedOut(req);
    const caller = await this.authenticate(req);
    if (!CODEC_ROLES.some((r) => caller.roles.includes(r))) {
      throw ProblemException.of(403, 'forbidden-role', `Decoding case data needs one of the roles: ${CODEC_ROLES.join(', ')}.`);
    }
    const namespace = req.headers['x-namespace'];
    if (typeof namespace === 'string' && namespace !== '' && namespace !== this.config.TEMPORAL_NAMESPACE) {
      throw ProblemException.of(403, 'namespace-not-served', `This codec serves the namespace "${this.config.TEMPORAL_NAMESPACE}" only.`);
    }
    await this.limiter.hit('codec', caller.sub);
    req.codecCaller = caller;
    return true;
  }

  private async authenticate(req: Request): Promise<CodecCaller> {
    const header = req.headers.authorization;
    if (header !== undefined && header !== '') {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) throw await this.limiter.authenticationFailed(req, unauthorized('The Authorization header must be "Bearer <token>".'));
      try {
        const { caller, expiresAt } = await this.verifier.verifyWithExpiry(match[1]);
        return { ...caller, via: 'bearer', tokenExpiresAt: expiresAt };
      } catch (e) {
        if (e instanceof InvalidTokenError) throw await this.limiter.authenticationFailed(req, unauthorized(e.message));
        throw e;
      }
    }
    const cookie = cookieValue(req.headers.cookie, CODEC_SESSION_COOKIE);
    if (cookie !== undefined) {
      const caller = await this.sessions.verify(cookie);
      if (!caller) throw await this.limiter.authenticationFailed(req, unauthorized('The codec session has expired or is not valid: open a new one with POST /codec/session.'));
      return { ...caller, via: 'session' };
    }
    throw await this.limiter.authenticationFailed(
      req,
      unauthorized('A supervisor or coordinator is required: an "Authorization: Bearer <token>" header, or the codec session cookie (POST /codec/session).'),
    );
  }
}
