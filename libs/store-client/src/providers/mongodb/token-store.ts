/**
 * Where each consumer's position is kept: one document per `clientName` in the ResumeTokens
 * collection, `{ clientName, resumeToken, lastDocumentId, updatedAt }`. Written with majority
 * write concern and read with majority read concern from the primary (as upstream does), so a
 * token acknowledged before a failover is never lost with the old primary and a consumer never
 * resumes from a token that could be rolled back.
 */
import type { Collection, CollectionOptions, Db, Document } from 'mongodb';

import { toDatastoreError } from './driver-errors.js';
import { decodeResumeToken, encodeResumeToken } from './resume-token.js';
import { objectIdFromHex } from './bson-values.js';

export const RESUME_TOKEN_COLLECTION_OPTIONS: CollectionOptions = {
  writeConcern: { w: 'majority' },
  readConcern: { level: 'majority' as const },
  readPreference: 'primary',
};

export interface StoredPosition {
  /** Encoded as in `ChangeEvent.resumeToken`. */
  resumeToken: string;
  /** Hex id of the document of the last processed change, when known (used by `backlog`). */
  lastDocumentId?: string;
}

/** The seam between the change-stream loop and token persistence. */
export interface ResumeTokenStore {
  load(clientName: string): Promise<StoredPosition | null>;
  save(clientName: string, position: StoredPosition): Promise<void>;
  delete(clientName: string): Promise<void>;
}

interface TokenDocument extends Document {
  clientName: string;
  resumeToken: Document;
}

export class MongoResumeTokenStore implements ResumeTokenStore {
  readonly #collection: Collection<TokenDocument>;

  constructor(db: Db, collectionName: string) {
    this.#collection = db.collection<TokenDocument>(collectionName, RESUME_TOKEN_COLLECTION_OPTIONS);
  }

  async load(clientName: string): Promise<StoredPosition | null> {
    let doc: TokenDocument | null;
    try {
      doc = await this.#collection.findOne({ clientName });
    } catch (err) {
      throw toDatastoreError(err, 'query', `reading the resume token of '${clientName}'`);
    }
    if (!doc || doc.resumeToken === undefined || doc.resumeToken === null) return null;
    const lastDocumentId = doc.lastDocumentId as { toHexString?: () => string } | undefined;
    return {
      resumeToken: encodeResumeToken(doc.resumeToken),
      lastDocumentId: typeof lastDocumentId?.toHexString === 'function' ? lastDocumentId.toHexString() : undefined,
    };
  }

  async save(clientName: string, position: StoredPosition): Promise<void> {
    const set: Document = { clientName, resumeToken: decodeResumeToken(position.resumeToken), updatedAt: new Date() };
    const lastDocumentId = position.lastDocumentId ? objectIdFromHex(position.lastDocumentId) : undefined;
    if (lastDocumentId) set.lastDocumentId = lastDocumentId;
    try {
      await this.#collection.updateOne({ clientName }, { $set: set }, { upsert: true });
    } catch (err) {
      throw toDatastoreError(err, 'update', `saving the resume token of '${clientName}'`);
    }
  }

  async delete(clientName: string): Promise<void> {
    try {
      await this.#collection.deleteOne({ clientName });
    } catch (err) {
      throw toDatastoreError(err, 'delete', `deleting the resume token of '${clientName}'`);
    }
  }
}
