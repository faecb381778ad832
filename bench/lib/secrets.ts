import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_RATE_LIMITS } from '../../test/support/rate-limits';

/** A benchmark's own data folder and fresh secrets, shared by the processes under test and the bench's client. */
export interface BenchSecrets {
  dataDir: string;
  env: Record<string, string>;
}

/**
 * Fresh secrets in a new temporary data folder, and rate limits far above what a benchmark sends through one token
 * (the limits themselves are tested in test/security).
 */
export function benchSecrets(name: string): BenchSecrets {
  const dataDir = mkdtempSync(join(tmpdir(), `pre-bench-${name}-`));
  return {
    dataDir,
    env: {
      NODE_ENV: 'development',
      PRE_DATA_DIR: dataDir,
      JWT_SECRET: randomBytes(32).toString('base64url'),
      PRE_CHILD_KEY_SECRET: randomBytes(32).toString('base64url'),
      PRE_CODEC_KEYS: `bench:${randomBytes(32).toString('base64')}`,
      ...TEST_RATE_LIMITS,
    },
  };
}
