/**
 * Resolves a {@link ConfigSchema} from flags and environment: flag beats env beats default.
 * Every problem is collected before throwing, so one failed start tells the operator everything
 * that needs fixing.
 */
import { ConfigError, ConfigSchemaError, type ConfigProblem } from '../errors/catalogue.js';
import { parseFlags } from './argv.js';
import type { ConfigOf, ConfigSchema, Setting } from './settings.js';

export interface LoadConfigOptions {
  /** Defaults to `process.env`. Empty values count as unset, as Kubernetes often renders them. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Arguments after the script name; defaults to `process.argv.slice(2)`. */
  argv?: readonly string[];
}

/**
 * Checks the schema itself (each setting reachable, no duplicate names, defaults valid) and
 * returns it unchanged. Call at module level so mistakes fail at import, not in production.
 */
export function defineConfigSchema<const S extends ConfigSchema>(schema: S): S {
  const seenEnv = new Map<string, string>();
  const seenFlag = new Map<string, string>();
  for (const [key, s] of Object.entries(schema)) {
    if (!s.env && !s.flag)
      throw new ConfigSchemaError(`setting '${key}' has neither env nor flag, so it can never be set`);
    if (s.flag?.startsWith('-'))
      throw new ConfigSchemaError(`setting '${key}': write flag '${s.flag}' without leading dashes`);
    const names = [
      [s.env, seenEnv],
      [s.flag, seenFlag],
      ...(s.aliases ?? []).map((a) => [a, seenFlag] as const),
    ] as const;
    for (const [name, seen] of names) {
      if (!name) continue;
      const other = seen.get(name);
      if (other) throw new ConfigSchemaError(`settings '${other}' and '${key}' both use '${name}'`);
      seen.set(name, key);
    }
    if (s.defaultText !== undefined && !s.parse(s.defaultText).ok) {
      throw new ConfigSchemaError(`setting '${key}' has default '${s.defaultText}', but expects ${s.expected}`);
    }
    if (s.required && s.defaultValue !== undefined) {
      throw new ConfigSchemaError(`setting '${key}' is required and has a default; drop one of them`);
    }
  }
  return schema;
}

/** Typed, frozen configuration, or a {@link ConfigError} listing every problem. */
export function loadConfig<const S extends ConfigSchema>(schema: S, options: LoadConfigOptions = {}): ConfigOf<S> {
  defineConfigSchema(schema);
  const env = options.env ?? process.env;
  const flags = parseFlags(schema, options.argv ?? process.argv.slice(2));
  const problems: ConfigProblem[] = [...flags.problems];
  const config: Record<string, unknown> = {};

  for (const [key, s] of Object.entries(schema)) {
    const fromFlag = flags.values.get(key);
    const envText = s.env ? env[s.env] : undefined;
    const fromEnv = envText !== undefined && envText !== '' ? { raw: envText, source: s.env as string } : undefined;
    const input = fromFlag ? { raw: fromFlag.raw, source: fromFlag.flag } : fromEnv;

    if (!input) {
      if (s.required) {
        problems.push({
          source: s.env ?? `--${s.flag}`,
          message: `${s.env ?? `--${s.flag}`} is required (${s.doc}); ${howToSet(s)}`,
        });
      }
      config[key] = s.defaultValue;
      continue;
    }
    const parsed = s.parse(input.raw);
    if (parsed.ok) {
      config[key] = parsed.value;
    } else {
      const shown = s.secret ? '<redacted>' : `'${input.raw}'`;
      problems.push({
        source: input.source,
        message: `${input.source}=${shown}: expected ${s.expected}; ${howToSet(s)}`,
      });
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config) as ConfigOf<S>;
}

function howToSet(s: Setting<unknown>): string {
  if (s.env && s.flag) return `set ${s.env} or --${s.flag}`;
  return s.env ? `set ${s.env}` : `pass --${s.flag}`;
}
