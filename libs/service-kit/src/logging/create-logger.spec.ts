import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/catalogue.js';
import { createLogger, moduleLogger } from './create-logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('writes JSON with service, module, ISO time and a textual level', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ name: 'node-drainer', env: {}, destination, pretty: false });
    moduleLogger(logger, 'queue', { node: 'gpu-1' }).info({ depth: 3 }, 'enqueued');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      service: 'node-drainer',
      module: 'queue',
      node: 'gpu-1',
      depth: 3,
      msg: 'enqueued',
    });
    expect(typeof lines[0].time).toBe('string');
    expect(new Date(lines[0].time as string).toString()).not.toBe('Invalid Date');
  });

  it('takes the level from LOG_LEVEL unless given explicitly', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ name: 's', env: { LOG_LEVEL: 'WARN' }, destination, pretty: false });
    logger.info('hidden');
    logger.warn('shown');
    expect(lines.map((l) => l.msg)).toEqual(['shown']);
    expect(
      createLogger({ name: 's', env: { LOG_LEVEL: 'warn' }, level: 'debug', destination, pretty: false }).level,
    ).toBe('debug');
    expect(createLogger({ name: 's', env: {}, destination, pretty: false }).level).toBe('info');
  });

  it('accepts LOG_LEVEL=silent (nothing is written)', () => {
    const lines: string[] = [];
    const destination = { write: (line: string) => void lines.push(line) };
    const logger = createLogger({ name: 's', env: { LOG_LEVEL: 'silent' }, destination, pretty: false });
    logger.fatal('not written');
    expect(logger.level).toBe('silent');
    expect(lines).toEqual([]);
  });

  it('rejects an unknown LOG_LEVEL or LOG_FORMAT with a ConfigError that says what is allowed', () => {
    expect(() => createLogger({ name: 's', env: { LOG_LEVEL: 'verbose' } })).toThrow(ConfigError);
    expect(() => createLogger({ name: 's', env: { LOG_LEVEL: 'verbose' } })).toThrow(
      /expected one of fatal, error, warn, info, debug, trace/,
    );
    expect(() => createLogger({ name: 's', env: { LOG_FORMAT: 'xml' } })).toThrow(
      /LOG_FORMAT='xml': expected json or pretty/,
    );
  });

  it('redacts passwords, authorization headers and tokens', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ name: 's', env: {}, destination, pretty: false, redact: ['datastore.uri'] });
    logger.info(
      {
        password: 'p1',
        datastore: { password: 'p2', uri: 'postgres://u:p3@h/db', host: 'h' },
        req: { headers: { authorization: 'Bearer abc', accept: 'json' } },
        token: 't',
      },
      'connecting',
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ['p1', 'p2', 'p3', 'Bearer abc', '"t"']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      datastore: { host: 'h', password: '[redacted]' },
      req: { headers: { accept: 'json' } },
    });
  });

  it('serializes errors with type, message and stack', () => {
    const { lines, destination } = capture();
    createLogger({ name: 's', env: {}, destination, pretty: false }).error({ err: new TypeError('boom') }, 'failed');
    expect(lines[0].err).toMatchObject({ type: 'TypeError', message: 'boom' });
    expect((lines[0].err as { stack: string }).stack).toContain('create-logger.spec.ts');
  });
});
