/**
 * `$dateToString` format specifiers → PostgreSQL `to_char` patterns. Literal text is wrapped in
 * double quotes so to_char never reads it as a pattern.
 */
import { unsupported, type QueryLocation } from './errors.js';

const SPECIFIERS: Record<string, string> = {
  Y: 'YYYY',
  m: 'MM',
  d: 'DD',
  H: 'HH24',
  M: 'MI',
  S: 'SS',
  L: 'MS',
  j: 'DDD',
  G: 'IYYY',
  V: 'IW',
  u: 'ID',
};

export function dateFormatToPostgres(format: string, location: QueryLocation): string {
  let out = '';
  let literal = '';
  const flush = () => {
    if (literal) out += `"${literal.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    literal = '';
  };
  for (let i = 0; i < format.length; i++) {
    const ch = format[i];
    if (ch !== '%') {
      literal += ch;
      continue;
    }
    const spec = format[++i];
    if (spec === '%') {
      literal += '%';
      continue;
    }
    const pattern = spec === undefined ? undefined : SPECIFIERS[spec];
    if (!pattern) {
      throw unsupported(
        `$dateToString specifier %${spec ?? ''}`,
        location,
        `Supported: ${Object.keys(SPECIFIERS)
          .map((s) => '%' + s)
          .join(' ')} %%.`,
      );
    }
    flush();
    out += pattern;
  }
  flush();
  return out;
}
