import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { KeyRing } from './key-ring';

/** `encoding` of an encrypted payload; its other metadata (and the original encoding) are inside the ciphertext. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key naming the key that encrypted the payload. */
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A payload that cannot be decrypted: unknown key id, malformed, or altered (GCM authentication failed). */
export class PayloadDecryptionError extends Error {
  constructor(
    readonly reason: 'unknown-key' | 'malformed' | 'tampered',
    message: string,
  ) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

const text = (bytes: Uint8Array | null | undefined): string | undefined => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/** Metadata flag set by the payload converter on text written for the UI (src/temporal/payload-converter.ts). */
const UI_TEXT_METADATA = 'pre-ui-text';
/**
 * Start of the answer to the UI's `__temporal_workflow_metadata` query (the SDK serialises `{ definition: { type,
 * … }, currentDetails }` itself, with its default converter): handler names and the current details, which the
 * workflows write without personal data.
 */
const WORKFLOW_METADATA_ANSWER = Buffer.from('{"definition":{"type":"');

/**
 * Payloads the codec leaves in clear, so the Temporal UI reads them without decoding: the summaries marked
 * `ui()` (static summary and details, timer and activity summaries) and the workflow metadata answer (current
 * details). Neither holds personal data (the workflows write them from codes, dates and fixed phrases); everything
 * else is encrypted.
 */
export function isPublicUiPayload(payload: Payload): boolean {
  if (payload.metadata?.[UI_TEXT_METADATA] !== undefined) return true;
  const data = payload.data;
  return !!data && data.length >= WORKFLOW_METADATA_ANSWER.length && Buffer.from(data.subarray(0, WORKFLOW_METADATA_ANSWER.length)).equals(WORKFLOW_METADATA_ANSWER);
}

/** Whether the codec encrypted this payload. */
export function isEncrypted(payload: Payload): boolean {
  return text(payload.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING;
}

/**
 * AES-256-GCM encryption of whole payloads (data and metadata, as the serialised Payload message), with a
 * random 12-byte IV per payload and the key id beside it in clear. Layout of `data`: IV ‖ ciphertext ‖ tag;
 * the key id is authenticated data, so a payload cannot be relabelled to another key. Decoding leaves
 * payloads that are not encrypted untouched (histories written before encryption, the UI's own payloads).
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(readonly ring: KeyRing) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => (isPublicUiPayload(p) ? p : this.encrypt(p)));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => (isEncrypted(p) ? this.decrypt(p) : p));
  }

  private encrypt(payload: Payload): Payload {
    const { id, key } = this.ring.active;
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(id, 'utf8'));
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(id) },
      data,
    };
  }

  private decrypt(payload: Payload): Payload {
    const id = text(payload.metadata?.[KEY_ID_METADATA]);
    if (!id) throw new PayloadDecryptionError('malformed', `An encrypted payload has no "${KEY_ID_METADATA}" metadata.`);
    const key = this.ring.key(id);
    if (!key) throw new PayloadDecryptionError('unknown-key', `The payload was encrypted with key "${id}", which is not in the key ring.`);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError('malformed', 'An encrypted payload is too short.');
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(id, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError('tampered', `An encrypted payload (key "${id}") failed authentication: it was altered or the key is wrong.`);
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}
