#!/usr/bin/env node
/**
 * Watchdog: `node scripts/reaper.js <parentPid> <childPid>` kills the child (SIGTERM, then SIGKILL) once the
 * parent is gone, so that a killed `npm start` or test run never leaves a Temporal server behind.
 */
'use strict';
const [parent, child] = process.argv.slice(2).map(Number);
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const timer = setInterval(() => {
  if (!alive(child)) process.exit(0);
  if (!alive(parent)) {
    clearInterval(timer);
    try { process.kill(child, 'SIGTERM'); } catch { /* gone */ }
    setTimeout(() => {
      try { process.kill(child, 'SIGKILL'); } catch { /* gone */ }
      process.exit(0);
    }, 5000);
  }
}, 1000);
