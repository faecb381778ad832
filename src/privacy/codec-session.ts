import { hkdfSync } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { jwtVerify, SignJWT } from 'jose';
import type { Caller, Role } from '../auth/roles';
import { ROLES } from '../auth/roles';
import { SUBJECT_PATTERN } from '../auth/token-verifier';
import { AppConfig } from '../config/env';
import { codecCookieSecure } from '../config/security.env';

/** The codec session cookie's name; its Path is /codec, so no other route ever receives it. */
export const CODEC_SESSION_COOKIE = 'pre_codec_session';
const AUDIENCE = 'pre-orchestrator:codec-session';
const ISSUER = 'pre-orchestrator';

export interface CodecSession {
  value: string;
  expiresAt: Date;
}

/** The cookie header's value for `name`, if sent. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Short-lived codec sessions (issue 13): a supervisor or coordinator exchanges a bearer token for a cookie the
 * Temporal UI's browser sends with "include cross-origin credentials". The cookie holds a signed, expiring claim
 * (sub, roles) under a key derived from PRE_CHILD_KEY_SECRET, so every API instance accepts it and none stores it.
 * It lives PRE_CODEC_SESSION_MINUTES, never longer than the token it came from.
 */
@Injectable()
export class CodecSessions {
  private readonly key: Uint8Array;
  readonly secure: boolean;

  constructor(private readonly config: AppConfig) {
    this.key = new Uint8Array(hkdfSync('sha256', config.childKeySecret, 'pre-orchestrator', 'codec-session-v1', 32));
    this.secure = codecCookieSecure(config);
  }

  async issue(caller: Caller, tokenExpiresAt: number): Promise<CodecSession> {
    const now = Math.floor(Date.now() / 1000);
    const exp = Math.min(now + this.config.PRE_CODEC_SESSION_MINUTES * 60, tokenExpiresAt);
    const value = await new SignJWT({ roles: caller.roles })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(caller.sub)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .sign(this.key);
    return { value, expiresAt: new Date(exp * 1000) };
  }

  /** The session's caller, or undefined when the cookie is forged, expired or not a session. */
  async verify(value: string): Promise<Caller | undefined> {
    try {
      const { payload } = await jwtVerify(value, this.key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, requiredClaims: ['exp', 'sub'] });
      const roles = payload.roles;
      if (typeof payload.sub !== 'string' || !SUBJECT_PATTERN.test(payload.sub)) return undefined;
      if (!Array.isArray(roles) || !roles.every((r) => (ROLES as readonly string[]).includes(r as string))) return undefined;
      return { sub: payload.sub, roles: roles as Role[] };
    } catch {
      return undefined;
    }
  }
}
