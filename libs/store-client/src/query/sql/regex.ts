/**
 * MongoDB regular expressions (PCRE, usually written as JavaScript RegExps) → PostgreSQL
 * Advanced Regular Expressions. Both share the everyday syntax; where they differ we translate
 * (`\b` is a word boundary in JS but backspace in PostgreSQL) or refuse, so a pattern never
 * silently means something else on PostgreSQL.
 */
import { unsupported, invalid, type QueryLocation } from './errors.js';

/** Escapes both dialects read the same way. */
const SAME_ESCAPES = new Set(['d', 'D', 's', 'S', 'w', 'W', 'n', 't', 'r', 'f', 'v']);
const TRANSLATED_ESCAPES: Record<string, string> = { b: '\\y', B: '\\Y' };
const ALLOWED_OPTIONS = new Set(['i', 'm', 's', 'x']);

export interface RegexSource {
  pattern: string;
  options: string;
}

/** Reads `/re/flags`, `{ $regex, $options }` or a string pattern into one shape. */
export function regexSource(pattern: unknown, options: unknown, location: QueryLocation): RegexSource {
  if (pattern instanceof RegExp) {
    const flags = pattern.flags.replace(/[gy]/g, '');
    return { pattern: pattern.source, options: mergeOptions(flags, options, location) };
  }
  if (typeof pattern !== 'string') throw invalid('$regex needs a string or a RegExp', location);
  return { pattern, options: mergeOptions('', options, location) };
}

function mergeOptions(flags: string, options: unknown, location: QueryLocation): string {
  if (options !== undefined && typeof options !== 'string') throw invalid('$options must be a string', location);
  const all = flags + (options ?? '');
  for (const ch of all) {
    if (!ALLOWED_OPTIONS.has(ch)) {
      throw unsupported(`regex option "${ch}"`, location, 'Supported options are i, m, s and x.');
    }
  }
  return [...new Set(all)].join('');
}

/** The PostgreSQL ARE text (with embedded options) equivalent to a MongoDB regex. */
export function toPostgresRegex(source: RegexSource, location: QueryLocation): string {
  const out: string[] = [];
  const p = source.pattern;
  for (let i = 0; i < p.length; i++) {
    const ch = p[i];
    if (ch === '\\') {
      const next = p[i + 1];
      if (next === undefined) throw invalid(`regex "${p}" ends with a lone backslash`, location);
      i++;
      if (/[A-Za-z0-9]/.test(next)) {
        if (SAME_ESCAPES.has(next)) out.push('\\' + next);
        else if (TRANSLATED_ESCAPES[next]) out.push(TRANSLATED_ESCAPES[next]);
        else {
          throw unsupported(
            `regex escape "\\${next}"`,
            location,
            'Supported escapes: \\d \\D \\s \\S \\w \\W \\b \\B \\n \\t \\r \\f \\v and escaped punctuation.',
          );
        }
      } else {
        out.push('\\' + next);
      }
      continue;
    }
    if (ch === '(' && p[i + 1] === '?' && p[i + 2] === '<' && p[i + 3] !== '=' && p[i + 3] !== '!') {
      throw unsupported('named capture groups in regex', location, 'Use a plain group (...) or (?:...).');
    }
    out.push(ch);
  }
  // JS/PCRE defaults: "." does not match a newline and ^/$ anchor the whole string; "m" makes
  // ^/$ anchor lines, "s" lets "." match newlines. ARE spells these p / n / w / s.
  const m = source.options.includes('m');
  const s = source.options.includes('s');
  let flags = m ? (s ? 'w' : 'n') : s ? 's' : 'p';
  if (source.options.includes('i')) flags += 'i';
  if (source.options.includes('x')) flags += 'x';
  return `(?${flags})${out.join('')}`;
}
