#!/usr/bin/env node
/**
 * `npm start`'s pre-step: builds (tsc + workflow bundle) only when a source file is newer than the last
 * build, so that a second start is instant.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const stamp = path.join(root, 'dist', '.build-stamp');

function newestMtime(dir) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (/\.(ts|json)$/.test(entry.name)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

const sources = Math.max(
  ...['src', 'workflows', 'activities', 'scripts'].map((d) => newestMtime(path.join(root, d))),
  ...['package.json', 'tsconfig.json', 'tsconfig.build.json'].map((f) => fs.statSync(path.join(root, f)).mtimeMs),
);
const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
if (built >= sources && fs.existsSync(path.join(root, 'dist', 'workflow-bundle.js'))) process.exit(0);

process.stderr.write('Building (TypeScript + workflow bundle)…\n');
const res = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 2, 2] });
process.exit(res.status ?? 1);
