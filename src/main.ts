/** API process: `npm run start:api`, against TEMPORAL_ADDRESS (or the embedded dev server's address). */
import 'reflect-metadata';
import { createApp, createLogger } from './app';
import { appConfigOrExit } from './config/env';
import { startTracing } from './telemetry/tracing';

async function main(): Promise<void> {
  const config = appConfigOrExit();
  startTracing('pre-api'); // OTEL_* variables; off by default (the spans left are flushed at shutdown)
  const logger = createLogger(config);
  const app = await createApp(config, logger);
  app.enableShutdownHooks(['SIGINT', 'SIGTERM']);
  await app.listen(config.PORT, config.HOST);
  logger.log(`API listening on ${await app.getUrl()} (OpenAPI at /docs)`, 'Bootstrap');
}

main().catch((e: unknown) => {
  process.stderr.write(`API failed to start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
