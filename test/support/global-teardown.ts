import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const server = globalThis.__PRE_DEV_SERVER__;
  globalThis.__PRE_DEV_SERVER__ = undefined;
  await server?.stop(5000);
  // PRE_TEST_KEEP_TMP=1 keeps the run's data folders and captured logs for a post-mortem
  if (process.env.PRE_TEST_TMP && process.env.PRE_TEST_KEEP_TMP !== '1') rmSync(process.env.PRE_TEST_TMP, { recursive: true, force: true });
}
