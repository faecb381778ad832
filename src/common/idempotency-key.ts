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
