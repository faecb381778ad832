/**
 * The embedded default (`npm start` without TEMPORAL_ADDRESS): a real Temporal dev server on a SQLite file
 * in PRE_DATA_DIR, one worker and the API, in one foreground process. SIGINT/SIGTERM stop them in order:
 * the API stops taking requests, the worker drains in-flight tasks, then the dev server stops.
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { createApp, createLogger } from './app';
import { ensurePrivateDir, makePrivate } from './config/dev-secrets';
import { appConfigOrExit } from './config/env';
import { startDevServer, temporalBinaries, type DevServer } from './dev/dev-server';
import { temporalAddress } from './temporal/connection-options';
import { createWorker } from './worker/run-worker';
import { shutdownTracing, startTracing } from './telemetry/tracing';

async function main(): Promise<void> {
  const config = appConfigOrExit();
  startTracing('pre-orchestrator'); // OTEL_* variables; off by default
  const logger = createLogger(config);
  const started = Date.now();
  let devServer: DevServer | undefined;
  if (!config.TEMPORAL_ADDRESS) {
    ensurePrivateDir(config.dataDir);
    const dbFile = join(config.dataDir, 'temporal.sqlite');
    const { cli } = temporalBinaries();
    devServer = await startDevServer({
      cli,
      port: config.TEMPORAL_DEV_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      dbFile,
      namespace: config.TEMPORAL_NAMESPACE,
      codecEndpoint: `http://localhost:${config.PORT}/codec`, // the UI decrypts through the API (PrivacyModule)
    });
    // the server creates its SQLite files with the umask's mode: owner only, like the rest of the data folder
    for (const file of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) makePrivate(file);
    logger.log(`Temporal dev server on ${devServer.address}, Web UI on ${devServer.uiUrl}`, 'Dev');
  }
  const { worker, connection } = await createWorker(config);
  const workerRun = worker.run();
  const app = await createApp(config, logger);
  await app.listen(config.PORT, config.HOST);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: stopping the API, draining the worker, stopping the dev server`, 'Dev');
    await app.close().catch((e: Error) => logger.warn(`API close: ${e.message}`, 'Dev'));
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerRun.catch((e: Error) => logger.warn(`worker: ${e.message}`, 'Dev'));
    await connection.close().catch(() => undefined);
    logger.log('API and worker stopped', 'Dev');
    await devServer?.stop();
    await shutdownTracing().catch(() => undefined);
    logger.log('stopped', 'Dev');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  // npm may die before forwarding a signal (its shell does not forward it): an orphaned service stops too.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && void stop('parent process exited'), 500).unref();
  workerRun.catch((e: Error) => {
    logger.error(`worker stopped: ${e.message}`, 'Dev');
    void stop('worker failure');
  });

  const api = `http://localhost:${config.PORT}`;
  process.stdout.write(
    [
      '',
      '  PRE Orchestrator is running (embedded default)',
      `  API            ${api}`,
      `  Swagger UI     ${api}/docs   (OpenAPI JSON: ${api}/docs-json)`,
      `  Temporal       ${temporalAddress(config)}  namespace "${config.TEMPORAL_NAMESPACE}", task queue "${config.TEMPORAL_TASK_QUEUE}"`,
      devServer
        ? `  Temporal UI    ${devServer.uiUrl}   (decoded payloads: POST ${api}/codec/session with a supervisor or coordinator token, then the UI's codec setting "Include cross-origin credentials"; README, Data protection)`
        : '  Temporal UI    (the cluster\'s own)',
      `  Data folder    ${config.dataDir}`,
      '  Dev token      npm run token -- --sub u-coord-1 --role coordinator   (roles: referent, coordinator, finance, supervisor, admin)',
      `  Ready in ${((Date.now() - started) / 1000).toFixed(1)} s. Ctrl-C stops everything.`,
      '',
    ].join('\n') + '\n',
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`start failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
