import { describe, expect, it } from 'vitest';
import { createErrorClass } from './create-error-class.js';
import { NvsError, isNvsError } from './nvs-error.js';

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

  it('keeps a subclass catalogue (own codes, fix, no HTTP status) under the one base', () => {
    class StoreFailure extends NvsError {
      constructor(code: 'timeout' | 'closed', cause: unknown) {
        super(code, `store ${code}`, { retryable: code === 'timeout', fix: 'retry later' }, { cause });
      }
    }
    const err = new StoreFailure('timeout', new Error('slow'));
    expect(err).toBeInstanceOf(NvsError);
    expect(isNvsError(err, 'timeout')).toBe(true);
    expect(isNvsError(err, 'closed')).toBe(false);
    expect(isNvsError(new Error('x'))).toBe(false);
    expect(err.retryable).toBe(true);
    expect(err.statusCode).toBeUndefined();
    expect(err.toJSON()).toEqual({
      name: 'timeout',
      code: 'timeout',
      message: 'store timeout',
      retryable: true,
      fix: 'retry later',
      cause: { name: 'Error', message: 'slow' },
    });
  });
});
