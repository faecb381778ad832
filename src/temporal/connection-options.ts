import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { AppConfig } from '../config/env';

/** Address the processes connect to: the configured cluster, or the embedded dev server. */
export function temporalAddress(env: AppConfig): string {
  return env.TEMPORAL_ADDRESS ?? `127.0.0.1:${env.TEMPORAL_DEV_PORT}`;
}

/** TLS and API-key options shared by the client and the worker (Temporal Cloud or mTLS clusters). */
export function connectionOptions(env: AppConfig): ConnectionOptions & NativeConnectionOptions {
  const mtls = env.TEMPORAL_TLS_CERT_PATH && env.TEMPORAL_TLS_KEY_PATH;
  const tls =
    mtls || env.TEMPORAL_API_KEY || env.TEMPORAL_TLS_CA_PATH
      ? {
          ...(env.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME } : {}),
          ...(env.TEMPORAL_TLS_CA_PATH ? { serverRootCACertificate: readFileSync(env.TEMPORAL_TLS_CA_PATH) } : {}),
          ...(mtls
            ? { clientCertPair: { crt: readFileSync(env.TEMPORAL_TLS_CERT_PATH!), key: readFileSync(env.TEMPORAL_TLS_KEY_PATH!) } }
            : {}),
        }
      : undefined;
  return {
    address: temporalAddress(env),
    ...(tls ? { tls } : {}),
    ...(env.TEMPORAL_API_KEY ? { apiKey: env.TEMPORAL_API_KEY } : {}),
  } as ConnectionOptions & NativeConnectionOptions;
}
