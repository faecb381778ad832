import { isAbsolute, join } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, type ValidationError } from 'class-validator';
import { ConventionEnv } from './convention.env';
import { CoreEnv } from './core.env';
import { DatesEnv } from './dates.env';
import { devSecret } from './dev-secrets';
import { NotificationsEnv } from './notifications.env';
import { ParcoursEnv } from './parcours.env';
import { PrivacyEnv } from './privacy.env';
import { SecurityEnv } from './security.env';
import { projectRoot } from './project-root';

/** The sections of the one env schema; each is a class-validator class with its defaults. */
const SECTIONS = [CoreEnv, ParcoursEnv, ConventionEnv, NotificationsEnv, PrivacyEnv, DatesEnv, SecurityEnv] as const;

/**
 * The validated, typed configuration of a process. The abstract class is the Nest injection token and the
 * interface its shape: one name for both, so `constructor(config: AppConfig)` just works.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export abstract class AppConfig {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface AppConfig extends CoreEnv, ParcoursEnv, ConventionEnv, NotificationsEnv, PrivacyEnv, DatesEnv, SecurityEnv {
  /** Absolute path of PRE_DATA_DIR. */
  dataDir: string;
  /** The JWT secret in use (dev/HS256 mode); undefined when JWT_JWKS_URL is set. */
  jwtSecret?: string;
  childKeySecret: string;
}

/** A bad configuration value: names the variable and what it expects. */
export class EnvValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'EnvValidationError';
  }
}

function declaredProperties(Section: abstract new () => object): string[] {
  const metas = getMetadataStorage().getTargetValidationMetadatas(Section as new () => object, '', true, false);
  return [...new Set(metas.map((m) => m.propertyName))];
}

function describe(errors: ValidationError[], source: Record<string, unknown>): string[] {
  return errors.map((e) => {
    const value = source[e.property];
    const shown = value === undefined ? 'unset' : `"${String(value).slice(0, 40)}"`;
    return `${e.property} (${shown}): ${Object.values(e.constraints ?? {}).join('; ')}`;
  });
}

/** Validates an environment (default: process.env) against every section; throws EnvValidationError. */
export function loadEnv(source: Record<string, string | undefined> = process.env): AppConfig {
  const problems: string[] = [];
  const merged: Record<string, unknown> = {};
  const plain = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  for (const Section of SECTIONS) {
    const instance = plainToInstance(Section as new () => object, plain, { exposeDefaultValues: true }) as Record<string, unknown>;
    problems.push(...describe(validateSync(instance, { forbidUnknownValues: false }), source));
    for (const key of declaredProperties(Section)) merged[key] = instance[key];
  }
  const env = merged as unknown as AppConfig;
  if (env.TEMPORAL_TLS_CERT_PATH && !env.TEMPORAL_TLS_KEY_PATH) problems.push('TEMPORAL_TLS_KEY_PATH: required with TEMPORAL_TLS_CERT_PATH');
  if (env.TEMPORAL_TLS_KEY_PATH && !env.TEMPORAL_TLS_CERT_PATH) problems.push('TEMPORAL_TLS_CERT_PATH: required with TEMPORAL_TLS_KEY_PATH');
  if (env.PRE_WORKER_DEPLOYMENT && !env.PRE_WORKER_BUILD_ID) problems.push('PRE_WORKER_BUILD_ID: required with PRE_WORKER_DEPLOYMENT (Worker Versioning)');
  if (env.PRE_WORKER_BUILD_ID && !env.PRE_WORKER_DEPLOYMENT) problems.push('PRE_WORKER_DEPLOYMENT: required with PRE_WORKER_BUILD_ID (Worker Versioning)');
  if (env.NODE_ENV === 'production' && !env.JWT_JWKS_URL && !env.JWT_SECRET) {
    problems.push('JWT_JWKS_URL: required in production (or JWT_SECRET for HS256 tokens)');
  }
  if (env.NODE_ENV === 'production' && !env.PRE_CHILD_KEY_SECRET) {
    problems.push('PRE_CHILD_KEY_SECRET: required in production (at least 32 characters)');
  }
  if (source.PRE_CODEC_LOCAL_ACCESS === 'true' || source.PRE_CODEC_LOCAL_ACCESS === '1') {
    problems.push('PRE_CODEC_LOCAL_ACCESS: removed; the codec decodes for a supervisor or coordinator token or codec session only, local calls included (README, Data protection)');
  }
  if (problems.length > 0) throw new EnvValidationError(problems);

  env.dataDir = isAbsolute(env.PRE_DATA_DIR) ? env.PRE_DATA_DIR : join(projectRoot(), env.PRE_DATA_DIR);
  env.jwtSecret = env.JWT_JWKS_URL ? undefined : (env.JWT_SECRET ?? devSecret(env.dataDir, 'jwt-secret'));
  env.childKeySecret = env.PRE_CHILD_KEY_SECRET ?? devSecret(env.dataDir, 'child-key-secret');
  return env;
}

let cached: AppConfig | undefined;

/** The process configuration, validated once and cached. */
export function appConfig(): AppConfig {
  cached ??= loadEnv();
  return cached;
}

/** Loads the configuration or exits the process with a message naming the bad variables. */
export function appConfigOrExit(): AppConfig {
  try {
    return appConfig();
  } catch (e) {
    if (e instanceof EnvValidationError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
}
