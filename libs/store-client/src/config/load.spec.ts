import { describe, expect, it } from 'vitest';
import { isDatastoreError } from '../errors.js';
import { describeConfig } from './describe.js';
import { loadDatastoreConfig, type LoadConfigDependencies } from './load.js';

const noFiles: LoadConfigDependencies = {
  readFile: (path) => {
    throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  },
  fileExists: () => false,
};

function files(contents: Record<string, string>): LoadConfigDependencies {
  return {
    readFile: (path) => {
      if (path in contents) return contents[path]!;
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    },
    fileExists: (path) => path in contents,
  };
}

function configError(fn: () => unknown): { variable: unknown; message: string } {
  try {
    fn();
  } catch (err) {
    expect(isDatastoreError(err, 'configuration')).toBe(true);
    return { variable: (err as { details: { variable?: unknown } }).details.variable, message: (err as Error).message };
  }
  throw new Error('expected a configuration error');
}

describe('loadDatastoreConfig: DATASTORE_* variables', () => {
  it('reads a full postgresql configuration', () => {
    const config = loadDatastoreConfig(
      {
        DATASTORE_PROVIDER: 'postgresql',
        DATASTORE_HOST: 'db.example',
        DATASTORE_PORT: '6543',
        DATASTORE_DATABASE: 'events',
        DATASTORE_USERNAME: 'nvs',
        DATASTORE_PASSWORD: ' s3cret ',
        DATASTORE_SSLMODE: 'verify-full',
        DATASTORE_SSLCERT: '/certs/tls.crt',
        DATASTORE_SSLKEY: '/certs/tls.key',
        DATASTORE_SSLROOTCERT: '/certs/ca.crt',
        DATASTORE_MAX_CONNECTIONS: '40',
        DATASTORE_MAX_IDLE_CONNECTIONS: '5',
      },
      noFiles,
    );
    expect(config).toEqual({
      provider: 'postgresql',
      connection: {
        host: 'db.example',
        port: 6543,
        database: 'events',
        username: 'nvs',
        password: ' s3cret ',
        sslmode: 'verify-full',
        sslcert: '/certs/tls.crt',
        sslkey: '/certs/tls.key',
        sslrootcert: '/certs/ca.crt',
      },
      options: { maxConnections: 40, maxIdleConnections: 5 },
    });
  });

  it("applies upstream's defaults: localhost, per-provider port, database nvsentinel, sslmode prefer", () => {
    expect(loadDatastoreConfig({ DATASTORE_PROVIDER: 'postgresql' }, noFiles).connection).toEqual({
      host: 'localhost',
      port: 5432,
      database: 'nvsentinel',
      sslmode: 'prefer',
    });
    expect(loadDatastoreConfig({ DATASTORE_PROVIDER: 'mongodb' }, noFiles).connection.port).toBe(27017);
  });

  it('embedded: in memory unless DATASTORE_DATA_DIR is set', () => {
    expect(loadDatastoreConfig({ DATASTORE_PROVIDER: 'embedded' }, noFiles).options.dataDir).toBeUndefined();
    const onDisk = loadDatastoreConfig({ DATASTORE_PROVIDER: 'embedded', DATASTORE_DATA_DIR: '/var/lib/nvs' }, noFiles);
    expect(onDisk.options.dataDir).toBe('/var/lib/nvs');
    expect(describeConfig(onDisk)).toBe('provider=embedded storage=/var/lib/nvs');
  });

  it('reads our tuning variables on top of any source', () => {
    const config = loadDatastoreConfig(
      {
        DATASTORE_PROVIDER: 'postgresql',
        DATASTORE_AUTO_MIGRATE: 'false',
        DATASTORE_CONNECT_TIMEOUT_MS: '2500',
        DATASTORE_IDLE_TIMEOUT_MS: '1000',
        DATASTORE_MAX_LIFETIME_SECONDS: '600',
        DATASTORE_CHANGELOG_RETENTION_SECONDS: '7200',
        DATASTORE_CHANGE_STREAM_POLL_MS: '250',
        DATASTORE_APP_NAME: 'node-drainer',
      },
      noFiles,
    );
    expect(config.options).toEqual({
      autoMigrate: false,
      connectTimeoutMs: 2500,
      idleTimeoutMs: 1000,
      connectionLifetimeMs: 600_000,
      changelogRetentionMs: 7_200_000,
      changeStreamPollIntervalMs: 250,
      appName: 'node-drainer',
    });
  });

  it.each([
    [{ DATASTORE_PORT: 'abc' }, 'DATASTORE_PORT', /whole number/],
    [{ DATASTORE_PORT: '70000' }, 'DATASTORE_PORT', /out of range/],
    [{ DATASTORE_SSLMODE: 'sometimes' }, 'DATASTORE_SSLMODE', /verify-full/],
    [{ DATASTORE_MAX_CONNECTIONS: '0' }, 'DATASTORE_MAX_CONNECTIONS', />= 1/],
    [{ DATASTORE_AUTO_MIGRATE: 'maybe' }, 'DATASTORE_AUTO_MIGRATE', /true or false/],
    [{ DATASTORE_CHANGE_STREAM_POLL_MS: '0' }, 'DATASTORE_CHANGE_STREAM_POLL_MS', />= 1/],
  ])('rejects %o naming %s', (vars, variable, message) => {
    const err = configError(() => loadDatastoreConfig({ DATASTORE_PROVIDER: 'postgresql', ...vars }, noFiles));
    expect(err.variable).toBe(variable);
    expect(err.message).toMatch(message);
  });

  it('refuses more idle than total connections', () => {
    const err = configError(() =>
      loadDatastoreConfig(
        { DATASTORE_PROVIDER: 'postgresql', DATASTORE_MAX_CONNECTIONS: '5', DATASTORE_MAX_IDLE_CONNECTIONS: '9' },
        noFiles,
      ),
    );
    expect(err.message).toMatch(/maxConnections/);
  });
});

