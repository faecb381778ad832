import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const server = globalThis.__PRE_DEV_SERVER__;
  globalThis.__PRE_DEV_SERVER__ = undefined;
  await server?.stop(5000);
  if (process.env.PRE_TEST_TMP) rmSync(process.env.PRE_TEST_TMP, { recursive: true, force: true });
}
