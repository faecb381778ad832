import { createHmac, randomBytes } from 'node:crypto';

/** Crockford's base32 alphabet: no I, L, O, U (nothing to misread over the phone). */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A case id: `D-` and 10 Crockford base32 characters (50 random bits). Opaque: no personal data. */
export const DOSSIER_ID = /^D-[0-9A-HJKMNP-TV-Z]{10}$/;

function base32(bytes: Buffer, length: number): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
    if (out.length >= length) break;
  }
  return out;
}

/** A new random dossierId. */
export function newDossierId(): string {
  return `D-${base32(randomBytes(7), 10)}`;
}

/**
 * The dossierId of a referral sent with an Idempotency-Key: a keyed hash of (caller, key), so a retried
 * `POST /parcours` addresses the same workflow id and never starts a second case. Keyed, so ids stay
 * unguessable from a key.
 */
export function dossierIdForKey(secret: string, callerSub: string, idempotencyKey: string): string {
  const digest = createHmac('sha256', secret).update(`dossier-id\u0000${callerSub}\u0000${idempotencyKey}`).digest();
  return `D-${base32(digest, 10)}`;
}
