import { type CanActivate, type ExecutionContext, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Caller, Role } from '../auth/roles';
import { InvalidTokenError, TokenVerifier } from '../auth/token-verifier';
import { problem, PROBLEM_CONTENT_TYPE, ProblemException } from '../common/problem';
import { AppConfig } from '../config/env';
import { codecCorsOrigins, codecLocalAccess } from '../config/privacy.env';

/** Roles that may read decrypted case data through the codec (DOMAIN.md §5). */
export const CODEC_ROLES: readonly Role[] = ['supervisor', 'coordinator'];

/** Headers the Temporal Web UI sends to a codec endpoint (its data-encoder service). */
const ALLOWED_HEADERS = 'Content-Type, X-Namespace, Authorization';

/** The caller of a codec request: a token's subject, or `localhost` for an allowed local call. */
export type CodecCaller = Caller | { sub: 'localhost'; roles: [] };

/**
 * CORS for the Temporal Web UI's origin: the UI calls the codec from the browser, so the preflight (OPTIONS,
 * no token) is answered here, before any guard; errors carry the CORS headers too, so the UI can show them.
 * Other origins are refused outright: the codec has no business with any other web page.
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
    if (origin !== undefined) {
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
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  }
}

function isLoopback(address: string | undefined): boolean {
  return !!address && (address === '::1' || /^(::ffff:)?127\./.test(address));
}

/**
 * A call from this machine: loopback peer, a loopback Host (a DNS-rebound page has its own host name) and no
 * proxy header (behind a local reverse proxy every call would look local).
 */
export function isLocalCall(req: Request): boolean {
  if (!isLoopback(req.socket.remoteAddress)) return false;
  if (req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined || req.headers['x-real-ip'] !== undefined) return false;
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function unauthorized(detail: string): ProblemException {
  return new ProblemException(problem(401, 'unauthorized', detail), { 'WWW-Authenticate': 'Bearer realm="pre-orchestrator-codec"' });
}

/**
 * Who may use the codec: a valid bearer token with the supervisor or coordinator role; or, when
 * PRE_CODEC_LOCAL_ACCESS is on (the embedded default), a call from this machine without a token. A token that
 * is sent is always checked, even locally. The `X-Namespace` header, when sent, must be the configured namespace.
 */
@Injectable()
export class CodecAccessGuard implements CanActivate {
  private readonly localAccess: boolean;

  constructor(
    private readonly config: AppConfig,
    private readonly verifier: TokenVerifier,
  ) {
    this.localAccess = codecLocalAccess(config);
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<Request & { codecCaller?: CodecCaller }>();
    const header = req.headers.authorization;
    if (header !== undefined && header !== '') {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) throw unauthorized('The Authorization header must be "Bearer <token>".');
      let caller: Caller;
      try {
        caller = await this.verifier.verify(match[1]);
      } catch (e) {
        if (e instanceof InvalidTokenError) throw unauthorized(e.message);
        throw e;
      }
      if (!CODEC_ROLES.some((r) => caller.roles.includes(r))) {
        throw ProblemException.of(403, 'forbidden-role', `Decoding case data needs one of the roles: ${CODEC_ROLES.join(', ')}.`);
      }
      req.codecCaller = caller;
    } else if (this.localAccess && isLocalCall(req)) {
      req.codecCaller = { sub: 'localhost', roles: [] };
    } else {
      throw unauthorized('An "Authorization: Bearer <token>" header with the supervisor or coordinator role is required.');
    }
    const namespace = req.headers['x-namespace'];
    if (typeof namespace === 'string' && namespace !== '' && namespace !== this.config.TEMPORAL_NAMESPACE) {
      throw ProblemException.of(403, 'namespace-not-served', `This codec serves the namespace "${this.config.TEMPORAL_NAMESPACE}" only.`);
    }
    return true;
  }
}
