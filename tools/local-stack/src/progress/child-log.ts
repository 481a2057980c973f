/** Turns a service's pino JSON log line into one readable terminal line, prefixed by the service. */

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
/** Fields every line has, or that say nothing useful in a terminal. */
const SKIPPED_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'name', 'module', 'v']);

export function formatChildLogLine(service: string, line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `[${service}] ${line}`;
  }
  if (typeof record !== 'object' || record === null || typeof record['msg'] !== 'string') return `[${service}] ${line}`;
  const level = LEVEL_NAMES[Number(record['level'])] ?? String(record['level'] ?? '');
  const extras = Object.entries(record)
    .filter(([key]) => !SKIPPED_FIELDS.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  return `[${service}] ${level} ${record['msg'] as string}${extras.length ? `  ${extras.join(' ')}` : ''}`;
}
