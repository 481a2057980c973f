/**
 * Declarative description of one configuration setting: where it comes from (env var and/or CLI
 * flag), how its text is parsed and validated, its default, and its documentation. A schema is a
 * plain object of settings; {@link loadConfig} turns it into a typed, frozen config object.
 */
import { formatDurationMs, parseDurationMs } from './duration.js';

export type SettingType = 'string' | 'int' | 'number' | 'bool' | 'enum' | 'duration';

export type ParseOutcome<T> = { ok: true; value: T } | { ok: false };

export interface Setting<T> {
  readonly type: SettingType;
  /** Environment variable, e.g. `METRICS_PORT`. */
  readonly env?: string;
  /** CLI flag without dashes, e.g. `metrics-port` for `--metrics-port`. */
  readonly flag?: string;
  /** Other flag names accepted for the same setting (upstream charts spell some flags two ways). */
  readonly aliases: readonly string[];
  readonly doc: string;
  readonly required: boolean;
  /** Never echo the value in errors (passwords, tokens). */
  readonly secret: boolean;
  readonly defaultValue: T | undefined;
  /** Default as an operator would write it (`30s`, not 30000). */
  readonly defaultText: string | undefined;
  /** What a valid value looks like, completing "expected …". */
  readonly expected: string;
  /** Short placeholder for help text, e.g. `<int>`. */
  readonly placeholder: string;
  parse(raw: string): ParseOutcome<T>;
}

export type ConfigSchema = Record<string, Setting<unknown>>;

