/**
 * Registers the project's custom search attributes (workflows/shared/search-attributes.ts) in the configured namespace
 * through the operator API, then checks each one's type: `npm run temporal:search-attributes` with TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE and the TLS variables of the API. Fails loudly (exit 1) on anything but "already exists": a
 * missing namespace, a type clash, the visibility store's per-type budget, a refused call. Prints what it registered.
 * `--create-namespace [hours]` first creates the namespace when it does not exist (retention of closed runs: 24 h).
 */
import 'reflect-metadata';
import { Connection } from '@temporalio/client';
import { appConfigOrExit } from '../src/config/env';
import { connectionOptions, temporalAddress } from '../src/temporal/connection-options';
import { ensureNamespace, registerSearchAttributes } from '../src/temporal/prerequisites';

async function main(): Promise<void> {
  const config = appConfigOrExit();
  const connection = await Connection.connect({ ...connectionOptions(config), connectTimeout: '10s' });
  try {
    const flag = process.argv.indexOf('--create-namespace');
    if (flag >= 0) {
      const hours = Number(process.argv[flag + 1] ?? 24) || 24;
      if (await ensureNamespace(connection, config.TEMPORAL_NAMESPACE, hours)) {
        process.stdout.write(`namespace "${config.TEMPORAL_NAMESPACE}" created (retention of closed runs: ${hours} h)\n`);
      }
    }
    const added = await registerSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
    process.stdout.write(
      `search attributes of namespace "${config.TEMPORAL_NAMESPACE}" on ${temporalAddress(config)}: ` +
        (added.length ? `registered ${added.join(', ')}` : 'all already registered') +
        '\n',
    );
  } finally {
    await connection.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`registering the search attributes failed: ${(e as Error).message}\n`);
  process.exit(1);
});
