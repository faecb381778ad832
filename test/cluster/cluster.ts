/**
 * The production topology, run for real on this machine (issue 18): PostgreSQL in a temporary folder (initdb, pg_ctl,
 * a port of its own), the Temporal schema created with the SQL tool (default store and visibility), the Temporal
 * server built by scripts/cluster-tools.sh with config/temporal/cluster.yaml, the namespace and the search attributes
 * through the operator API (scripts/register-search-attributes.ts, as docker-compose's one-shot job), then API and
 * worker processes (`node dist/src/main.js`, `node dist/src/worker.js`) with NODE_ENV=production.
 *
 * Every process is stopped by `stop()`, and by a watchdog if the test process dies (scripts/reaper.js).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { signDevToken } from '../../src/auth/dev-token';
import type { Role } from '../../src/auth/roles';
import { loadEnv } from '../../src/config/env';
import { freePort } from '../../src/dev/dev-server';
import { killTree, reapWithThisProcess, spawnCaptured, waitFor, type Started } from '../support/processes';
import { TEST_RATE_LIMITS } from '../support/rate-limits';

/** The repository (this file runs from test/cluster under jest, from dist/test/cluster in bench:visibility). */
export const root = [join(__dirname, '..', '..'), join(__dirname, '..', '..', '..')].find((d) => existsSync(join(d, 'package.json')))!;

