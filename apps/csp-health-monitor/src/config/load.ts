/**
 * Reads the shared config.toml for either process inside `create`: an unreadable or invalid file
 * becomes a ConfigError naming the flag, so the process exits 2 with one line saying what to fix.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '@nvsentinel/service-kit';
import { CspConfigError } from '../errors.js';
import { parseCspConfig, type CspConfig } from './csp-config.js';

export function loadCspConfig(path: string): CspConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([
      {
        source: '--config',
        message: `cannot read ${path} (${(err as Error).message}); mount the config.toml or pass --config`,
      },
    ]);
  }
  try {
    return parseCspConfig(text, path);
  } catch (err) {
    if (CspConfigError.is(err)) throw new ConfigError([{ source: '--config', message: (err as Error).message }]);
    throw err;
  }
}
