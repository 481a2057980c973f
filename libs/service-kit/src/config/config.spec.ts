import { describe, expect, expectTypeOf, it } from 'vitest';
import { ConfigError } from '../errors/catalogue.js';
import { isHelpRequested } from './argv.js';
import { formatDurationMs, parseDurationMs } from './duration.js';
import { formatHelp } from './help.js';
import { defineConfigSchema, loadConfig } from './load-config.js';
import { setting } from './settings.js';

const schema = defineConfigSchema({
  metricsPort: setting.int({
    env: 'METRICS_PORT',
    flag: 'metrics-port',
    min: 1,
    max: 65535,
    default: 2112,
    doc: 'Port for /metrics, /healthz and /readyz',
  }),
  configPath: setting.string({
    env: 'CONFIG_PATH',
    flag: 'config-path',
    required: true,
    doc: 'Path to the TOML config',
  }),
  dryRun: setting.bool({
    env: 'DRY_RUN',
    flag: 'dry-run',
    default: false,
    doc: 'Log actions instead of performing them',
  }),
  logLevel: setting.enum({
    env: 'LOG_LEVEL',
    values: ['debug', 'info', 'warn', 'error'],
    default: 'info',
    doc: 'Minimum log level',
  }),
  pollInterval: setting.duration({
    env: 'POLL_INTERVAL',
    flag: 'poll-interval',
    default: '30s',
    minMs: 1000,
    doc: 'How often to poll',
  }),
  qps: setting.number({ flag: 'qps', min: 0, doc: 'Kubernetes client QPS' }),
  password: setting.string({
    env: 'DATASTORE_PASSWORD',
    secret: true,
    pattern: /\S{8,}/,
    patternDescription: 'at least 8 non-space characters',
    doc: 'Datastore password',
  }),
});

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => p.message);
  }
  throw new Error('expected loadConfig to throw ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults and parses every type from env', () => {
    const config = loadConfig(schema, {
      env: { CONFIG_PATH: '/etc/config/config.toml', DRY_RUN: 'yes', LOG_LEVEL: 'DEBUG', POLL_INTERVAL: '1m30s' },
      argv: [],
    });
    expect(config).toEqual({
      metricsPort: 2112,
      configPath: '/etc/config/config.toml',
      dryRun: true,
      logLevel: 'debug',
      pollInterval: 90_000,
      qps: undefined,
      password: undefined,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expectTypeOf(config.metricsPort).toEqualTypeOf<number>();
    expectTypeOf(config.qps).toEqualTypeOf<number | undefined>();
    expectTypeOf(config.logLevel).toEqualTypeOf<'debug' | 'info' | 'warn' | 'error'>();
    expectTypeOf(config.configPath).toEqualTypeOf<string>();
  });

  it('lets flags override env, in every accepted flag form', () => {
    const config = loadConfig(schema, {
      env: { METRICS_PORT: '9000', CONFIG_PATH: '/env.toml', DRY_RUN: 'true' },
      argv: [
        '--metrics-port',
        '9100',
        '--config-path=/flag.toml',
        '--no-dry-run',
        '--qps=2.5',
        '--poll-interval',
        '5m',
      ],
    });
    expect(config).toMatchObject({
      metricsPort: 9100,
      configPath: '/flag.toml',
      dryRun: false,
      qps: 2.5,
      pollInterval: 300_000,
    });
    expect(loadConfig(schema, { env: { CONFIG_PATH: 'x' }, argv: ['--dry-run'] }).dryRun).toBe(true);
    expect(loadConfig(schema, { env: { CONFIG_PATH: 'x' }, argv: ['--dry-run=false', '--dry-run=on'] }).dryRun).toBe(
      true,
    );
  });

  it('treats an empty env var as unset', () => {
    const config = loadConfig(schema, { env: { METRICS_PORT: '', CONFIG_PATH: 'c' }, argv: [] });
    expect(config.metricsPort).toBe(2112);
  });

  it('reports every problem at once, each naming the source, bad value, expectation and fix', () => {
    const problems = problemsOf(() =>
      loadConfig(schema, {
        env: { METRICS_PORT: 'abc', LOG_LEVEL: 'verbose', POLL_INTERVAL: '10 minutes' },
        argv: ['--qps=-1', '--metrcs-port=1', 'stray', '--dry-run=maybe'],
      }),
    );
    expect(problems).toEqual([
      '--metrcs-port: unknown flag (did you mean --metrics-port?); run with --help to list flags',
      "unexpected argument 'stray': settings are passed as --flag=value; run with --help to list them",
      "METRICS_PORT='abc': expected an integer 1–65535; set METRICS_PORT or --metrics-port",
      'CONFIG_PATH is required (Path to the TOML config); set CONFIG_PATH or --config-path',
      "--dry-run='maybe': expected true or false; set DRY_RUN or --dry-run",
      "LOG_LEVEL='verbose': expected one of debug, info, warn, error; set LOG_LEVEL",
      "POLL_INTERVAL='10 minutes': expected a duration such as 30s, 5m, 1h30m or 250ms ≥ 1s; set POLL_INTERVAL or --poll-interval",
      "--qps='-1': expected a number ≥ 0; pass --qps",
    ]);
  });

  it('puts the count and all problems in the error message', () => {
    try {
      loadConfig(schema, { env: { METRICS_PORT: '70000' }, argv: [] });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).code).toBe('NVS_ERR_CONFIG_INVALID');
      expect((err as Error).message).toBe(
        'Invalid configuration (2 problems):\n' +
          "  - METRICS_PORT='70000': expected an integer 1–65535; set METRICS_PORT or --metrics-port\n" +
          '  - CONFIG_PATH is required (Path to the TOML config); set CONFIG_PATH or --config-path',
      );
    }
  });

  it('never echoes a secret value', () => {
    const problems = problemsOf(() =>
      loadConfig(schema, { env: { CONFIG_PATH: 'c', DATASTORE_PASSWORD: 'hunter2' }, argv: [] }),
    );
    expect(problems).toEqual([
      'DATASTORE_PASSWORD=<redacted>: expected at least 8 non-space characters; set DATASTORE_PASSWORD',
    ]);
    expect(problems.join()).not.toContain('hunter2');
  });

  it('reports a value-less flag and rejects non-integers and out-of-range durations', () => {
    expect(problemsOf(() => loadConfig(schema, { env: { CONFIG_PATH: 'c' }, argv: ['--metrics-port'] }))).toEqual([
      '--metrics-port: missing value; expected an integer 1–65535, e.g. --metrics-port=<value>',
    ]);
    expect(
      problemsOf(() =>
        loadConfig(schema, { env: { CONFIG_PATH: 'c', METRICS_PORT: '80.5' }, argv: ['--poll-interval=500ms'] }),
      ),
    ).toHaveLength(2);
  });

  it('ignores --help so a caller can check isHelpRequested first', () => {
    expect(isHelpRequested(['--x', '-h'])).toBe(true);
    expect(isHelpRequested(['--x'])).toBe(false);
    expect(loadConfig(schema, { env: { CONFIG_PATH: 'c' }, argv: ['--help'] }).configPath).toBe('c');
  });
});

