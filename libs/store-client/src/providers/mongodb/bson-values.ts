/**
 * The boundary between BSON values and canonical documents. On MongoDB `_id` is an ObjectId (as
 * upstream stores it, so the TTL/compound indexes and `_id` range scans stay native); everywhere
 * above the provider an id is its 24-character hex string, exactly like the PostgreSQL providers'
 * string ids. Results of finds, aggregations and change events all pass through `fromBson`.
 */
import { ObjectId } from 'mongodb';

const OBJECT_ID_HEX = /^[0-9a-fA-F]{24}$/;

/** True for the hex form of an ObjectId (ObjectId.isValid also accepts any 12-byte string). */
export function isObjectIdHex(value: unknown): value is string {
  return typeof value === 'string' && OBJECT_ID_HEX.test(value);
}

/** The ObjectId for a 24-hex id, or undefined when `id` cannot name a MongoDB document of ours. */
export function objectIdFromHex(id: string): ObjectId | undefined {
  return isObjectIdHex(id) ? ObjectId.createFromHexString(id) : undefined;
}

interface BsonTagged {
  _bsontype: string;
}

function bsonType(value: object): string | undefined {
  const tag = (value as Partial<BsonTagged>)._bsontype;
  return typeof tag === 'string' ? tag : undefined;
}

/**
 * A value read from the driver → its canonical form: ObjectId → hex string, 64/32-bit integer
 * and double wrappers → number (when exactly representable), nested objects and arrays converted
 * recursively. Dates stay Dates; other BSON types (Decimal128, Binary, Timestamp) are returned
 * as the driver gave them, since canonical documents never contain them.
 */
export function fromBson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map(fromBson);
  switch (bsonType(value)) {
    case undefined:
      break;
    case 'ObjectId':
    case 'ObjectID':
      return (value as ObjectId).toHexString();
    case 'Long': {
      const n = (value as { toNumber(): number }).toNumber();
      return Number.isSafeInteger(n) ? n : value;
    }
    case 'Int32':
    case 'Double':
      return (value as { valueOf(): number }).valueOf();
    default:
      return value;
  }
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value as Record<string, unknown>)) out[key] = fromBson(member);
  return out;
}

/** `fromBson` for a whole document. */
export function documentFromBson(doc: Record<string, unknown>): Record<string, unknown> {
  return fromBson(doc) as Record<string, unknown>;
}
