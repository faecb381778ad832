import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const script = join(__dirname, '..', '..', 'scripts', 'temporal-binaries.js');
const run = (env: Record<string, string>) =>
  spawnSync(process.execPath, [script, '--print-json'], { encoding: 'utf8', env: { ...process.env, ...env } });

describe('scripts/temporal-binaries.js', () => {
  it('finds the pinned binaries instantly on a second run (cached under .tools/ or given by env)', () => {
    run({});
    const started = Date.now();
    const res = run({});
    expect(res.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000);
    const out = JSON.parse(res.stdout) as { cli: string; testServer: string; sources: Record<string, string>; pins: { cli: { version: string } } };
    expect(out.pins.cli.version).toBe('1.9.1');
    const version = spawnSync(out.cli, ['--version'], { encoding: 'utf8' }).stdout;
    expect(version).toContain('temporal version 1.9.1');
  });

  it('prefers an explicit path from the environment', () => {
    const first = JSON.parse(run({}).stdout) as { cli: string; testServer: string };
    const res = JSON.parse(run({ TEMPORAL_CLI_PATH: first.cli, TEMPORAL_TEST_SERVER_PATH: first.testServer }).stdout) as { sources: Record<string, string> };
    expect(res.sources).toEqual({ cli: 'env', testServer: 'env' });
  });

  it('names everything it tried when nothing works', () => {
    const res = run({ TEMPORAL_CLI_PATH: '/nonexistent/temporal', PATH: '/nonexistent', PRE_TOOLS_DIR: '/nonexistent-tools-dir/x' });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/Could not obtain temporal 1\.9\.1\. Tried:/);
    expect(res.stderr).toMatch(/TEMPORAL_CLI_PATH=\/nonexistent\/temporal: not an executable file/);
    expect(res.stderr).toMatch(/on PATH: not found/);
    expect(res.stderr).toMatch(/pip/);
  });
});
