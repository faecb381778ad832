/**
 * Helpers of the tests that run the service as real processes (`npm start`, `node dist/src/main.js`, …):
 * spawn one with its output captured, wait for an HTTP answer, find and check its process tree.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';

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

/** Polls `url` until it answers `status`; resolves with the time it took. */
export async function waitFor(url: string, status: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.status === status) return Date.now() - started;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs) throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms`);
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
