/**
 * The OpenAPI document of the app without a server nor Temporal: the real Nest app (the routes, DTOs and guards
 * that GET /docs-json describes) built against a Temporal address nobody answers, never listening.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { createApp } from '../app';
import { loadEnv } from '../config/env';
import { buildOpenApiDocument } from './document';

/** The committed document's path, from the project root. */
export const OPENAPI_PATH = 'docs/openapi.json';

/** The document as GET /docs-json serves it. */
export async function generateOpenApiDocument(): Promise<OpenAPIObject> {
  const dataDir = mkdtempSync(join(tmpdir(), 'openapi-'));
  const config = loadEnv({
    NODE_ENV: 'test',
    TEMPORAL_ADDRESS: '127.0.0.1:1',
    PRE_DATA_DIR: dataDir,
    JWT_SECRET: randomBytes(32).toString('base64url'),
    LOG_LEVEL: 'error',
  });
  const app = await createApp(config);
  try {
    await app.init();
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The file's text: stable key order as generated, two-space indent, final newline. */
export function documentText(doc: OpenAPIObject): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
