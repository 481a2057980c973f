#!/usr/bin/env node
/**
 * nvsentinel-migrate: brings the PostgreSQL schema up to date and exits (0 on success).
 * Reads the same configuration as the services (DATASTORE_* …). `--status` only reports.
 * The Helm chart runs it as a Job before the services start.
 */
import { loadDatastoreConfig } from '../config/load.js';
import { describeConfig } from '../config/describe.js';
import { readSchemaStatus, runMigrations } from '../migrate.js';

async function main(argv: string[]): Promise<number> {
  const config = loadDatastoreConfig();
  const log = (message: string, fields: Record<string, unknown> = {}) =>
    process.stdout.write(
      `${JSON.stringify({ level: 'info', module: 'nvsentinel-migrate', msg: message, ...fields })}\n`,
    );
  log('datastore', { config: describeConfig(config) });
  if (argv.includes('--status')) {
    const status = await readSchemaStatus(config);
    log('schema status', { ...status });
    return status.version >= status.required && status.staleRepeatables.length === 0 ? 0 : 3;
  }
  const result = await runMigrations(config);
  log(result.applied.length ? 'migrations applied' : 'schema already up to date', { ...result });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `${JSON.stringify({ level: 'error', module: 'nvsentinel-migrate', msg: (err as Error).message, code: (err as { code?: string }).code })}\n`,
    );
    process.exit(1);
  },
);
