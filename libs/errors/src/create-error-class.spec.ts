import { describe, expect, it } from 'vitest';
import { ConfigError } from './catalogue.js';
import { NvsError, createErrorClass } from './create-error-class.js';

describe('createErrorClass', () => {
  const NotFound = createErrorClass('NVS_ERR_TEST_NOT_FOUND', "Node '%s' not found in %s", { status: 404 });
  const Flaky = createErrorClass('NVS_ERR_TEST_FLAKY', 'Backend is flaky', { retryable: true });

  it('formats %s placeholders and carries a stable code, status and retryable flag', () => {
    const err = new NotFound('gpu-node-1', 'the cache');
    expect(err.message).toBe("Node 'gpu-node-1' not found in the cache");
    expect(err.code).toBe('NVS_ERR_TEST_NOT_FOUND');
    expect(err.statusCode).toBe(404);
    expect(err.retryable).toBe(false);
    expect(err.name).toBe('NVS_ERR_TEST_NOT_FOUND');
    expect(err).toBeInstanceOf(NotFound);
    expect(err).toBeInstanceOf(NvsError);
    expect(err).toBeInstanceOf(Error);
    expect(err.stack).toContain('create-error-class.spec.ts');
  });

  it('exposes class-level metadata and matches by code', () => {
    expect(Flaky.code).toBe('NVS_ERR_TEST_FLAKY');
    expect(Flaky.retryable).toBe(true);
    expect(Flaky.status).toBe(500);
    expect(Flaky.is(new Flaky())).toBe(true);
    expect(Flaky.is(new NotFound('a', 'b'))).toBe(false);
    expect(Flaky.is(new Error('Backend is flaky'))).toBe(false);
  });

  it('accepts a trailing { cause } and keeps it out of the message', () => {
    const root = new Error('ECONNREFUSED');
    const err = new NotFound('n1', 'the store', { cause: root });
    expect(err.cause).toBe(root);
    expect(err.message).toBe("Node 'n1' not found in the store");
    expect(err.toJSON()).toMatchObject({ code: 'NVS_ERR_TEST_NOT_FOUND', cause: { message: 'ECONNREFUSED' } });
  });

  it('does not mistake a placeholder argument for options', () => {
    const Wrap = createErrorClass('NVS_ERR_TEST_WRAP', 'value %s');
    const err = new Wrap({ cause: 'literally' });
    expect(err.cause).toBeUndefined();
    expect(err.message).toBe("value { cause: 'literally' }");
  });

  it('rejects codes that are not UPPER_SNAKE_CASE', () => {
    expect(() => createErrorClass('bad-code', 'x')).toThrow(/UPPER_SNAKE_CASE/);
  });

  it('lets a subclass add structured data (ConfigError)', () => {
    const err = new ConfigError([
      { source: 'A', message: "A='x': expected an integer" },
      { source: '--b', message: '--b: unknown flag' },
    ]);
    expect(err.code).toBe('NVS_ERR_CONFIG_INVALID');
    expect(err.name).toBe('ConfigError');
    expect(err.problems).toHaveLength(2);
    expect(err.message).toBe("Invalid configuration (2 problems):\n  - A='x': expected an integer\n  - --b: unknown flag");
    expect(ConfigError.is(err)).toBe(true);
  });
});
