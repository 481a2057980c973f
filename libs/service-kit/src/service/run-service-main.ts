/**
 * The process entry point of every service: `main.ts` is `await runServiceMain(definition)`.
 *
 * Order matters for Kubernetes: settings are checked first (a bad flag is one line and exit 2,
 * before anything connects); then the probe server listens at once, so `/healthz` answers from
 * the first second and `/readyz` says what the start waits for; then the dependencies are built
 * and the service started. SIGTERM/SIGINT at any point — also while waiting for the datastore —
 * stops it within `--shutdown-grace`.
 *
 * Exit codes (documented in libs/service-kit/README.md):
 *   0  stopped on request
 *   1  failed while running (fatal error, broken stream) or the graceful shutdown overran
 *   2  bad configuration: settings, environment, config files, rules, templates
 *   3  could not start for another reason (e.g. the metrics port is taken)
 */
import { isHelpRequested } from '../config/argv.js';
import { formatHelp } from '../config/help.js';
import { CONFIG_ERROR_EXIT_CODE } from '../config/load-config-or-exit.js';
import type { ConfigSchema } from '../config/settings.js';
import { ConfigError, ServiceCreateError } from '../errors/catalogue.js';
import { createService, type ProcessLike } from '../lifecycle/create-service.js';
import { createLogger } from '../logging/create-logger.js';
import { flushOutput, processOutput } from '../logging/output.js';
import { createServiceServer } from '../server/create-service-server.js';
import { serviceSchema, type ServiceDefinition } from './define-service.js';
import { launchService, readSettings } from './launch-service.js';

export const EXIT_CODES = { stopped: 0, failed: 1, configuration: CONFIG_ERROR_EXIT_CODE, startFailed: 3 } as const;

export interface RunServiceMainOptions {
  argv?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  /** Signals and exit; tests pass a fake. */
  process?: ProcessLike;
}

export async function runServiceMain<S extends ConfigSchema>(
  definition: ServiceDefinition<S>,
  options: RunServiceMainOptions = {},
): Promise<void> {
  const argv = options.argv ?? process.argv.slice(2);
  const env = options.env ?? process.env;
  const proc = options.process ?? process;
  const exitNow = async (code: number, line: string) => {
    processOutput(2).write(`${line}\n`);
    await flushOutput(500);
    proc.exit(code);
  };

  if (isHelpRequested(argv)) {
    processOutput(1).write(
      `${definition.description}\n\n${formatHelp(serviceSchema(definition), { program: definition.name })}\n`,
    );
    await flushOutput(500);
    return proc.exit(0);
  }
  let settings;
  try {
    settings = readSettings(definition, argv, env);
  } catch (err) {
    if (!ConfigError.is(err)) throw err;
    return exitNow(
      EXIT_CODES.configuration,
      `${definition.name}: ${(err as Error).message}\nRun with --help to see every setting.`,
    );
  }

  const logger = createLogger({ name: definition.name, level: settings.logLevel, env });
  const server = createServiceServer({ name: definition.name, port: settings.metricsPort, logger });
  const lifecycle = createService({
    name: definition.name,
    logger,
    server,
    shutdownDelayMs: settings.shutdownGrace,
    process: proc,
  });
  try {
    await lifecycle.start({ ready: false });
  } catch (err) {
    logger.fatal({ err }, `${definition.name} could not serve its probes on port ${settings.metricsPort}`);
    return exitNow(
      EXIT_CODES.startFailed,
      `${definition.name}: cannot listen on port ${settings.metricsPort}: ${(err as Error).message}`,
    );
  }

  const launched = launchService(definition, { settings, env, logger, server });
  lifecycle.onShutdown(() => launched.stop(), {
    name: definition.name,
    timeoutMs: Math.max(settings.shutdownGrace - 500, 100),
  });
  let startFailed = false;
  launched.started.catch((err: unknown) => {
    startFailed = true;
    const configuration = ConfigError.is(err) || ServiceCreateError.is(err);
    logger.fatal({ err }, configuration ? 'configuration rejected' : 'start-up failed');
    void lifecycle.shutdown(err as Error, configuration ? EXIT_CODES.configuration : EXIT_CODES.startFailed);
  });
  launched.done.catch((err: unknown) => {
    if (startFailed) return; // reported above, with its own exit code
    logger.fatal({ err }, `${definition.name} failed; shutting down`);
    void lifecycle.shutdown(err instanceof Error ? err : new Error(String(err)), EXIT_CODES.failed);
  });
}
