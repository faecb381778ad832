/**
 * The DTO tests' app: the REAL Nest app (global guard, validation pipe, problem filter) with a Temporal address
 * nobody answers, so every request they send is refused before any Temporal call and no server is needed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { createApp } from '../../src/app';
import { validationPipe } from '../../src/common/validation';
import { loadEnv, type AppConfig } from '../../src/config/env';

/** Builds and initialises the app (not listening); its data folder is a fresh temporary one named after `prefix`. */
export async function startValidationApp(prefix: string): Promise<{ app: INestApplication; config: AppConfig }> {
  const config = loadEnv({
    NODE_ENV: 'test',
    TEMPORAL_ADDRESS: '127.0.0.1:1',
    PRE_DATA_DIR: mkdtempSync(join(tmpdir(), `${prefix}-`)),
    JWT_SECRET: randomBytes(32).toString('base64url'),
    LOG_LEVEL: 'error',
  });
  const app = await createApp(config);
  await app.init();
  return { app, config };
}

/** The problem+json body of a 400 naming `errors`, as the validation pipe answers it at `instance`. */
export const problem400 = (instance: string, errors: Array<{ field: string; message: string }>) => ({
  type: 'urn:pre-orchestrator:problem:validation',
  title: 'Bad Request',
  status: 400,
  detail: `The request is invalid: ${[...new Set(errors.map((e) => e.field))].join(', ')}.`,
  errors,
  instance,
});

/** Asserts that `body` passes the global pipe unchanged, as an instance of `metatype`. */
export async function expectPassesPipeUnchanged(metatype: new () => object, body: object): Promise<void> {
  const out = (await validationPipe()
    .transform(structuredClone(body), { type: 'body', metatype })
    .catch((e: { problemBody?: unknown }) => {
      throw new Error(`refused: ${JSON.stringify(e.problemBody ?? e)}`);
    })) as object;
  expect(out).toBeInstanceOf(metatype);
  expect(JSON.parse(JSON.stringify(out))).toEqual(body);
}
