import { createHash } from 'node:crypto';
import { applyDecorators, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { Request } from 'express';
import { ProblemException } from './problem';

const SHAPE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * The `Idempotency-Key` header (undefined when absent). It becomes the Temporal update id and travels in the
 * update input, so a retried request replays the first answer; a malformed key is a 400 (it is persisted).
 */
export const IdempotencyKey = createParamDecorator((_data: unknown, ctx: ExecutionContext): string | undefined => {
  const value = ctx.switchToHttp().getRequest<Request>().headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !SHAPE.test(value)) {
    throw ProblemException.of(400, 'validation', 'The Idempotency-Key header must be 1 to 128 letters, digits or . _ : -.', {
      errors: [{ field: 'Idempotency-Key', message: 'Idempotency-Key must be 1 to 128 letters, digits or . _ : -' }],
    });
  }
  return value;
});

/** OpenAPI documentation of the header on a state-changing POST. */
export const ApiIdempotencyKey = () =>
  applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      schema: { type: 'string', pattern: SHAPE.source },
      description: 'Replays the first answer for the same key and never applies the change twice (it is the Temporal update id).',
    }),
  );

/** JSON with object keys sorted at every level (undefined members left out): one text per request body. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * The fingerprint of a request sent with an Idempotency-Key: SHA-256 (base64url) of the endpoint (the update's wire
 * name) and the canonical JSON of its body. The workflow remembers it with the key; the same key with another
 * fingerprint is refused (422 `idempotency-key-reused`, as the IETF Idempotency-Key draft says).
 */
export function requestFingerprint(endpoint: string, body: unknown): string {
  return createHash('sha256').update(`${endpoint}\n${canonicalJson(body)}`).digest('base64url');
}

/**
 * The Temporal update id of a keyed request: the update's name, the key and, when known, the request's fingerprint.
 * Temporal answers a repeated update id of the same run with the first outcome without asking the workflow, so the
 * same key on another update or with another body must be another update id for the workflow's journal to see it
 * (and refuse it); the same request keeps its id and replays.
 */
export function updateIdFor(name: string, key: string, fingerprint?: string): string {
  return `${name}:${key}${fingerprint ? `~${fingerprint}` : ''}`;
}

/**
 * The update options of a request: its input, and with an Idempotency-Key the input stamped with the fingerprint of
 * `body` (what the request asks for, without its UpdateMeta) and the update id {@link updateIdFor} — so that Temporal's
 * per-run de-duplication replays only the same request, and the same key on another update or with another body
 * reaches the workflow's journal, which refuses it (422 `idempotency-key-reused`, `workflows/shared/journal.ts#Journal`).
 */
export function keyedUpdate<I extends object>(name: string, input: I, key: string | undefined, body: unknown): { args: [I]; updateId?: string } {
  if (!key) return { args: [input] };
  const fingerprint = requestFingerprint(name, body);
  return { args: [{ ...input, requestFingerprint: fingerprint }], updateId: updateIdFor(name, key, fingerprint) };
}
