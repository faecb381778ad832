import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads a development secret from the git-ignored data folder, generating it on first use. Never a
 * constant in code: each machine gets its own, and it survives restarts so that issued tokens and keyed
 * hashes stay valid.
 */
export function devSecret(dataDir: string, name: string, bytes = 32): string {
  mkdirSync(dataDir, { recursive: true });
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
