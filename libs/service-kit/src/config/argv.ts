/**
 * Command-line flags in the forms Go services (and therefore existing Helm charts) pass them:
 * `--name=value`, `--name value`, `--bool-flag`, `--bool-flag=false` and `--no-bool-flag`.
 */
import { closestMatch } from '@nvsentinel/errors';
import type { ConfigProblem } from '../errors/catalogue.js';
import type { ConfigSchema, Setting } from './settings.js';

const HELP_FLAGS: readonly string[] = ['--help', '-h'];

export interface ParsedFlags {
  /** Raw text per setting key; the last occurrence wins, as with Go's flag package. */
  values: Map<string, { raw: string; flag: string }>;
  problems: ConfigProblem[];
}

/** True when the command line asks for help; check this before {@link loadConfig}. */
export function isHelpRequested(argv: readonly string[]): boolean {
  return argv.some((arg) => HELP_FLAGS.includes(arg));
}

export function parseFlags(schema: ConfigSchema, argv: readonly string[]): ParsedFlags {
  const byFlag = new Map<string, [string, Setting<unknown>]>();
  for (const [key, s] of Object.entries(schema)) {
    if (s.flag) byFlag.set(s.flag, [key, s]);
    for (const alias of s.aliases ?? []) byFlag.set(alias, [key, s]);
  }

  const values: ParsedFlags['values'] = new Map();
  const problems: ConfigProblem[] = [];

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (HELP_FLAGS.includes(arg)) continue;
    if (!arg.startsWith('--') || arg === '--') {
      problems.push({
        source: arg,
        message: `unexpected argument '${arg}': settings are passed as --flag=value; run with --help to list them`,
      });
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);

    let entry = byFlag.get(name);
    let raw = inline;
    if (!entry && name.startsWith('no-') && inline === undefined) {
      const negated = byFlag.get(name.slice(3));
      if (negated?.[1].type === 'bool') {
        entry = negated;
        raw = 'false';
      }
    }
    if (!entry) {
      problems.push({
        source: `--${name}`,
        message: `--${name}: unknown flag${suggestion(name, [...byFlag.keys()])}; run with --help to list flags`,
      });
      continue;
    }
    const [key, s] = entry;
    if (raw === undefined) {
      if (s.type === 'bool') {
        raw = 'true';
      } else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
        raw = argv[++i];
      } else {
        problems.push({
          source: `--${name}`,
          message: `--${name}: missing value; expected ${s.expected}, e.g. --${name}=<value>`,
        });
        continue;
      }
    }
    values.set(key, { raw, flag: `--${name}` });
  }
  return { values, problems };
}

function suggestion(name: string, known: string[]): string {
  const best = closestMatch(name, known);
  return best ? ` (did you mean --${best}?)` : '';
}
