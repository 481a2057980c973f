import type { DataStoreConfig } from '../config/types.js';

/** DataStoreConfig for a postgres:// URL (what createTestDatabase hands out). */
export function configFromUrl(url: string, options: DataStoreConfig['options'] = {}): DataStoreConfig {
  const u = new URL(url);
  return {
    provider: 'postgresql',
    connection: {
      host: u.hostname,
      port: Number(u.port || 5432),
      database: u.pathname.slice(1),
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      sslmode: 'prefer',
    },
    options,
  };
}
