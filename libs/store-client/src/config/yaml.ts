/**
 * DATASTORE_YAML / DATASTORE_YAML_PATH documents, upstream's shape:
 *   provider: postgresql
 *   connection: { host, port, database, username, password, sslmode, sslcert, sslkey, sslrootcert,
 *                 tls: { certPath, keyPath, caPath }, extraParams: {} }
 *   options: { maxConnections: "25", … }
 */
import { parseDocument } from 'yaml';
import type { ConnectionConfig, DataStoreConfig, TlsFiles } from './types.js';
import { configError, parsePort, parseSslMode } from './env-values.js';
import { DEFAULT_DATABASE, DEFAULT_PORTS } from './defaults.js';
import { normalizeOptions } from './options.js';

export function parseYamlConfig(text: string, source: string): DataStoreConfig {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    const line = first.linePos?.[0]?.line;
    throw configError(source, `invalid YAML${line ? ` at line ${line}` : ''}: ${first.message.split('\n')[0]}`, first);
  }
  const root: unknown = document.toJS();
  if (!isRecord(root)) throw configError(source, 'expected a mapping with provider, connection and options');
  const provider = root.provider;
  if (typeof provider !== 'string' || provider.trim() === '') {
    throw configError(`${source} provider`, 'required; set it to embedded, postgresql or mongodb');
  }
  const name = provider.trim().toLowerCase();
  const raw = root.connection ?? {};
  if (!isRecord(raw)) throw configError(`${source} connection`, 'expected a mapping');
  const connection: ConnectionConfig = {
    host: stringField(raw, 'host', source) ?? (name === 'embedded' ? '' : 'localhost'),
    port:
      raw.port === undefined || raw.port === ''
        ? (DEFAULT_PORTS[name] ?? 0)
        : parsePort(`${source} connection.port`, raw.port),
    database: stringField(raw, 'database', source) ?? DEFAULT_DATABASE,
  };
  for (const key of ['username', 'password', 'sslcert', 'sslkey', 'sslrootcert', 'uri'] as const) {
    const value = stringField(raw, key, source);
    if (value !== undefined) connection[key] = value;
  }
  if (raw.sslmode !== undefined && raw.sslmode !== '') {
    connection.sslmode = parseSslMode(`${source} connection.sslmode`, raw.sslmode);
  } else if (name === 'postgresql') {
    connection.sslmode = 'prefer';
  }
  if (raw.tls !== undefined && raw.tls !== null) {
    if (!isRecord(raw.tls))
      throw configError(`${source} connection.tls`, 'expected a mapping with certPath, keyPath, caPath');
    const tls: TlsFiles = {};
    for (const key of ['certPath', 'keyPath', 'caPath'] as const) {
      const value = stringField(raw.tls, key, `${source} connection.tls`);
      if (value !== undefined) tls[key] = value;
    }
    connection.tls = tls;
  }
  if (raw.extraParams !== undefined && raw.extraParams !== null) {
    if (!isRecord(raw.extraParams))
      throw configError(`${source} connection.extraParams`, 'expected a mapping of strings');
    connection.extraParams = Object.fromEntries(Object.entries(raw.extraParams).map(([k, v]) => [k, String(v)]));
  }
  const options = root.options ?? {};
  if (!isRecord(options)) throw configError(`${source} options`, 'expected a mapping');
  return { provider: name, connection, options: normalizeOptions(options, source) };
}

function stringField(record: Record<string, unknown>, key: string, source: string): string | undefined {
  const value = record[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') throw configError(`${source} ${key}`, `expected a string, got ${typeof value}`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
