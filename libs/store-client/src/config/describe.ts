/** One safe log line for a configuration: never the password, never URI credentials. */
import type { DataStoreConfig } from './types.js';

export function describeConfig(config: DataStoreConfig): string {
  const { provider, connection: c, options } = config;
  if (provider === 'embedded') {
    return `provider=embedded storage=${typeof options.dataDir === 'string' ? options.dataDir : 'memory'}`;
  }
  const parts = [`provider=${provider}`];
  if (c.uri) parts.push(`uri=${redactUri(c.uri)}`);
  else parts.push(`host=${c.host}:${c.port}`);
  parts.push(`database=${c.database}`);
  if (c.username) parts.push(`user=${c.username}`);
  if (c.password) parts.push('password=(set)');
  if (c.sslmode) parts.push(`sslmode=${c.sslmode}`);
  if (c.sslcert || c.tls?.certPath) parts.push('clientCert=(set)');
  if (options.maxConnections !== undefined) parts.push(`maxConnections=${options.maxConnections}`);
  return parts.join(' ');
}

function redactUri(uri: string): string {
  return uri.replace(
    /\/\/([^@/]*)@/,
    (_m, credentials: string) => `//${credentials.includes(':') ? `${credentials.split(':')[0]}:***` : credentials}@`,
  );
}