/** The typed config object a schema produces. */
export type ConfigOf<S extends ConfigSchema> = { readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

interface CommonOptions {
  env?: string;
  flag?: string;
  /** Other accepted flag names, without dashes. */
  aliases?: readonly string[];
  doc: string;
  required?: boolean;
  secret?: boolean;
}

/** A setting with a default or `required: true` always has a value; otherwise it may be undefined. */
type Resolved<T, O> = O extends { default: unknown } ? T : O extends { required: true } ? T : T | undefined;

export interface StringOptions extends CommonOptions {
  default?: string;
  /** Whole-value pattern; describe it in `patternDescription` for the error message. */
  pattern?: RegExp;
  patternDescription?: string;
}
export interface IntOptions extends CommonOptions {
  default?: number;
  min?: number;
  max?: number;
}
export type NumberOptions = IntOptions;
export interface BoolOptions extends CommonOptions {
  default?: boolean;
}
export interface EnumOptions extends CommonOptions {
  values: readonly string[];
  default?: string;
}
export interface DurationOptions extends CommonOptions {
  /** `'30s'` or milliseconds. */
  default?: string | number;
  minMs?: number;
  maxMs?: number;
}

const ok = <T>(value: T): ParseOutcome<T> => ({ ok: true, value });
const bad = { ok: false } as const;

function rangeText(min: number | undefined, max: number | undefined, show: (n: number) => string = String): string {
  if (min !== undefined && max !== undefined) return ` ${show(min)}–${show(max)}`;
  if (min !== undefined) return ` ≥ ${show(min)}`;
  if (max !== undefined) return ` ≤ ${show(max)}`;
  return '';
}

function inRange(n: number, min: number | undefined, max: number | undefined): boolean {
  return (min === undefined || n >= min) && (max === undefined || n <= max);
}

function build<T>(
  type: SettingType,
  options: CommonOptions,
  parts: {
    expected: string;
    placeholder: string;
    parse(raw: string): ParseOutcome<T>;
    defaultValue?: T;
    defaultText?: string;
  },
): Setting<T> {
  return Object.freeze({
    type,
    env: options.env,
    flag: options.flag,
    aliases: Object.freeze([...(options.aliases ?? [])]),
    doc: options.doc,
    required: options.required ?? false,
    secret: options.secret ?? false,
    defaultValue: parts.defaultValue,
    defaultText: parts.defaultText ?? (parts.defaultValue === undefined ? undefined : String(parts.defaultValue)),
    expected: parts.expected,
    placeholder: parts.placeholder,
    parse: parts.parse,
  });
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/** Builders for each setting type; see {@link Setting}. */
export const setting = {
  string<const O extends StringOptions>(options: O): Setting<Resolved<string, O>> {
    const { pattern } = options;
    return build<string>('string', options, {
      expected: pattern ? (options.patternDescription ?? `text matching ${pattern.source}`) : 'a non-empty string',
      placeholder: '<string>',
      defaultValue: options.default,
      parse: (raw) =>
        raw === '' || (pattern && !new RegExp(`^(?:${pattern.source})$`, pattern.flags).test(raw)) ? bad : ok(raw),
    }) as Setting<Resolved<string, O>>;
  },

  int<const O extends IntOptions>(options: O): Setting<Resolved<number, O>> {
    const { min, max } = options;
    return build<number>('int', options, {
      expected: `an integer${rangeText(min, max)}`,
      placeholder: '<int>',
      defaultValue: options.default,
      parse: (raw) => {
        if (!/^[+-]?\d+$/.test(raw.trim())) return bad;
        const n = Number(raw);
        return Number.isSafeInteger(n) && inRange(n, min, max) ? ok(n) : bad;
      },
    }) as Setting<Resolved<number, O>>;
  },

  number<const O extends NumberOptions>(options: O): Setting<Resolved<number, O>> {
    const { min, max } = options;
    return build<number>('number', options, {
      expected: `a number${rangeText(min, max)}`,
      placeholder: '<number>',
      defaultValue: options.default,
      parse: (raw) => {
        const n = raw.trim() === '' ? Number.NaN : Number(raw);
        return Number.isFinite(n) && inRange(n, min, max) ? ok(n) : bad;
      },
    }) as Setting<Resolved<number, O>>;
  },

  bool<const O extends BoolOptions>(options: O): Setting<Resolved<boolean, O>> {
    return build<boolean>('bool', options, {
      expected: 'true or false',
      placeholder: '',
      defaultValue: options.default,
      parse: (raw) => {
        const word = raw.trim().toLowerCase();
        if (TRUE_WORDS.has(word)) return ok(true);
        if (FALSE_WORDS.has(word)) return ok(false);
        return bad;
      },
    }) as Setting<Resolved<boolean, O>>;
  },

  enum<const O extends EnumOptions>(options: O): Setting<Resolved<O['values'][number], O>> {
    const values = options.values;
    return build<string>('enum', options, {
      expected: `one of ${values.join(', ')}`,
      placeholder: `<${values.join('|')}>`,
      defaultValue: options.default,
      // Case-insensitive because operators write `INFO` as often as `info`; the canonical spelling is returned.
      parse: (raw) => {
        const match = values.find((v) => v.toLowerCase() === raw.trim().toLowerCase());
        return match === undefined ? bad : ok(match);
      },
    }) as Setting<Resolved<O['values'][number], O>>;
  },

  /** Parsed to milliseconds. */
  duration<const O extends DurationOptions>(options: O): Setting<Resolved<number, O>> {
    const { minMs, maxMs } = options;
    const fallback = options.default;
    const defaultValue = typeof fallback === 'string' ? parseDurationMs(fallback) : fallback;
    return build<number>('duration', options, {
      expected: `a duration such as 30s, 5m, 1h30m or 250ms${rangeText(minMs, maxMs, formatDurationMs)}`,
      placeholder: '<duration>',
      // NaN marks an unparsable string default so schema validation reports it instead of silently dropping it.
      defaultValue: fallback !== undefined && defaultValue === undefined ? Number.NaN : defaultValue,
      defaultText:
        typeof fallback === 'string'
          ? fallback
          : defaultValue === undefined
            ? undefined
            : formatDurationMs(defaultValue),
      parse: (raw) => {
        const ms = parseDurationMs(raw);
        return ms !== undefined && inRange(ms, minMs, maxMs) ? ok(ms) : bad;
      },
    }) as Setting<Resolved<number, O>>;
  },
};
