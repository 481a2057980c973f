/**
 * pino logger shared by every service: JSON lines on stdout (what log collectors expect), a
 * `service` field on every line, `module` on child loggers, and redaction of obvious secrets.
 */
import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import { ConfigError } from '../errors/catalogue.js';
import { processOutput } from './output.js';

export type { Logger } from 'pino';

/** pino's levels plus 'silent' (nothing at all: benchmarks, the CLI, embedding). */
export type LogLevel = Level | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Paths whose values are replaced by `[redacted]`. pino's `*` matches one level, so
 * `*.password` covers `{ datastore: { password } }` but not deeper nesting.
 */
export const DEFAULT_REDACT_PATHS: readonly string[] = [
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'token',
  '*.token',
  'secret',
  '*.secret',
];

export interface CreateLoggerOptions {
  /** Service name, written as `service` on every line. */
  name: string;
  /** Overrides `LOG_LEVEL`; default `info`. */
  level?: string;
  /**
   * Human-readable output via pino-pretty (a worker-thread transport). Default: `LOG_FORMAT=pretty`
   * turns it on, `LOG_FORMAT=json` off; otherwise on only when stdout is a TTY (a developer's
   * terminal), never in a container where stdout is a pipe.
   */
  pretty?: boolean;
  /** Where to read `LOG_LEVEL` / `LOG_FORMAT`; defaults to `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Extra redaction paths, added to {@link DEFAULT_REDACT_PATHS}. */
  redact?: readonly string[];
  /** Write JSON here instead of stdout (tests, files). Ignored when pretty. */
  destination?: DestinationStream;
}

export function createLogger(options: CreateLoggerOptions): Logger {
  const env = options.env ?? process.env;
  const level = resolveLevel(options.level ?? env.LOG_LEVEL);
  const pretty = options.pretty ?? resolvePretty(env.LOG_FORMAT);
  const config = {
    level,
    base: { service: options.name },
    redact: { paths: [...DEFAULT_REDACT_PATHS, ...(options.redact ?? [])], censor: '[redacted]' },
    // Errors under `err` get pino's stack/type/cause serialization.
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    formatters: { level: (label: string) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (pretty) {
    return pino({
      ...config,
      transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } },
    });
  }
  // Not pino's default destination: that one writes synchronously and can block the event loop
  // on a full pipe (see output.ts).
  const stdout = processOutput(1);
  return pino(config, options.destination ?? { write: (line: string) => void stdout.write(line) });
}

/** Child logger for one part of a service; sets the `module` field upstream logs carry. */
export function moduleLogger(logger: Logger, module: string, bindings: Record<string, unknown> = {}): Logger {
  return logger.child({ module, ...bindings });
}

function resolveLevel(text: string | undefined): LogLevel {
  if (text === undefined || text === '') return 'info';
  const level = LOG_LEVELS.find((l) => l === text.trim().toLowerCase());
  if (!level) {
    throw new ConfigError([
      { source: 'LOG_LEVEL', message: `LOG_LEVEL='${text}': expected one of ${LOG_LEVELS.join(', ')}; set LOG_LEVEL` },
    ]);
  }
  return level;
}

function resolvePretty(format: string | undefined): boolean {
  const value = format?.trim().toLowerCase();
  if (value === 'pretty') return true;
  if (value === 'json') return false;
  if (value) {
    throw new ConfigError([
      { source: 'LOG_FORMAT', message: `LOG_FORMAT='${format}': expected json or pretty; set LOG_FORMAT` },
    ]);
  }
  return process.stdout.isTTY === true;
}
