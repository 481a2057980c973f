import { badRequest } from '../errors.js';
import type { KubeObject } from './kube-object.js';

/**
 * List paging: the continue token names the last key returned, so the next page starts after it.
 * (The real API also pins the page to the first page's resourceVersion; this one reads the
 * current state.)
 */

export function itemKey(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

export function encodeContinue(key: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after: key })).toString('base64url');
}

export function decodeContinue(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: number; after?: unknown };
    if (parsed.v === 1 && typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through to the error below
  }
  throw badRequest('invalid continue token: pass the metadata.continue value of the previous list page unchanged');
}
