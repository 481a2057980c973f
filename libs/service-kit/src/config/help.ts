/** `--help` text generated from a config schema, so the docs cannot drift from the code. */
import type { ConfigSchema } from './settings.js';

export interface HelpOptions {
  /** Program name shown in the usage line, e.g. `node-drainer`. */
  program: string;
  /** One paragraph describing the service. */
  description?: string;
}

export function formatHelp(schema: ConfigSchema, options: HelpOptions): string {
  const lines = [`Usage: ${options.program} [flags]`, ''];
  if (options.description) lines.push(options.description, '');
  lines.push('Settings (a flag overrides its environment variable):');
  for (const s of Object.values(schema)) {
    const flag = s.flag ? `--${s.flag}${s.placeholder ? ` ${s.placeholder}` : ''}` : '(no flag)';
    const env = s.env ? `env ${s.env}` : '(no env var)';
    const facts = [
      s.required ? 'required' : undefined,
      s.defaultText !== undefined ? `default ${s.defaultText}` : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(`  ${flag}  ${env}`);
    lines.push(`      ${s.doc}${facts ? ` (${facts})` : ''}`);
  }
  lines.push('  --help, -h', '      Print this help and exit.');
  return lines.join('\n');
}
