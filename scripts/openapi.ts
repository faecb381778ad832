/**
 * Writes docs/openapi.json from the app (`npm run openapi`), or with `--check` fails when the committed file
 * differs from what the app generates (`npm run openapi -- --check`): a contract change is always in review.
 */
import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/config/project-root';
import { documentText, generateOpenApiDocument, OPENAPI_PATH } from '../src/openapi/generate';

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const file = join(projectRoot(), OPENAPI_PATH);
  const text = documentText(await generateOpenApiDocument());
  if (check) {
    let committed = '';
    try {
      committed = readFileSync(file, 'utf8');
    } catch {
      // missing: a drift like any other
    }
    if (committed !== text) {
      process.stderr.write(`${OPENAPI_PATH} differs from the document the app generates: run \`npm run openapi\` and commit it.\n`);
      process.exit(1);
    }
    process.stdout.write(`${OPENAPI_PATH} is up to date.\n`);
    return;
  }
  writeFileSync(file, text);
  process.stdout.write(`wrote ${OPENAPI_PATH}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`openapi: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