describe('loadDatastoreConfig: YAML', () => {
  const yaml = `
provider: postgresql
connection:
  host: pg.svc
  port: 5433
  database: nvsentinel
  username: app
  sslmode: require
  extraParams:
    target_session_attrs: read-write
options:
  maxConnections: "30"
  maxLifetimeSeconds: "120"
`;

  it('DATASTORE_PROVIDER wins over DATASTORE_YAML', () => {
    expect(loadDatastoreConfig({ DATASTORE_PROVIDER: 'embedded', DATASTORE_YAML: yaml }, noFiles).provider).toBe(
      'embedded',
    );
  });

  it('reads inline DATASTORE_YAML (string options typed)', () => {
    const config = loadDatastoreConfig({ DATASTORE_YAML: yaml, DATASTORE_YAML_PATH: '/ignored' }, noFiles);
    expect(config).toEqual({
      provider: 'postgresql',
      connection: {
        host: 'pg.svc',
        port: 5433,
        database: 'nvsentinel',
        username: 'app',
        sslmode: 'require',
        extraParams: { target_session_attrs: 'read-write' },
      },
      options: { maxConnections: 30, connectionLifetimeMs: 120_000 },
    });
  });

  it('reads DATASTORE_YAML_PATH', () => {
    const config = loadDatastoreConfig(
      { DATASTORE_YAML_PATH: '/etc/nvs/datastore.yaml' },
      files({ '/etc/nvs/datastore.yaml': yaml }),
    );
    expect(config.connection.host).toBe('pg.svc');
  });

  it('names a missing file and the fix', () => {
    const err = configError(() => loadDatastoreConfig({ DATASTORE_YAML_PATH: '/nope.yaml' }, noFiles));
    expect(err.variable).toBe('DATASTORE_YAML_PATH');
    expect(err.message).toMatch(/\/nope\.yaml.*ENOENT/);
  });

  it('reports a YAML syntax error with its line', () => {
    const err = configError(() =>
      loadDatastoreConfig({ DATASTORE_YAML: 'provider: postgresql\nconnection:\n  host: [unclosed\n' }, noFiles),
    );
    expect(err.variable).toBe('DATASTORE_YAML');
    expect(err.message).toMatch(/invalid YAML at line \d/);
  });

  it('requires a provider and valid connection values', () => {
    expect(
      configError(() => loadDatastoreConfig({ DATASTORE_YAML: 'connection: {host: x}' }, noFiles)).message,
    ).toMatch(/provider: required/);
    expect(
      configError(() =>
        loadDatastoreConfig({ DATASTORE_YAML: 'provider: postgresql\nconnection: {port: "x"}' }, noFiles),
      ).variable,
    ).toBe('DATASTORE_YAML connection.port');
  });
});

