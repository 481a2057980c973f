/** The changelog maximum age option: variables, YAML, validation, and the effective default. */
import { describe, expect, it } from 'vitest';
import { isDatastoreError } from '../errors.js';
import { sqlSettingsFromConfig } from '../providers/sql/sql-datastore.js';
import { loadDatastoreConfig, type LoadConfigDependencies } from './load.js';
import { DEFAULT_CHANGELOG_MAX_AGE_MS } from './options.js';
import type { DataStoreOptions } from './types.js';

const noFiles: LoadConfigDependencies = {
  readFile: (path) => {
    throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  },
  fileExists: () => false,
};

const DAY_MS = 24 * 60 * 60 * 1000;

function configError(fn: () => unknown): { variable: unknown; message: string } {
  try {
    fn();
  } catch (err) {
    expect(isDatastoreError(err, 'configuration'), String(err)).toBe(true);
    return { variable: (err as { details: { variable?: unknown } }).details.variable, message: (err as Error).message };
  }
  throw new Error('expected a configuration error');
}

const load = (vars: Record<string, string>) =>
  loadDatastoreConfig({ DATASTORE_PROVIDER: 'postgresql', ...vars }, noFiles);
const settings = (options: DataStoreOptions) =>
  sqlSettingsFromConfig(
    { provider: 'postgresql', connection: { host: 'h', port: 5432, database: 'd' }, options },
    true,
  );

describe('changelog maximum age configuration', () => {
  it('reads DATASTORE_CHANGELOG_MAX_AGE_SECONDS in seconds; 0 means no maximum', () => {
    expect(load({ DATASTORE_CHANGELOG_MAX_AGE_SECONDS: '172800' }).options.changelogMaxAgeMs).toBe(2 * DAY_MS);
    expect(load({ DATASTORE_CHANGELOG_MAX_AGE_SECONDS: ' 0 ' }).options.changelogMaxAgeMs).toBe(0);
    expect(load({ DATASTORE_CHANGELOG_MAX_AGE_SECONDS: '' }).options.changelogMaxAgeMs).toBeUndefined();
    expect(
      settings(load({ DATASTORE_CHANGELOG_MAX_AGE_SECONDS: '0', DATASTORE_CHANGELOG_RETENTION_SECONDS: '60' }).options),
    ).toMatchObject({
      changelogMaxAgeMs: 0,
      changelogRetentionMs: 60_000,
    });
  });

  it.each([['-1'], ['1.5'], ['a week']])('rejects %s naming the variable', (value) => {
    const err = configError(() => load({ DATASTORE_CHANGELOG_MAX_AGE_SECONDS: value }));
    expect(err.variable).toBe('DATASTORE_CHANGELOG_MAX_AGE_SECONDS');
    expect(err.message).toMatch(/whole number >= 0|expected a whole number/);
  });

  it('refuses a maximum age below the retention window, saying so and naming both', () => {
    const err = configError(() =>
      load({ DATASTORE_CHANGELOG_MAX_AGE_SECONDS: '600', DATASTORE_CHANGELOG_RETENTION_SECONDS: '3600' }),
    );
    expect(err.variable).toBe('DATASTORE_CHANGELOG_MAX_AGE_SECONDS');
    expect(err.message).toMatch(
      /maximum age \(600s\) is shorter than the retention window \(3600s, DATASTORE_CHANGELOG_RETENTION_SECONDS\)/,
    );
    expect(err.message).toMatch(/at least the retention window/);
    // Against the default retention (1 hour) too.
    expect(configError(() => load({ DATASTORE_CHANGELOG_MAX_AGE_SECONDS: '60' })).message).toMatch(
      /shorter than the retention window \(3600s/,
    );
    // Equal is fine.
    expect(load({ DATASTORE_CHANGELOG_MAX_AGE_SECONDS: '3600' }).options.changelogMaxAgeMs).toBe(3_600_000);
  });

  it('takes changelogMaxAgeMs from YAML options (strings typed); the variables override it', () => {
    const yaml = 'provider: postgresql\nconnection:\n  host: pg\noptions:\n  changelogMaxAgeMs: "86400000"\n';
    expect(loadDatastoreConfig({ DATASTORE_YAML: yaml }, noFiles).options.changelogMaxAgeMs).toBe(DAY_MS);
    expect(
      loadDatastoreConfig({ DATASTORE_YAML: yaml, DATASTORE_CHANGELOG_MAX_AGE_SECONDS: '0' }, noFiles).options
        .changelogMaxAgeMs,
    ).toBe(0);
    const negative = configError(() =>
      loadDatastoreConfig({ DATASTORE_YAML: yaml.replace('"86400000"', '"-5"') }, noFiles),
    );
    expect(negative.variable).toBe('DATASTORE_YAML options.changelogMaxAgeMs');
    // A retention variable above the YAML maximum age is caught after every source is applied.
    const mixed = configError(() =>
      loadDatastoreConfig({ DATASTORE_YAML: yaml, DATASTORE_CHANGELOG_RETENTION_SECONDS: '172800' }, noFiles),
    );
    expect(mixed.variable).toBe('options.changelogMaxAgeMs');
    expect(mixed.message).toMatch(/DATASTORE_CHANGELOG_RETENTION_SECONDS/);
  });

  it('defaults to 7 days, or to the retention window when that is longer', () => {
    expect(DEFAULT_CHANGELOG_MAX_AGE_MS).toBe(7 * DAY_MS);
    expect(settings({}).changelogMaxAgeMs).toBe(7 * DAY_MS);
    expect(settings({ changelogRetentionMs: 10 * DAY_MS }).changelogMaxAgeMs).toBe(10 * DAY_MS);
  });

  it('checks options given in code as well', () => {
    const err = configError(() => settings({ changelogRetentionMs: 5_000, changelogMaxAgeMs: 1_000 }));
    expect(err.message).toMatch(/shorter than the retention window/);
    expect(configError(() => settings({ changelogMaxAgeMs: -1 })).message).toMatch(/>= 0/);
    expect(settings({ changelogRetentionMs: 0, changelogMaxAgeMs: 1 }).changelogMaxAgeMs).toBe(1);
  });
});