/** The binaries and schema of scripts/cluster-tools.sh (built once, cached in .tools/). */
export function clusterTools(): Record<string, string> {
  const res = spawnSync('bash', [join(root, 'scripts', 'cluster-tools.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (res.status !== 0) throw new Error(`scripts/cluster-tools.sh failed (exit ${res.status})`);
  return Object.fromEntries(res.stdout.trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
}

function pgBin(name: string): string {
  for (const v of ['17', '16', '15', '14', '13']) {
    const p = `/usr/lib/postgresql/${v}/bin/${name}`;
    if (existsSync(p)) return p;
  }
  return name; // on PATH
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
/** initdb and postgres refuse to run as root: as root, they run as the `postgres` user of Debian's package. */
function pgCommand(bin: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', pgBin(bin), ...args]] : [pgBin(bin), args];
}

export interface Postgres {
  port: number;
  dir: string;
  stop(): void;
  /** The major version running (`pg_ctl --version`), e.g. "15". */
  major: string;
}

export async function startPostgres(base: string): Promise<Postgres> {
  const dir = join(base, 'pg');
  mkdirSync(dir, { mode: 0o700 });
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })));
  const port = await freePort();
  const run = (bin: string, args: string[]) => {
    const [cmd, argv] = pgCommand(bin, args);
    const res = spawnSync(cmd, argv, { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed: ${res.stderr || res.stdout}`);
  };
  run('initdb', ['-D', join(dir, 'data'), '-U', 'temporal', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  // fsync off: a test database, thrown away at the end (the server's restart test restarts Temporal, not PostgreSQL)
  run('pg_ctl', ['-D', join(dir, 'data'), '-l', join(dir, 'log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, 'start']);
  const version = spawnSync(pgBin('pg_ctl'), ['--version'], { encoding: 'utf8' }).stdout ?? '';
  return {
    port,
    dir,
    major: /PostgreSQL\) (\d+)/.exec(version)?.[1] ?? 'unknown',
    stop: () => {
      const [cmd, argv] = pgCommand('pg_ctl', ['-D', join(dir, 'data'), '-m', 'immediate', '-w', 'stop']);
      spawnSync(cmd, argv, { encoding: 'utf8' });
    },
  };
}

/**
 * The default store and the visibility store, with the script of docker-compose.yml's one-shot schema job
 * (scripts/compose/temporal-schema.sh), run with the SQL tool built at the compose file's server version. Returns its output.
 */
export function createSchema(tools: Record<string, string>, pgPort: number): string {
  const env = {
    ...process.env,
    SQL_HOST: '127.0.0.1',
    SQL_PORT: String(pgPort),
    SQL_USER: 'temporal',
    SQL_PASSWORD: 'temporal',
    TEMPORAL_SQL_TOOL: tools.TEMPORAL_SQL_TOOL_BIN,
    TEMPORAL_SCHEMA_DIR: tools.TEMPORAL_SCHEMA_DIR,
  };
  const res = spawnSync('sh', [join(root, 'scripts', 'compose', 'temporal-schema.sh')], { env, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`scripts/compose/temporal-schema.sh failed (exit ${res.status}): ${res.stderr}${res.stdout}`);
  return res.stdout;
}

export interface TemporalServer {
  address: string;
  run: Started;
  /** Starts the server again on the same ports and database (after stop). */
  restart(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A free port below 32768: the server stores its membership ports in a PostgreSQL smallint. */
async function lowFreePort(taken: Set<number>): Promise<number> {
  const { createServer } = await import('node:net');
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
}

/** Options of `startTemporal`: more environment for the config file (e.g. TLS), and how the readiness probe connects. */
export interface TemporalServerOptions {
  env?: Record<string, string>;
  connect?: Omit<ConnectionOptions, 'address'>;
}

export async function startTemporal(tools: Record<string, string>, pgPort: number, options: TemporalServerOptions = {}): Promise<TemporalServer> {
  const taken = new Set<number>();
  const ports: number[] = [];
  for (let i = 0; i < 10; i++) ports.push(await lowFreePort(taken));
  const env = {
    ...process.env,
    POSTGRES_PORT: String(pgPort),
    POSTGRES_PWD: 'temporal',
    TEMPORAL_FRONTEND_PORT: String(ports[0]),
    TEMPORAL_FRONTEND_HTTP_PORT: String(ports[1]),
    TEMPORAL_HISTORY_PORT: String(ports[2]),
    TEMPORAL_MATCHING_PORT: String(ports[3]),
    TEMPORAL_WORKER_PORT: String(ports[4]),
    TEMPORAL_FRONTEND_MEMBERSHIP_PORT: String(ports[5]),
    TEMPORAL_HISTORY_MEMBERSHIP_PORT: String(ports[6]),
    TEMPORAL_MATCHING_MEMBERSHIP_PORT: String(ports[7]),
    TEMPORAL_WORKER_MEMBERSHIP_PORT: String(ports[8]),
    TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${ports[9]}`,
    TEMPORAL_DYNAMIC_CONFIG_FILE: join(root, 'config', 'temporal', 'dynamicconfig.yaml'),
    ...options.env,
  };
  const address = `127.0.0.1:${ports[0]}`;
  const server: TemporalServer = {
    address,
    run: undefined as unknown as Started,
    async restart() {
      server.run = spawnCaptured(tools.TEMPORAL_SERVER_BIN, ['--config-file', join(root, 'config', 'temporal', 'cluster.yaml'), '--allow-no-auth', 'start'], { cwd: root, env });
      reapWithThisProcess(server.run.child.pid!);
      await untilServing(address, server.run, options.connect);
    },
    async stop(signal = 'SIGTERM') {
      if (server.run.child.exitCode !== null || server.run.child.signalCode !== null) return;
      server.run.child.kill(signal);
      const timer = setTimeout(() => server.run.child.kill('SIGKILL'), 20_000);
      await server.run.exited;
      clearTimeout(timer);
    },
  };
  await server.restart();
  return server;
}

async function untilServing(address: string, run: Started, connect: Omit<ConnectionOptions, 'address'> = {}, timeoutMs = 90_000): Promise<void> {
  const started = Date.now();
  let last = '';
  while (Date.now() - started < timeoutMs) {
    if (run.child.exitCode !== null) throw new Error(`the Temporal server exited (${run.child.exitCode}):\n${run.output().slice(-3000)}`);
    try {
      const conn = await Connection.connect({ ...connect, address, connectTimeout: '2s' });
      try {
        await conn.withDeadline(Date.now() + 3000, () => conn.workflowService.describeNamespace({ namespace: 'temporal-system' }));
        return;
      } finally {
        await conn.close();
      }
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the Temporal server did not serve within ${timeoutMs} ms (${last}):\n${run.output().slice(-3000)}`);
}

/** The worker deployment of the cluster's workers (Worker Versioning) and the build id they start with. */
export const DEPLOYMENT = 'pre-orchestrator';
export const BUILD_A = 'build-a';
/** The staff the notifications of the cluster tests go to (the SMTP test server receives them). */
export const STAFF = { 'u-ref-1': 'referent-1@pre.test', 'u-coord-1': 'coordinator-1@pre.test' } as const;

/**
 * The configuration every API and worker process of the cluster shares (no file is shared between them); with
 * `smtpUrl`, the workers send their e-mails there. Versioned workers: add `versionedWorkers()`.
 */
export function sharedEnv(address: string, smtpUrl?: string): Record<string, string> {
  return {
    ...(smtpUrl ? { SMTP_URL: smtpUrl } : {}),
    STAFF_DIRECTORY: Object.entries(STAFF).map(([id, email]) => `${id}=${email}`).join(','),
    NODE_ENV: 'production',
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: 'pre-orchestrator',
    JWT_SECRET: randomBytes(32).toString('base64url'),
    PRE_CHILD_KEY_SECRET: randomBytes(32).toString('base64url'),
    PRE_CODEC_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    LOG_LEVEL: 'warn',
    WORKER_METRICS_PORT: '0',
    WORKER_SHUTDOWN_GRACE_SECONDS: '5',
    ...TEST_RATE_LIMITS,
  };
}

/** Worker Versioning: the workers are builds of the deployment DEPLOYMENT, BUILD_A unless a test starts another. */
export function versionedWorkers(buildId: string = BUILD_A): Record<string, string> {
  return { PRE_WORKER_DEPLOYMENT: DEPLOYMENT, PRE_WORKER_BUILD_ID: buildId };
}

export interface NodeProcess extends Started {
  name: string;
  url?: string;
}

const SCRIPTS = { register: 'register-search-attributes.js', promote: 'promote-worker.js' } as const;

/**
 * `node dist/src/<entry>.js` with its own data folder (nothing shared on disk between processes), or one of the
 * operator's scripts (`register`: npm run temporal:search-attributes; `promote`: npm run worker:promote).
 */
export async function startNode(name: string, entry: 'main' | 'worker' | 'register' | 'promote', base: string, env: Record<string, string>, extraArgs: string[] = []): Promise<NodeProcess> {
  const dataDir = mkdtempSync(join(base, `${name}-`));
  const port = entry === 'main' ? await freePort() : 0;
  const script = entry === 'register' || entry === 'promote' ? join(root, 'dist', 'scripts', SCRIPTS[entry]) : join(root, 'dist', 'src', `${entry}.js`);
  const args = entry === 'register' ? [script, '--create-namespace', ...extraArgs] : [script, ...extraArgs];
  const run = spawnCaptured(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH, ...env, PRE_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' },
  });
  reapWithThisProcess(run.child.pid!);
  const proc: NodeProcess = Object.assign(run, { name, url: entry === 'main' ? `http://127.0.0.1:${port}` : undefined });
  if (proc.url) await waitFor(`${proc.url}/health/live`, 200, 60_000);
  return proc;
}

export function tokenFor(env: Record<string, string>): (sub: string, role: Role) => Promise<string> {
  const config = loadEnv({ ...env, PRE_DATA_DIR: tmpdir() });
  return (sub, role) => signDevToken(config, sub, [role]);
}

export function stopAll(procs: Array<Started | undefined>): void {
  for (const p of procs) if (p) killTree(p);
}

export function tempBase(): string {
  const base = mkdtempSync(join(tmpdir(), 'pre-cluster-'));
  chmodSync(base, 0o711); // PostgreSQL's user reaches its own folder inside; each process's data folder stays 0700
  return base;
}

export function removeBase(base: string): void {
  rmSync(base, { recursive: true, force: true });
}

/**
 * Whether process `pid` holds an established TCP connection to 127.0.0.1:`port` right now (Linux /proc): the worker
 * SIGKILL test kills a worker in the middle of its SMTP transaction.
 */
export function hasConnectionTo(pid: number, port: number): boolean {
  try {
    const portHex = port.toString(16).toUpperCase().padStart(4, '0');
    const inodes = new Set(
      readFileSync('/proc/net/tcp', 'utf8')
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f.length > 9 && f[2] === `0100007F:${portHex}` && f[3] === '01')
        .map((f) => f[9]),
    );
    if (inodes.size === 0) return false;
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        return m !== null && inodes.has(m[1]);
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}
