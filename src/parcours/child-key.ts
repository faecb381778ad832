import { createHmac } from 'node:crypto';

/** A name as compared for the fingerprint: trimmed, lower case, without accents, spaces and hyphens collapsed. */
export function normaliseName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[\s\u2010-\u2015-]+/g, ' ')
    .trim();
}

/**
 * The child's identity fingerprint (PreChildKey): HMAC-SHA256 of the normalised first name, last name and birth
 * date with PRE_CHILD_KEY_SECRET. It finds a second open referral for the same child and reveals nothing without
 * the secret (names and birth dates are guessable, hence a keyed hash rather than a plain one).
 */
export function childKeyOf(secret: string, child: { firstName: string; lastName: string; birthDate: string }): string {
  const material = [normaliseName(child.firstName), normaliseName(child.lastName), child.birthDate.trim()].join('\u0000');
  return createHmac('sha256', secret).update(material).digest('hex');
}
