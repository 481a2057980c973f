/**
 * A raw change document from the driver → our ChangeEvent (interfaces.ts), the shape consumers
 * see on every provider: resume token as an opaque string, `documentKey._id` and every ObjectId
 * in `fullDocument` as hex strings, `updateDescription` exactly as the server reported it, and
 * `clusterTime` as a Date.
 */
import type { ChangeEvent, Document as CanonicalDocument } from '../../interfaces.js';
import { fromBson } from './bson-values.js';
import { encodeResumeToken } from './resume-token.js';

/** The members of a driver change document this mapping reads. */
export interface RawChange {
  _id: unknown;
  operationType: string;
  documentKey?: { _id?: unknown };
  fullDocument?: Record<string, unknown> | null;
  updateDescription?: { updatedFields?: Record<string, unknown>; removedFields?: string[] };
  clusterTime?: { t?: number; getHighBits?: () => number };
  wallTime?: Date;
}

export type MappedChange =
  | { kind: 'event'; event: ChangeEvent }
  /** The collection was dropped/renamed (or its database dropped): the stream cannot go on. */
  | { kind: 'invalidated'; operationType: string; resumeToken: string }
  /** Events of types that do not concern document consumers (e.g. expanded DDL events). */
  | { kind: 'ignored'; operationType: string; resumeToken: string };

const INVALIDATING = new Set(['invalidate', 'drop', 'rename', 'dropDatabase']);

export function mapChange(raw: RawChange): MappedChange {
  const resumeToken = encodeResumeToken(raw._id);
  const op = raw.operationType;
  if (INVALIDATING.has(op)) return { kind: 'invalidated', operationType: op, resumeToken };
  if (op !== 'insert' && op !== 'update' && op !== 'delete' && op !== 'replace') {
    return { kind: 'ignored', operationType: op, resumeToken };
  }
  const fullDocument =
    raw.fullDocument === undefined || raw.fullDocument === null
      ? null
      : (fromBson(raw.fullDocument) as CanonicalDocument);
  const event: ChangeEvent = {
    resumeToken,
    // A replace rewrites the whole document: to consumers it is an update of every top-level field.
    operationType: op === 'replace' ? 'update' : op,
    documentKey: { _id: idToString(raw.documentKey?._id) },
    fullDocument: op === 'delete' ? null : fullDocument,
    clusterTime: changeTime(raw),
  };
  if (op === 'update') {
    event.updateDescription = {
      updatedFields: (fromBson(raw.updateDescription?.updatedFields ?? {}) as Record<string, unknown>) ?? {},
      removedFields: [...(raw.updateDescription?.removedFields ?? [])],
    };
  } else if (op === 'replace') {
    const updatedFields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(fullDocument ?? {})) if (key !== '_id') updatedFields[key] = value;
    event.updateDescription = { updatedFields, removedFields: [] };
  }
  return { kind: 'event', event };
}

function idToString(id: unknown): string {
  const converted = fromBson(id);
  if (typeof converted === 'string') return converted;
  return converted === undefined ? '' : JSON.stringify(converted);
}

/**
 * `wallTime` (server wall clock, millisecond precision, MongoDB ≥ 6.0) when present; else the
 * oplog `clusterTime`, whose high 32 bits are seconds since the epoch.
 */
function changeTime(raw: RawChange): Date {
  if (raw.wallTime instanceof Date) return raw.wallTime;
  const ts = raw.clusterTime;
  const seconds =
    typeof ts?.t === 'number' ? ts.t : typeof ts?.getHighBits === 'function' ? ts.getHighBits() : undefined;
  return seconds === undefined ? new Date() : new Date(seconds * 1000);
}
