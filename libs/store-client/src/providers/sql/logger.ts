/**
 * Warnings of the SQL providers (changelog history lost). store-client depends on no logging
 * library: a service passes its pino logger as `options.logger`; otherwise one JSON line on
 * stderr, shaped like the services' pino lines.
 */
export interface SqlLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
}

export function stderrLogger(provider: string): SqlLogger {
  return {
    warn: (obj, msg) => {
      const line = { level: 40, time: Date.now(), module: `store-client/${provider}`, ...obj, msg };
      process.stderr.write(`${JSON.stringify(line, (_k, v: unknown) => (v instanceof Error ? v.message : v))}\n`);
    },
  };
}

/** A logger given in the options, if it looks like one. */
export function loggerOption(value: unknown): SqlLogger | undefined {
  return typeof value === 'object' && value !== null && typeof (value as { warn?: unknown }).warn === 'function' ? (value as SqlLogger) : undefined;
}
