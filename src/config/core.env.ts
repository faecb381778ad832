import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength } from 'class-validator';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : value === true || value === 'true' || value === '1' ? true : value === false || value === 'false' || value === '0' ? false : value;

/** Process, Temporal connection, HTTP, auth and observability settings. */
export class CoreEnv {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  /** HTTP port of the API. */
  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  /** Address of an existing Temporal cluster. Unset: `npm start` runs an embedded dev server. */
  @IsOptional() @IsString() @MinLength(3)
  TEMPORAL_ADDRESS?: string;

  @IsString() @MinLength(1)
  TEMPORAL_NAMESPACE = 'default';

  /** Temporal Cloud API key (implies TLS). */
  @IsOptional() @IsString() @MinLength(1)
  TEMPORAL_API_KEY?: string;

  /** mTLS client certificate and key (PEM file paths), and an optional CA and server name. */
  @IsOptional() @IsString() TEMPORAL_TLS_CERT_PATH?: string;
  @IsOptional() @IsString() TEMPORAL_TLS_KEY_PATH?: string;
  @IsOptional() @IsString() TEMPORAL_TLS_CA_PATH?: string;
  @IsOptional() @IsString() TEMPORAL_TLS_SERVER_NAME?: string;

  /**
   * At start-up, the API and the workers register the custom search attributes the namespace lacks (opt-in: an
   * operator may prefer to register them by hand). Off: readiness answers 503 naming each missing one and the command
   * that registers it, and a worker waits before polling (src/temporal/prerequisites.ts).
   */
  @IsOptional() @Transform(toBool) @IsBoolean()
  PRE_REGISTER_SEARCH_ATTRIBUTES = false;

  /** Task queue shared by the API (client) and the workers. */
  @IsString() @MinLength(1)
  TEMPORAL_TASK_QUEUE = 'pre-orchestrator';

  /** Embedded dev server: gRPC port, Web UI port, and the folder holding its SQLite file and dev secrets. */
  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  TEMPORAL_DEV_PORT = 7233;

  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  TEMPORAL_UI_PORT = 8233;

  @IsString() @MinLength(1)
  PRE_DATA_DIR = '.data';

  /** Dev auth: HS256 secret. Unset in development: generated once into PRE_DATA_DIR/jwt-secret. */
  @IsOptional() @IsString() @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET?: string;

  /** Production auth: the identity provider's JWKS URL; tokens are then checked against it. */
  @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  JWT_JWKS_URL?: string;

  @IsString() @MinLength(1)
  JWT_ISSUER = 'pre-orchestrator-dev';

  @IsString() @MinLength(1)
  JWT_AUDIENCE = 'pre-orchestrator';

  /** Worker: port of the Prometheus endpoint for the Temporal SDK's metrics (0 disables it). */
  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  WORKER_METRICS_PORT = 9464;

  /** Worker: address the Prometheus endpoint binds to; loopback by default (a container sets 0.0.0.0, unpublished). */
  @IsString() @MinLength(1)
  WORKER_METRICS_HOST = '127.0.0.1';

  /** Worker: how long a shutting-down worker waits for in-flight activities. */
  @Transform(toInt) @IsInt() @Min(0) @Max(3600)
  WORKER_SHUTDOWN_GRACE_SECONDS = 10;

  /**
   * Worker: how many workflows it keeps in memory; unset, derived from WORKER_MEMORY_BUDGET_MIB
   * (src/worker/cache-budget.ts). Measured (bench/results): a cache of 500 halves the RSS at 2 000 open cases but
   * triples the CPU per update once the working set is larger. At least 1: a workflow whose notification's local
   * activity is running keeps its cache slot, and without a cache its next workflow tasks wait for one (measured:
   * test/workflows/notifications.smtp.spec.ts held a notification's delivery for seconds with a cache of 0).
   */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000)
  WORKER_MAX_CACHED_WORKFLOWS?: number;

  /**
   * Worker: how many threads run workflow tasks (the SDK's `workflowThreadPoolSize`, one shared V8 context each).
   * Unset: the SDK's default, 1.
   */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(16)
  WORKER_WORKFLOW_THREADS?: number;

  /** Worker: the RSS it should stay within (MiB), from which the workflow cache's size is derived. */
  @Transform(toInt) @IsInt() @Min(256) @Max(1_048_576)
  WORKER_MEMORY_BUDGET_MIB = 1024;

  /** Worker: prebuilt workflow bundle (set by `npm run build`; falls back to bundling at start). */
  @IsOptional() @IsString()
  WORKFLOW_BUNDLE_PATH?: string;

  /**
   * Worker Versioning (src/worker/deployment.ts): the worker deployment this worker belongs to and the build id of its
   * code, both or neither. Set, the worker polls as that version and takes only the tasks the server routes to it
   * (new workflows go to the deployment's current version: `npm run worker:promote`); its workflows are auto-upgrade.
   * Unset (default, as `npm start` and the tests): an unversioned worker.
   */
  @IsOptional() @Matches(/^(?!__)[A-Za-z0-9_-]{1,100}$/, { message: 'PRE_WORKER_DEPLOYMENT must be 1-100 letters, digits, _ or - (no "." or ":"), e.g. pre-orchestrator' })
  PRE_WORKER_DEPLOYMENT?: string;

  @IsOptional() @Matches(/^(?!__)[A-Za-z0-9._+-]{1,100}$/, { message: 'PRE_WORKER_BUILD_ID must be 1-100 letters, digits, . _ + or -, e.g. a git commit or 1.4.2' })
  PRE_WORKER_BUILD_ID?: string;

  @IsIn(['debug', 'log', 'warn', 'error'])
  LOG_LEVEL: 'debug' | 'log' | 'warn' | 'error' = 'log';

  /** JSON logs (default) or human-readable ones. */
  @Transform(toBool) @IsBoolean()
  LOG_JSON = true;

  /** How long the API waits for Temporal on an update before answering 504. */
  @Transform(toInt) @IsInt() @Min(1) @Max(600)
  UPDATE_TIMEOUT_SECONDS = 30;
}
