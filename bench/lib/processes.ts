/**
 * Separate OS processes for the benchmark and the fault-injection tests: the compiled API, worker and embedded
 * default (`dist/src/*.js`), each watched by scripts/reaper.js so that a crashed run never leaves one behind.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root (bench/lib → ../.. in the sources, dist/bench/lib → ../../.. once compiled). */
export const ROOT = [join(__dirname, '..', '..'), join(__dirname, '..', '..', '..')].find((d) => existsSync(join(d, 'package.json')))!;

/** The compiled entry points (`npm run build`). */
export const ENTRY = {
  api: join(ROOT, 'dist', 'src', 'main.js'),
  worker: join(ROOT, 'dist', 'src', 'worker.js'),
  embedded: join(ROOT, 'dist', 'src', 'dev.js'),
};

/**
 * Builds `dist/` when a source is newer than the last build (scripts/ensure-build.js: a no-op when fresh, as in
 * CI where `npm run build` ran before the tests).
 */
export function ensureBuild(): void {
  const res = spawnSync(process.execPath, [join(ROOT, 'scripts', 'ensure-build.js')], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (res.status !== 0) throw new Error(`scripts/ensure-build.js failed with status ${res.status}`);
  for (const f of Object.values(ENTRY)) if (!existsSync(f)) throw new Error(`${f} is missing after the build`);
}

export interface NodeProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  /** The last lines the process printed (stdout and stderr), for diagnostics. */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  /** SIGKILL, now. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Resolves when a printed line matches. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void>;
}

/** The environment a spawned service gets: this process's PATH and HOME, not its test or bench variables. */
function baseEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'TEMPORAL_CLI_PATH', 'TEMPORAL_TEST_SERVER_PATH', 'NODE_EXTRA_CA_CERTS'];
  return Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]!]));
}

/** Spawns `node <entry>` with the given environment (on top of PATH/HOME). */
export function spawnNode(name: string, entry: string, env: Record<string, string>, nodeArgs: string[] = []): NodeProcess {
  const child = spawn(process.execPath, [...nodeArgs, entry], { cwd: ROOT, env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  spawn(process.execPath, [join(ROOT, 'scripts', 'reaper.js'), String(process.pid), String(child.pid)], { detached: true, stdio: 'ignore' }).unref();
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  const onData = (d: Buffer) => {
    for (const line of d.toString('utf8').split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > 300) lines.shift();
      for (const w of [...waiters]) {
        if (!w.pattern.test(line)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    }),
  );
  const p: NodeProcess = {
    name,
    child,
    pid: child.pid!,
    output: () => lines.join('\n'),
    exited,
    alive: () => !done,
    async kill() {
      if (done) return;
      child.kill('SIGKILL');
      await exited;
    },
    async stop(graceMs = 15_000) {
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    waitForOutput(pattern, timeoutMs) {
      if (lines.some((l) => pattern.test(l))) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no output matching ${pattern} within ${timeoutMs} ms\n${lines.slice(-30).join('\n')}`)), timeoutMs);
        const w = { pattern, resolve: () => (clearTimeout(timer), resolve()) };
        waiters.push(w);
        void exited.then(() => {
          if (waiters.includes(w)) {
            clearTimeout(timer);
            reject(new Error(`${name} exited before printing ${pattern}\n${lines.slice(-30).join('\n')}`));
          }
        });
      });
    },
  };
  return p;
}

/** Resident memory of a process in MiB (VmRSS of /proc/<pid>/status), NaN when unreadable. */
export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Direct children of a process (from /proc), e.g. the Temporal CLI under the embedded default. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The command line of a process ('' when unreadable). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** Waits until `url` answers `status` (or any of `statuses`); resolves with the elapsed ms. */
export async function waitForHttp(url: string, status: number, timeoutMs: number, everyMs = 100): Promise<number> {
  const started = Date.now();
  let last = 'no answer';
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (res.status === status) return Date.now() - started;
      last = `status ${res.status}`;
      await res.arrayBuffer();
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${last})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** CPU time (user + system, seconds) a process has used so far (from /proc/<pid>/stat), NaN when unreadable. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11] and fields[12] are utime and stime (the 14th and 15th of the whole line), in clock ticks
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** Clock ticks per second of /proc times (USER_HZ: 100 on Linux). */
const CLOCK_TICKS = 100;
