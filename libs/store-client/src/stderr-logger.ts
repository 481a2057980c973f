/**
 * The default logger of the providers when the service passes none: warnings and errors as one
 * JSON line on stderr, shaped like the services' pino lines (`module` names the provider); info
 * is dropped. store-client depends on no logging library, so services pass their pino logger.
 */
export interface JsonLineLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export function stderrJsonLogger(module: string): JsonLineLogger {
  const write = (level: number, obj: Record<string, unknown>, msg: string): void => {
    const line = { level, time: Date.now(), module, ...obj, msg };
    process.stderr.write(`${JSON.stringify(line, (_k, v: unknown) => (v instanceof Error ? v.message : v))}\n`);
  };
  return {
    info: () => {},
    warn: (obj, msg) => write(40, obj, msg),
    error: (obj, msg) => write(50, obj, msg),
  };
}
