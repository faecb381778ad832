import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AppConfig } from '../config/env';
import { ROLES, type Caller, type Role } from './roles';

/** Why a token was refused; the message is safe to send back. */
export class InvalidTokenError extends Error {}

/**
 * Verifies bearer tokens: HS256 with the dev secret, or RS256/ES256 against the identity provider's JWKS
 * in production; issuer and audience always checked. `alg: none` is never accepted (algorithms are
 * explicit).
 */
@Injectable()
export class TokenVerifier {
  private readonly jwks?: JWTVerifyGetKey;
  private readonly secret?: Uint8Array;

  constructor(private readonly config: AppConfig) {
    if (config.JWT_JWKS_URL) this.jwks = createRemoteJWKSet(new URL(config.JWT_JWKS_URL));
    else this.secret = new TextEncoder().encode(config.jwtSecret);
  }

  async verify(token: string): Promise<Caller> {
    let payload: JWTPayload;
    try {
      const options = { issuer: this.config.JWT_ISSUER, audience: this.config.JWT_AUDIENCE, clockTolerance: 5 };
      payload = this.jwks
        ? (await jwtVerify(token, this.jwks, { ...options, algorithms: ['RS256', 'ES256', 'PS256'] })).payload
        : (await jwtVerify(token, this.secret!, { ...options, algorithms: ['HS256'] })).payload;
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw new InvalidTokenError('The token has expired.');
      if (e instanceof joseErrors.JWTClaimValidationFailed) throw new InvalidTokenError(`The token's "${e.claim}" claim is not accepted.`);
      if (e instanceof joseErrors.JOSEAlgNotAllowed) throw new InvalidTokenError('The token algorithm is not accepted.');
      if (e instanceof joseErrors.JWSSignatureVerificationFailed) throw new InvalidTokenError('The token signature is invalid.');
      throw new InvalidTokenError('The token is malformed or cannot be verified.');
    }
    const rawRoles = Array.isArray(payload.roles) ? payload.roles : typeof payload.role === 'string' ? [payload.role] : [];
    const roles = rawRoles.filter((r): r is Role => (ROLES as readonly string[]).includes(r as string));
    if (!payload.sub || roles.length === 0) throw new InvalidTokenError('The token must carry a subject and at least one known role.');
    return { sub: payload.sub, roles };
  }
}
