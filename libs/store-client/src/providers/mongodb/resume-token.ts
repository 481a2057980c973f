/**
 * Resume tokens cross our API as opaque strings (`ChangeEvent.resumeToken`). On MongoDB the token
 * is the change event's `_id` document (`{ _data: "82…" }`); the string is its canonical Extended
 * JSON, which round-trips every BSON type exactly (older servers put BinData in `_data`).
 * In the ResumeTokens collection the token is stored as the BSON document itself, the way
 * upstream NVSentinel stores it, so either implementation can resume after the other.
 */
import { BSON, type Document } from 'mongodb';

const { EJSON } = BSON;

import { DatastoreError } from '../../errors.js';
import { PROVIDER_NAME } from './defaults.js';

export function encodeResumeToken(token: unknown): string {
  if (token === null || typeof token !== 'object' || Array.isArray(token)) {
    throw new DatastoreError(
      'resume_token',
      `the server returned a change event without a resume token (_id = ${String(token)})`,
      {
        provider: PROVIDER_NAME,
      },
    );
  }
  return EJSON.stringify(token, { relaxed: false });
}

/** The BSON token document for a string produced by `encodeResumeToken`. */
export function decodeResumeToken(text: string): Document {
  let parsed: unknown;
  try {
    parsed = EJSON.parse(text, { relaxed: false });
  } catch (err) {
    throw invalidToken(text, err);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !('_data' in parsed)) {
    throw invalidToken(text);
  }
  return parsed as Document;
}

function invalidToken(text: string, cause?: unknown): DatastoreError {
  const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return new DatastoreError(
    'resume_token',
    `'${shown}' is not a MongoDB resume token: pass the resumeToken of a ChangeEvent from this provider's watch() unchanged`,
    { provider: PROVIDER_NAME, cause },
  );
}
