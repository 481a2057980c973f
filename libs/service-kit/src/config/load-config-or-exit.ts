/**
 * The command-line front door of a service's main.ts: prints help on `--help` and exits 0,
 * prints every config problem and exits 2 (the conventional "usage error" code), else returns
 * the typed config.
 */
import { ConfigError } from '../errors/catalogue.js';
import { isHelpRequested } from './argv.js';
import { formatHelp, type HelpOptions } from './help.js';
import { loadConfig, type LoadConfigOptions } from './load-config.js';
import type { ConfigOf, ConfigSchema } from './settings.js';

export interface LoadConfigOrExitOptions extends LoadConfigOptions, HelpOptions {
  /** Defaults to process.stdout / process.stderr / process.exit; injectable for tests. */
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown };
  exit?: (code: number) => never;
}

export const CONFIG_ERROR_EXIT_CODE = 2;

export function loadConfigOrExit<const S extends ConfigSchema>(
  schema: S,
  options: LoadConfigOrExitOptions,
): ConfigOf<S> {
  const argv = options.argv ?? process.argv.slice(2);
  const exit = options.exit ?? ((code: number) => process.exit(code));
  if (isHelpRequested(argv)) {
    (options.stdout ?? process.stdout).write(`${formatHelp(schema, options)}\n`);
    return exit(0);
  }
  try {
    return loadConfig(schema, { env: options.env, argv });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    (options.stderr ?? process.stderr).write(
      `${options.program}: ${err.message}\nRun with --help to see every setting.\n`,
    );
    return exit(CONFIG_ERROR_EXIT_CODE);
  }
}
