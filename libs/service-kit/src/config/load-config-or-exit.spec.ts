import { describe, expect, it } from 'vitest';
import { loadConfigOrExit } from './load-config-or-exit.js';
import { defineConfigSchema } from './load-config.js';
import { setting } from './settings.js';

const schema = defineConfigSchema({
  port: setting.int({ env: 'PORT', flag: 'port', min: 1, max: 65535, default: 2112, doc: 'Metrics port' }),
});

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function run(argv: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  try {
    const config = loadConfigOrExit(schema, {
      program: 'fq',
      argv,
      env,
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (err += t) },
      exit: (code) => {
        throw new Exit(code);
      },
    });
    return { config, out, err, code: undefined };
  } catch (e) {
    if (!(e instanceof Exit)) throw e;
    return { config: undefined, out, err, code: e.code };
  }
}

describe('loadConfigOrExit', () => {
  it('returns the config when it is valid', () => {
    expect(run(['--port=9000'])).toMatchObject({ config: { port: 9000 }, code: undefined, err: '' });
  });

  it('prints help to stdout and exits 0 on --help, even with other bad input', () => {
    const result = run(['--port=oops', '--help']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('Usage: fq [flags]');
    expect(result.out).toContain('--port <int>  env PORT');
  });

  it('prints every problem to stderr and exits 2', () => {
    const result = run(['--bogus'], { PORT: '0' });
    expect(result.code).toBe(2);
    expect(result.err).toBe(
      'fq: Invalid configuration (2 problems):\n' +
        '  - --bogus: unknown flag; run with --help to list flags\n' +
        "  - PORT='0': expected an integer 1–65535; set PORT or --port\n" +
        'Run with --help to see every setting.\n',
    );
  });
});