describe('defineConfigSchema', () => {
  it.each([
    [{ a: setting.int({ doc: 'x' }) }, /neither env nor flag/],
    [{ a: setting.int({ env: 'A', doc: 'x' }), b: setting.int({ env: 'A', doc: 'y' }) }, /'a' and 'b' both use 'A'/],
    [{ a: setting.int({ env: 'A', default: 0, min: 1, doc: 'x' }) }, /default '0', but expects an integer ≥ 1/],
    [{ a: setting.duration({ env: 'A', default: '5 minutes', doc: 'x' }) }, /default '5 minutes'/],
    [{ a: setting.enum({ env: 'A', values: ['x'], default: 'y', doc: 'x' }) }, /default 'y'/],
    [{ a: setting.int({ flag: '--a', doc: 'x' }) }, /without leading dashes/],
  ])('rejects a broken schema %#', (broken, message) => {
    expect(() => defineConfigSchema(broken)).toThrow(message);
  });
});

describe('formatHelp', () => {
  it('documents each setting with its flag, env var, doc and default', () => {
    const help = formatHelp(schema, { program: 'node-drainer', description: 'Drains quarantined nodes.' });
    expect(help).toContain('Usage: node-drainer [flags]');
    expect(help).toContain('Drains quarantined nodes.');
    expect(help).toContain(
      '  --metrics-port <int>  env METRICS_PORT\n      Port for /metrics, /healthz and /readyz (default 2112)',
    );
    expect(help).toContain('  --config-path <string>  env CONFIG_PATH\n      Path to the TOML config (required)');
    expect(help).toContain('  --dry-run  env DRY_RUN');
    expect(help).toContain('  (no flag)  env LOG_LEVEL\n      Minimum log level (default info)');
    expect(help).toContain('(default 30s)');
  });
});

describe('durations', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['0', 0],
    ['2d', 172_800_000],
  ])('parses %s', (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it.each(['', '5', 's', '10 minutes', '-5s', '1h 2m'])('rejects %j', (text) =>
    expect(parseDurationMs(text)).toBeUndefined(),
  );

  it('formats back to the short form', () => {
    expect(formatDurationMs(5_400_250)).toBe('1h30m250ms');
    expect(formatDurationMs(0)).toBe('0s');
  });
});
