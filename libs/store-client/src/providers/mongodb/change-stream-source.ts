/**
 * The seam between our change-stream loop (change-stream.ts) and the driver. The loop decides
 * where to start, when to reopen and how to recover; a source only opens a cursor at a position
 * and reads raw change documents from it. The real source wraps `Collection.watch`.
 */
import type { ChangeStream as DriverChangeStream, Collection, Document } from 'mongodb';

import type { Pipeline } from '../../interfaces.js';
import type { RawChange } from './change-event.js';
import { changeStreamPipelineToBson } from './filters.js';

export interface ChangeStreamCursor {
  /** The next change; null once the cursor was closed through `close()`. */
  next(): Promise<RawChange | null>;
  /**
   * Where to resume after what was read so far: the last change's token, or the server's
   * post-batch token when the stream moved past changes the pipeline filtered out.
   */
  resumeToken(): Document | undefined;
  close(): Promise<void>;
}

export interface ChangeStreamSource {
  /**
   * Opens at `resumeAfter`, or at the current time when it is undefined. Resolves only after the
   * server accepted the position, so errors about the token surface here, not at the first read.
   */
  open(resumeAfter: Document | undefined): Promise<ChangeStreamCursor>;
}

/** The options every stream is opened with; exported so a test pins them. */
function watchOptions(resumeAfter: Document | undefined): {
  fullDocument: 'updateLookup';
  resumeAfter?: Document;
} {
  return resumeAfter === undefined ? { fullDocument: 'updateLookup' } : { fullDocument: 'updateLookup', resumeAfter };
}

export class DriverChangeStreamSource implements ChangeStreamSource {
  readonly #collection: Collection;
  readonly #pipeline: Document[];

  constructor(collection: Collection, pipeline: Pipeline) {
    this.#collection = collection;
    // Passed to the server prefixed with nothing: the server evaluates the consumer's $match on
    // the change event, as upstream's pipelines expect. Only hex ids of the event become ObjectIds.
    this.#pipeline = changeStreamPipelineToBson(pipeline);
  }

  /** The driver stream for a position; lazy, nothing is sent to the server until it is read. */
  watch(resumeAfter: Document | undefined): DriverChangeStream {
    return this.#collection.watch(this.#pipeline, watchOptions(resumeAfter));
  }

  async open(resumeAfter: Document | undefined): Promise<ChangeStreamCursor> {
    const stream = this.watch(resumeAfter);
    let first: RawChange | null;
    try {
      // watch() is lazy; tryNext() runs the aggregate, so a bad token or pipeline fails here.
      first = (await stream.tryNext()) as RawChange | null;
    } catch (err) {
      await stream.close().catch(() => undefined);
      throw err;
    }
    return new DriverCursor(stream, first);
  }
}

class DriverCursor implements ChangeStreamCursor {
  readonly #stream: DriverChangeStream;
  #buffered: RawChange | null;
  #closing = false;

  constructor(stream: DriverChangeStream, first: RawChange | null) {
    this.#stream = stream;
    this.#buffered = first;
  }

  async next(): Promise<RawChange | null> {
    if (this.#buffered) {
      const change = this.#buffered;
      this.#buffered = null;
      return change;
    }
    if (this.#closing) return null;
    try {
      return (await this.#stream.next()) as RawChange;
    } catch (err) {
      // Closing while a getMore is in flight makes next() reject; that is the end, not an error.
      if (this.#closing) return null;
      throw err;
    }
  }

  resumeToken(): Document | undefined {
    const token: unknown = this.#stream.resumeToken;
    return token !== null && typeof token === 'object' ? (token as Document) : undefined;
  }

  async close(): Promise<void> {
    this.#closing = true;
    await this.#stream.close();
  }
}
