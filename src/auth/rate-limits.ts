import { Injectable } from '@nestjs/common';
import { ThrottlerStorageService } from '@nestjs/throttler';
import type { Request } from 'express';
import { problem, ProblemException } from '../common/problem';
import { AppConfig } from '../config/env';

/** The per-`sub` buckets (issue 13): writes, referrals, codec calls, reports. */
export type RateBucket = 'writes' | 'referrals' | 'codec' | 'reports';

const MINUTE_MS = 60_000;

/** The client address: the connection's peer, or the X-Forwarded-For address a proxy of PRE_TRUST_PROXY gave. */
export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

function tooMany(retryAfterS: number, detail: string): ProblemException {
  const seconds = Math.max(1, Math.ceil(retryAfterS));
  return new ProblemException(problem(429, 'too-many-requests', detail, { retryAfter: seconds }), { 'Retry-After': String(seconds) });
}

/**
 * Rate limits on @nestjs/throttler's in-memory storage (sliding one-minute windows), counted in this process only:
 * several API instances share nothing, each allows its own quota. Authentication failures are counted per client
 * address: past the limit the address is locked out for a minute, valid tokens included (no oracle for a guesser).
 * Authenticated callers are counted per `sub`.
 */
@Injectable()
export class RateLimiter {
  private readonly lockedOut = new Map<string, number>();
  private readonly limits: Record<RateBucket, number>;

  constructor(
    private readonly storage: ThrottlerStorageService,
    private readonly config: AppConfig,
  ) {
    this.limits = {
      writes: config.PRE_THROTTLE_WRITES_PER_MINUTE,
      referrals: config.PRE_THROTTLE_REFERRALS_PER_MINUTE,
      codec: config.PRE_THROTTLE_CODEC_PER_MINUTE,
      reports: config.PRE_THROTTLE_REPORTS_PER_MINUTE,
    };
  }

  /** 429 while the client's address is locked out after too many authentication failures. */
  assertNotLockedOut(req: Request): void {
    const address = clientAddress(req);
    const until = this.lockedOut.get(address);
    if (until === undefined) return;
    const left = until - Date.now();
    if (left > 0) throw this.lockedOutProblem(left / 1000);
    this.lockedOut.delete(address);
  }

  /** Counts an authentication failure of the client's address; returns the error to throw (the 401, or 429 past the limit). */
  async authenticationFailed(req: Request, refusal: ProblemException): Promise<ProblemException> {
    const address = clientAddress(req);
    const limit = this.config.PRE_THROTTLE_AUTH_FAILURES_PER_MINUTE;
    const hit = await this.storage.increment(`auth-failures:${address}`, MINUTE_MS, limit, 0, 'auth-failures');
    if (!hit.isBlocked) return refusal;
    this.lockedOut.set(address, Date.now() + MINUTE_MS);
    for (const [a, until] of this.lockedOut) if (until <= Date.now()) this.lockedOut.delete(a);
    return this.lockedOutProblem(MINUTE_MS / 1000);
  }

  /** Counts one request of `sub` in `bucket`; 429 with Retry-After past the bucket's limit per minute. */
  async hit(bucket: RateBucket, sub: string): Promise<void> {
    const limit = this.limits[bucket];
    const hit = await this.storage.increment(`${bucket}:${sub}`, MINUTE_MS, limit, 0, bucket);
    if (hit.isBlocked) {
      throw tooMany(hit.timeToBlockExpire, `Too many ${BUCKET_WORDS[bucket]} for this account: at most ${limit} a minute. Retry after the delay in Retry-After.`);
    }
  }

  /** The buckets an authenticated API request counts in: every write, a referral twice (writes and referrals), reports. */
  async forRequest(req: Request, sub: string): Promise<void> {
    const path = req.path.replace(/\/+$/, '') || '/';
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS') {
      if (req.method === 'POST' && path === '/parcours') await this.hit('referrals', sub);
      await this.hit('writes', sub);
    }
    if (path === '/reports' || path.startsWith('/reports/')) await this.hit('reports', sub);
  }

  private lockedOutProblem(retryAfterS: number): ProblemException {
    return tooMany(
      retryAfterS,
      `Too many failed authentications from this address: at most ${this.config.PRE_THROTTLE_AUTH_FAILURES_PER_MINUTE} a minute. Retry after the delay in Retry-After.`,
    );
  }
}

const BUCKET_WORDS: Record<RateBucket, string> = { writes: 'changes', referrals: 'referrals', codec: 'codec calls', reports: 'report requests' };
