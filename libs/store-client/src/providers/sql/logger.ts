/**
 * Warnings of the SQL providers (changelog history lost). A service passes its pino logger as
 * `options.logger`; otherwise one JSON line on stderr, like the MongoDB provider's.
 */
import { stderrJsonLogger } from '../../stderr-logger.js';

export interface SqlLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
}

export function stderrLogger(provider: string): SqlLogger {
  return stderrJsonLogger(`store-client/${provider}`);
}

/** A logger given in the options, if it looks like one. */
export function loggerOption(value: unknown): SqlLogger | undefined {
  return typeof value === 'object' && value !== null && typeof (value as { warn?: unknown }).warn === 'function'
    ? (value as SqlLogger)
    : undefined;
}
