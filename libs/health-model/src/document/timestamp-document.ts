import type { Timestamp } from '../model/types.js';
import type { TimestampDocument } from './types.js';

/** Timestamp → stored `{seconds, nanos}` (a fresh object), or null when unset. */
export function timestampToDocument(ts: Timestamp | undefined): TimestampDocument | null {
  return ts === undefined ? null : { seconds: ts.seconds, nanos: ts.nanos };
}
