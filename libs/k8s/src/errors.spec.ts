import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { K8sErrorCode, isConflict, isNotFound, isTooManyRequests, isTransient, toK8sError } from './errors.js';

const status = (code: number, reason: string, extra: object = {}): string =>
  JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    code,
    reason,
    message: `${reason} happened`,
    ...extra,
  });

describe('toK8sError', () => {
  it('maps an ApiException with a Status body by reason', () => {
    const err = toK8sError(
      new ApiException(409, 'Unknown API Status Code!', status(409, 'AlreadyExists'), {}),
      'create lease',
    );
    expect(err.code).toBe(K8sErrorCode.ALREADY_EXISTS);
    expect(err.statusCode).toBe(409);
    expect(err.message).toMatch(/^NVS_ERR_K8S_ALREADY_EXISTS: create lease: AlreadyExists happened \(.*get it instead/);
    expect(isConflict(err)).toBe(false);
  });

  it('falls back to the HTTP code without a Status body', () => {
    expect(toK8sError(new ApiException(404, 'x', 'not json', {})).code).toBe(K8sErrorCode.NOT_FOUND);
    expect(toK8sError(new ApiException(502, 'x', undefined, {})).code).toBe(K8sErrorCode.INTERNAL);
  });

  it('reads Retry-After from headers or status details', () => {
    expect(
      toK8sError(new ApiException(429, 'x', status(429, 'TooManyRequests'), { 'retry-after': '3' })).retryAfterSeconds,
    ).toBe(3);
    expect(
      toK8sError(new ApiException(429, 'x', status(429, 'TooManyRequests', { details: { retryAfterSeconds: 7 } }), {}))
        .retryAfterSeconds,
    ).toBe(7);
  });

  it('classifies network failures, watch errors and aborts', () => {
    expect(toK8sError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).code).toBe(
      K8sErrorCode.NETWORK,
    );
    expect(toK8sError(Object.assign(new Error('Gone'), { statusCode: 410 })).code).toBe(K8sErrorCode.GONE);
    expect(toK8sError(Object.assign(new Error('x'), { name: 'AbortError' })).code).toBe(K8sErrorCode.ABORTED);
    expect(toK8sError('weird').code).toBe(K8sErrorCode.UNKNOWN);
  });

  it('helpers accept raw client errors', () => {
    const raw = new ApiException(404, 'x', status(404, 'NotFound'), {});
    expect(isNotFound(raw)).toBe(true);
    expect(isTooManyRequests(new ApiException(429, 'x', status(429, 'TooManyRequests'), {}))).toBe(true);
    expect(isTransient(new ApiException(503, 'x', '', {}))).toBe(true);
    expect(isTransient(raw)).toBe(false);
    expect(isNotFound(undefined)).toBe(false);
  });
});
