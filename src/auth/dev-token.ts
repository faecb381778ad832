import { SignJWT } from 'jose';
import type { AppConfig } from '../config/env';
import type { Role } from './roles';

/** Signs a development token (HS256 with the dev secret). Refused when the API checks a JWKS instead. */
export async function signDevToken(config: AppConfig, sub: string, roles: Role[], ttl = '12h'): Promise<string> {
  if (!config.jwtSecret) throw new Error('Dev tokens need HS256 mode: JWT_JWKS_URL is set, ask the identity provider for a token.');
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(ttl)
    .sign(new TextEncoder().encode(config.jwtSecret));
}