describe('datastoreEnvironment: a config back to DATASTORE_* variables', () => {
  it('round-trips a postgresql connection through loadDatastoreConfig', async () => {
    const { datastoreEnvironment } = await import('./to-env.js');
    const config = loadDatastoreConfig({
      DATASTORE_PROVIDER: 'postgresql',
      DATASTORE_HOST: 'db.example',
      DATASTORE_PORT: '6543',
      DATASTORE_DATABASE: 'nvs',
      DATASTORE_USERNAME: 'svc',
      DATASTORE_PASSWORD: ' s3cret ',
      DATASTORE_SSLMODE: 'verify-full',
      DATASTORE_SSLROOTCERT: '/etc/ssl/ca.crt',
    });
    expect(loadDatastoreConfig(datastoreEnvironment(config)).connection).toEqual(config.connection);
  });

  it('keeps the embedded data directory', async () => {
    const { datastoreEnvironment } = await import('./to-env.js');
    const config = loadDatastoreConfig({ DATASTORE_PROVIDER: 'embedded', DATASTORE_DATA_DIR: '/var/lib/nvs' });
    expect(loadDatastoreConfig(datastoreEnvironment(config)).options.dataDir).toBe('/var/lib/nvs');
  });
});

describe('loadDatastoreConfig: legacy MongoDB variables', () => {
  it('falls back to MONGODB_URI / MONGODB_DATABASE_NAME with collection names and expiry', () => {
    const config = loadDatastoreConfig(
      {
        MONGODB_URI: 'mongodb://user:pw@mongo:27017/?replicaSet=rs0',
        MONGODB_DATABASE_NAME: 'HealthEventsDatabase',
        MONGODB_COLLECTION_NAME: 'HealthEvents',
        MONGODB_MAINTENANCE_EVENT_COLLECTION_NAME: 'MaintenanceEvents',
        MONGODB_TOKEN_COLLECTION_NAME: 'ResumeTokens',
        MONGODB_COLLECTION_EXPIRY_SECONDS: '86400',
        MONGODB_CLIENT_CERT_MOUNT_PATH: '/etc/ssl/client',
      },
      noFiles,
    );
    expect(config.provider).toBe('mongodb');
    expect(config.connection.uri).toBe('mongodb://user:pw@mongo:27017/?replicaSet=rs0');
    expect(config.connection.database).toBe('HealthEventsDatabase');
    expect(config.connection.tls).toEqual({
      certPath: '/etc/ssl/client/tls.crt',
      keyPath: '/etc/ssl/client/tls.key',
      caPath: '/etc/ssl/client/ca.crt',
    });
    expect(config.options).toMatchObject({
      healthEventsCollection: 'HealthEvents',
      maintenanceEventsCollection: 'MaintenanceEvents',
      resumeTokensCollection: 'ResumeTokens',
      collectionExpirySeconds: 86400,
    });
    expect(describeConfig(config)).not.toContain('pw');
  });

  it('maps the change-stream retry and ping timeouts (seconds, also the legacy unprefixed names) to milliseconds', () => {
    const env = { MONGODB_URI: 'mongodb://m:27017/?replicaSet=rs0', MONGODB_DATABASE_NAME: 'db' };
    expect(
      loadDatastoreConfig(
        {
          ...env,
          MONGODB_CHANGE_STREAM_RETRY_DEADLINE_SECONDS: '300',
          MONGODB_CHANGE_STREAM_RETRY_INTERVAL_SECONDS: '5',
          MONGODB_PING_TIMEOUT_TOTAL_SECONDS: '30',
        },
        noFiles,
      ).options,
    ).toMatchObject({
      changeStreamRetryDeadlineMs: 300_000,
      changeStreamRetryIntervalMs: 5_000,
      serverSelectionTimeoutMs: 30_000,
    });
    expect(
      loadDatastoreConfig({ ...env, CHANGE_STREAM_RETRY_DEADLINE_SECONDS: '60' }, noFiles).options
        .changeStreamRetryDeadlineMs,
    ).toBe(60_000);
    expect(() => loadDatastoreConfig({ ...env, MONGODB_PING_TIMEOUT_TOTAL_SECONDS: 'soon' }, noFiles)).toThrow(
      /MONGODB_PING_TIMEOUT_TOTAL_SECONDS/,
    );
  });

  it('registers the mongodb provider with the others', async () => {
    const { registeredProviders } = await import('../index.js');
    expect(registeredProviders()).toEqual(expect.arrayContaining(['embedded', 'mongodb', 'postgresql']));
  });

  it('DATASTORE_PROVIDER=mongodb takes MONGODB_URI for a host left at localhost, and MONGODB_DATABASE_NAME', () => {
    const config = loadDatastoreConfig(
      { DATASTORE_PROVIDER: 'mongodb', MONGODB_URI: 'mongodb://m:27017', MONGODB_DATABASE_NAME: 'db1' },
      noFiles,
    );
    expect(config.connection.uri).toBe('mongodb://m:27017');
    expect(config.connection.database).toBe('db1');
  });

  it('resolves TLS from the separate variables, CA only, or the legacy directory', () => {
    const base = { MONGODB_URI: 'mongodb://m', MONGODB_DATABASE_NAME: 'd' };
    expect(
      loadDatastoreConfig(
        { ...base, MONGODB_CLIENT_CERT_PATH: '/c', MONGODB_CLIENT_KEY_PATH: '/k', MONGODB_CA_CERT_PATH: '/ca' },
        noFiles,
      ).connection.tls,
    ).toEqual({ certPath: '/c', keyPath: '/k', caPath: '/ca' });
    expect(loadDatastoreConfig({ ...base, MONGODB_CA_CERT_PATH: '/ca' }, noFiles).connection.tls).toEqual({
      caPath: '/ca',
    });
    expect(loadDatastoreConfig(base, files({ '/etc/ssl/mongo-client/ca.crt': '' })).connection.tls?.caPath).toBe(
      '/etc/ssl/mongo-client/ca.crt',
    );
    expect(loadDatastoreConfig(base, noFiles).connection.tls).toBeUndefined();
    expect(configError(() => loadDatastoreConfig({ ...base, MONGODB_CLIENT_CERT_PATH: '/c' }, noFiles)).variable).toBe(
      'MONGODB_CLIENT_KEY_PATH',
    );
  });

  it('with nothing configured, says how to configure a datastore', () => {
    const err = configError(() => loadDatastoreConfig({}, noFiles));
    expect(err.message).toMatch(/DATASTORE_PROVIDER.*DATASTORE_YAML.*MONGODB_URI/);
    expect(configError(() => loadDatastoreConfig({ MONGODB_URI: 'mongodb://m' }, noFiles)).variable).toBe(
      'MONGODB_DATABASE_NAME',
    );
  });
});

describe('describeConfig', () => {
  it('never prints the password', () => {
    const config = loadDatastoreConfig(
      { DATASTORE_PROVIDER: 'postgresql', DATASTORE_PASSWORD: 'hunter2', DATASTORE_USERNAME: 'u' },
      noFiles,
    );
    const line = describeConfig(config);
    expect(line).not.toContain('hunter2');
    expect(line).toBe(
      'provider=postgresql host=localhost:5432 database=nvsentinel user=u password=(set) sslmode=prefer',
    );
  });
});
