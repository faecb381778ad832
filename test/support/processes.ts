/**
 * Helpers of the tests that run the service as real processes (`npm start`, `node dist/src/main.js`, …):
 * spawn one with its output captured, wait for an HTTP answer, find and check its process tree.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, startDevServer, type DevServer, type DevServerOptions } from '../../src/dev/dev-server';

/** Every descendant of a process (children, grandchildren, …), from `ps`. */
export function descendants(pid: number): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const rows = out.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const [p, pp] of rows) {
      if (pp === parent) {
        found.push(p);
        queue.push(p);
      }
    }
  }
  return found;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Polls `url` until it answers `status`; resolves with the time it took. With `watch`, fails as soon as one of
 * those processes exits, and either failure carries the tail of their output (what the process said is the
 * diagnosis: a port in use, a failed build, a refused configuration).
 */
export async function waitFor(url: string, status: number, timeoutMs: number, watch: Started[] = []): Promise<number> {
  const started = Date.now();
  const said = () => watch.map((run) => `\n--- output of pid ${run.child.pid} (last 4000 characters)\n${run.output().slice(-4000)}`).join('');
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.status === status) return Date.now() - started;
    } catch {
      // not listening yet
    }
    const gone = watch.find((run) => run.child.exitCode !== null || run.child.signalCode !== null);
    if (gone) throw new Error(`pid ${gone.child.pid} exited (${gone.child.exitCode ?? gone.child.signalCode}) before ${url} answered ${status}${said()}`);
    if (Date.now() - started > timeoutMs) throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms${said()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface Started {
  child: ChildProcess;
  /** Everything the process wrote so far, stdout and stderr interleaved as received. */
  output: () => string;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

/** Spawns a process with stdout and stderr captured (nothing inherited, stdin closed). */
export function spawnCaptured(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Started {
  let output = '';
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}

/** SIGKILLs a started process and whatever it left behind (the `finally` of a test). */
export function killTree(run: Started): void {
  const pids = run.child.pid ? descendants(run.child.pid) : [];
  if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** A detached watchdog (scripts/reaper.js) that stops `pid` if this process dies without stopping it (a killed test run). */
export function reapWithThisProcess(pid: number): void {
  spawn(process.execPath, [join(__dirname, '..', '..', 'scripts', 'reaper.js'), String(process.pid), String(pid)], { detached: true, stdio: 'ignore' }).unref();
}

/** What a process says when a port it was given was bound by another process in the meantime. */
const PORT_TAKEN = /EADDRINUSE|address already in use|is port \d+ free/i;

/**
 * Starts a service (one process, or several that work together) on `count` free ports and waits until `readyUrl`
 * answers 200. A free port is only free when chosen: the dev server binds several ports of its own (chosen by the
 * system too) before the worker binds its metrics port, so a start where a process exits because a port was taken is
 * stopped and started again on fresh ports (3 attempts).
 */
export async function startOnFreePorts<R extends Started | Started[]>(
  count: number,
  start: (ports: number[]) => R,
  readyUrl: (ports: number[]) => string,
  timeoutMs: number,
): Promise<{ run: R; ports: number[] }> {
  for (let attempt = 1; ; attempt++) {
    const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
    const run = start(ports);
    const runs: Started[] = Array.isArray(run) ? run : [run];
    try {
      await waitFor(readyUrl(ports), 200, timeoutMs, runs);
      return { run, ports };
    } catch (e) {
      const portTaken = runs.some((r) => r.child.exitCode !== null && PORT_TAKEN.test(r.output()));
      for (const r of runs) killTree(r);
      if (attempt < 3 && portTaken) {
        await Promise.all(runs.map((r) => r.exited));
        process.stderr.write(`startOnFreePorts: a port was taken (${ports.join(', ')}); starting again on fresh ports\n`);
        continue;
      }
      throw e;
    }
  }
}

/**
 * Starts a Temporal dev server on `count` fresh free ports (`options` places them: its frontend, its UI, an API the UI
 * calls…). The dev server also binds ports of its own, chosen by the system from the same range as ours, between our
 * choice and its own binding: a start that exits (a port taken in between) is started again on fresh ports, 3 times.
 */
export async function devServerOnFreePorts(count: number, options: (ports: number[]) => DevServerOptions): Promise<{ server: DevServer; ports: number[] }> {
  for (let attempt = 1; ; attempt++) {
    const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
    try {
      return { server: await startDevServer(options(ports)), ports };
    } catch (e) {
      if (attempt < 3 && /start-dev exited with code/.test((e as Error).message)) {
        process.stderr.write(`devServerOnFreePorts: ${(e as Error).message}; starting again on fresh ports\n`);
        continue;
      }
      throw e;
    }
  }
}
