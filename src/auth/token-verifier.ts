import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AppConfig } from '../config/env';
import { ROLES, type Caller, type Role } from './roles';

/** Why a token was refused; the message is safe to send back. */
export class InvalidTokenError extends Error {}

/** The form of a subject: letters, digits and `. _ @ -`, 1 to 128 characters (it ends up in logs and queries). */
export const SUBJECT_PATTERN = /^[A-Za-z0-9._@-]{1,128}$/;

/** Allowed clock skew between the identity provider and this service, in seconds. */
const CLOCK_TOLERANCE_S = 5;

/**
 * Verifies bearer tokens: HS256 with the dev secret, or RS256/ES256/PS256 against the identity provider's JWKS in
 * production; issuer and audience always checked; `alg: none` never accepted (algorithms are explicit). Strict
 * claims (issue 13): `exp` required and at most JWT_MAX_LIFETIME_HOURS after `iat` (or after now), `nbf` honoured,
 * `roles` an array of known roles only (no singular `role`), `sub` a string of SUBJECT_PATTERN.
 */
@Injectable()
export class TokenVerifier {
  private readonly jwks?: JWTVerifyGetKey;
  private readonly secret?: Uint8Array;
  private readonly maxLifetimeS: number;

  constructor(private readonly config: AppConfig) {
    if (config.JWT_JWKS_URL) this.jwks = createRemoteJWKSet(new URL(config.JWT_JWKS_URL));
    else this.secret = new TextEncoder().encode(config.jwtSecret);
    this.maxLifetimeS = config.JWT_MAX_LIFETIME_HOURS * 3600;
  }

  async verify(token: string): Promise<Caller> {
    return (await this.verifyWithExpiry(token)).caller;
  }

  /** The caller and the token's expiry (seconds since the epoch). */
  async verifyWithExpiry(token: string): Promise<{ caller: Caller; expiresAt: number }> {
    let payload: JWTPayload;
    try {
      // jose checks exp and nbf when present; requiredClaims makes exp mandatory
      const options = { issuer: this.config.JWT_ISSUER, audience: this.config.JWT_AUDIENCE, clockTolerance: CLOCK_TOLERANCE_S, requiredClaims: ['exp'] };
      payload = this.jwks
        ? (await jwtVerify(token, this.jwks, { ...options, algorithms: ['RS256', 'ES256', 'PS256'] })).payload
        : (await jwtVerify(token, this.secret!, { ...options, algorithms: ['HS256'] })).payload;
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw new InvalidTokenError('The token has expired.');
      if (e instanceof joseErrors.JWTClaimValidationFailed) {
        if (e.claim === 'exp' && e.reason === 'missing') throw new InvalidTokenError('The token must carry an expiry ("exp" claim).');
        if (e.claim === 'nbf') throw new InvalidTokenError('The token is not valid yet ("nbf" claim).');
        throw new InvalidTokenError(`The token's "${e.claim}" claim is not accepted.`);
      }
      if (e instanceof joseErrors.JOSEAlgNotAllowed) throw new InvalidTokenError('The token algorithm is not accepted.');
      if (e instanceof joseErrors.JWSSignatureVerificationFailed) throw new InvalidTokenError('The token signature is invalid.');
      throw new InvalidTokenError('The token is malformed or cannot be verified.');
    }
    return { caller: this.caller(payload), expiresAt: payload.exp! };
  }

  /** The caller a verified payload names, once its claims have the strict forms. */
  private caller(payload: JWTPayload): Caller {
    const now = Math.floor(Date.now() / 1000);
    const exp = payload.exp!;
    const start = typeof payload.iat === 'number' ? Math.min(payload.iat, now) : now;
    if (exp - start > this.maxLifetimeS + CLOCK_TOLERANCE_S) {
      throw new InvalidTokenError(`The token lives longer than the accepted ${this.config.JWT_MAX_LIFETIME_HOURS} h ("exp" claim).`);
    }
    if (typeof payload.sub !== 'string' || !SUBJECT_PATTERN.test(payload.sub)) {
      throw new InvalidTokenError('The token\'s "sub" claim must be a string of 1 to 128 letters, digits or . _ @ -.');
    }
    if ('role' in payload) throw new InvalidTokenError('The token must carry its roles as a "roles" array (a singular "role" claim is not accepted).');
    const roles = payload.roles;
    if (!Array.isArray(roles) || roles.length === 0 || !roles.every((r): r is Role => typeof r === 'string' && (ROLES as readonly string[]).includes(r))) {
      throw new InvalidTokenError(`The token's "roles" claim must be a non-empty array of known roles (${ROLES.join(', ')}).`);
    }
    return { sub: payload.sub, roles: [...new Set(roles)] };
  }
}
