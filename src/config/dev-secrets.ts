import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Creates the data folder if needed and makes it private: 0700 (owner only), whatever the umask. Files inside are
 * written 0600. A read-only or foreign-owned folder keeps its mode.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dir, 0o700);
  } catch {
    // not ours to change
  }
}

/** Sets a file of the data folder to 0600 if it exists (files another program creates, e.g. the Temporal SQLite file). */
export function makePrivate(file: string): void {
  try {
    chmodSync(file, 0o600);
  } catch {
    // absent, or not ours to change
  }
}

/**
 * Reads a development secret from the git-ignored data folder, generating it on first use. Never a
 * constant in code: each machine gets its own, and it survives restarts so that issued tokens and keyed
 * hashes stay valid.
 */
export function devSecret(dataDir: string, name: string, bytes = 32): string {
  ensurePrivateDir(dataDir);
  const file = join(dataDir, name);
  if (!existsSync(file)) {
    writeFileSync(file, randomBytes(bytes).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  }
  try {
    chmodSync(file, 0o600);
  } catch {
    // read-only file systems keep whatever mode they have
  }
  return readFileSync(file, 'utf8').trim();
}
