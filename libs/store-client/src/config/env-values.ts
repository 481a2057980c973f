/**
 * Parsing of single configuration values. Every failure is a `configuration` error that names
 * the variable (or YAML key) and says what a valid value looks like, so an operator can fix the
 * Helm values without reading our source.
 */
import { DatastoreError } from '../errors.js';
import type { SslMode } from './types.js';

const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

export function configError(variable: string, message: string, cause?: unknown): DatastoreError {
  return new DatastoreError('configuration', `${variable}: ${message}`, { cause, details: { variable } });
}

/** A TCP port: an integer 1–65535 given as a number or a decimal string. */
export function parsePort(variable: string, raw: unknown): number {
  const port = parseInteger(variable, raw);
  if (port < 1 || port > 65535) throw configError(variable, `port ${port} is out of range; use 1-65535`);
  return port;
}

/** A whole number ≥ `min`, given as a number or a decimal string. */
export function parseInteger(variable: string, raw: unknown, min = 0): number {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : undefined;
  if (text === undefined || !/^-?\d+$/.test(text)) {
    throw configError(variable, `expected a whole number, got ${JSON.stringify(raw)}`);
  }
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) {
    throw configError(variable, `expected a whole number >= ${min}, got ${text}`);
  }
  return value;
}

export function parseBoolean(variable: string, raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  const text = String(raw).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  throw configError(variable, `expected true or false, got ${JSON.stringify(raw)}`);
}

export function parseSslMode(variable: string, raw: unknown): SslMode {
  const text = String(raw).trim().toLowerCase();
  if ((SSL_MODES as readonly string[]).includes(text)) return text as SslMode;
  throw configError(variable, `unknown sslmode ${JSON.stringify(raw)}; use one of ${SSL_MODES.join(', ')}`);
}

/** Reads a variable, treating unset and empty (after trimming) alike: Helm often renders `""`. */
export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
