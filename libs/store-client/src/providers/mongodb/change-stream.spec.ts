/**
 * The change-stream loop driven through its two seams — a scripted ChangeStreamSource (what the
 * driver would return at each open) and an in-memory ResumeTokenStore — so start positions,
 * reconnects, history-lost recovery and token persistence are tested without a server.
 */
import { MongoNetworkError, MongoServerError, ObjectId, type Document } from 'mongodb';
import { describe, expect, it } from 'vitest';

import { isDatastoreError } from '../../errors.js';
import type { ChangeEvent } from '../../interfaces.js';
import type { RawChange } from './change-event.js';
import type { ChangeStreamCursor, ChangeStreamSource } from './change-stream-source.js';
import { MongoChangeStream, type MongoChangeStreamDeps } from './change-stream.js';
import type { HistoryLostInfo, MongoLogger } from './hooks.js';
import { encodeResumeToken } from './resume-token.js';
import type { ResumeTokenStore, StoredPosition } from './token-store.js';

const tok = (n: number): Document => ({ _data: `82${String(n).padStart(8, '0')}` });
const idOf = (n: number) => new ObjectId(n.toString(16).padStart(24, '0'));
const insert = (n: number): RawChange => ({
  _id: tok(n),
  operationType: 'insert',
  documentKey: { _id: idOf(n) },
  fullDocument: { _id: idOf(n), n },
  wallTime: new Date(1_700_000_000_000 + n),
});

/** What one open does: fail, or deliver changes and then fail or wait until closed. */
type OpenScript = { openError: unknown } | { changes: RawChange[]; thenError?: unknown };

class ScriptedSource implements ChangeStreamSource {
  readonly opens: (Document | undefined)[] = [];
  closedCursors = 0;
  constructor(private readonly scripts: OpenScript[]) {}

  async open(resumeAfter: Document | undefined): Promise<ChangeStreamCursor> {
    this.opens.push(resumeAfter);
    const script = this.scripts.shift() ?? { changes: [] };
    if ('openError' in script) throw script.openError;
    const queue = [...script.changes];
    let last: Document | undefined = resumeAfter;
    let release: (() => void) | undefined;
    const closed = new Promise<void>((resolve) => (release = resolve));
    return {
      next: async () => {
        const change = queue.shift();
        if (change) {
          last = change._id as Document;
          return change;
        }
        if (script.thenError) throw script.thenError;
        await closed; // an idle stream: blocks until closed
        return null;
      },
      resumeToken: () => last,
      close: async () => {
        this.closedCursors++;
        release?.();
      },
    };
  }
}

class MemoryTokens implements ResumeTokenStore {
  readonly saved = new Map<string, StoredPosition>();
  deletes = 0;
  async load(clientName: string) {
    return this.saved.get(clientName) ?? null;
  }
  async save(clientName: string, position: StoredPosition) {
    this.saved.set(clientName, position);
  }
  async delete(clientName: string) {
    this.deletes++;
    this.saved.delete(clientName);
  }
}

const silent: MongoLogger = { info: () => {}, warn: () => {}, error: () => {} };
const historyLost = () => new MongoServerError({ message: 'Resume of change stream was not possible', code: 286 });
const networkDown = () => new MongoNetworkError('connection reset');

function stream(source: ChangeStreamSource, tokens: MemoryTokens, overrides: Partial<MongoChangeStreamDeps> = {}) {
  let clock = 0;
  return new MongoChangeStream({
    clientName: 'fault-quarantine',
    startAt: 'resume',
    source,
    tokens,
    logger: silent,
    policy: { initialDelayMs: 1, maxDelayMs: 2, multiplier: 2, deadlineMs: 1_000 },
    now: () => (clock += 10),
    ...overrides,
  });
}

async function take(s: AsyncIterable<ChangeEvent>, count: number): Promise<ChangeEvent[]> {
  const out: ChangeEvent[] = [];
  if (count === 0) return out;
  for await (const event of s) {
    out.push(event);
    if (out.length === count) break;
  }
  return out;
}

const numbers = (events: ChangeEvent[]) => events.map((e) => (e.fullDocument as { n: number }).n);

describe('MongoChangeStream start position', () => {
  it('resumes after the stored token of its clientName', async () => {
    const tokens = new MemoryTokens();
    tokens.saved.set('fault-quarantine', { resumeToken: encodeResumeToken(tok(7)) });
    const source = new ScriptedSource([{ changes: [insert(8), insert(9)] }]);
    const events = await take(stream(source, tokens), 2);
    expect(source.opens).toEqual([tok(7)]);
    expect(numbers(events)).toEqual([8, 9]);
    expect(events[0]).toMatchObject({ operationType: 'insert', documentKey: { _id: idOf(8).toHexString() } });
  });

  it("starts from now without a stored token, and 'now' deletes the stored token", async () => {
    const tokens = new MemoryTokens();
    tokens.saved.set('fault-quarantine', { resumeToken: encodeResumeToken(tok(7)) });
    const source = new ScriptedSource([{ changes: [insert(1)] }]);
    await take(stream(source, tokens, { startAt: 'now' }), 1);
    expect(source.opens).toEqual([undefined]);
    expect(tokens.saved.has('fault-quarantine')).toBe(false);
  });

  it('leaving a for-await loop closes the stream and its cursor', async () => {
    const source = new ScriptedSource([{ changes: [insert(1), insert(2)] }]);
    const s = stream(source, new MemoryTokens());
    await take(s, 1);
    expect(source.closedCursors).toBe(1);
    expect(await take(s, 1)).toEqual([]); // a closed stream yields nothing
  });

  it('close() ends an idle iteration cleanly', async () => {
    const source = new ScriptedSource([{ changes: [] }]);
    const s = stream(source, new MemoryTokens());
    const drained = take(s, 5);
    await new Promise((r) => setTimeout(r, 5));
    await s.close();
    expect(await drained).toEqual([]);
  });

  it('refuses a second concurrent iteration', async () => {
    const s = stream(new ScriptedSource([{ changes: [] }]), new MemoryTokens());
    const first = s[Symbol.asyncIterator]();
    const pending = first.next();
    await new Promise((r) => setTimeout(r, 5));
    await expect(s[Symbol.asyncIterator]().next()).rejects.toThrow(/already being iterated/);
    await s.close();
    await pending;
  });
});

describe('MongoChangeStream history-lost recovery (codes 286/280/260/9)', () => {
  it('at open: counts, deletes the token, tells the consumer and continues from now', async () => {
    const tokens = new MemoryTokens();
    tokens.saved.set('fault-quarantine', { resumeToken: encodeResumeToken(tok(3)) });
    const source = new ScriptedSource([{ openError: historyLost() }, { changes: [insert(50)] }]);
    const recoveries: unknown[] = [];
    const lost: HistoryLostInfo[] = [];
    const s = stream(source, tokens, {
      onResumeTokenRecovery: (labels) => recoveries.push(labels),
      onHistoryLost: (info) => void lost.push(info),
    });
    expect(numbers(await take(s, 1))).toEqual([50]);
    expect(source.opens).toEqual([tok(3), undefined]);
    expect(tokens.saved.has('fault-quarantine')).toBe(false);
    expect(recoveries).toEqual([{ client: 'fault-quarantine', phase: 'initialization' }]);
    expect(lost).toEqual([
      { clientName: 'fault-quarantine', phase: 'initialization', reason: 'token-unusable', serverCode: 286 },
    ]);
  });

  it('at open without a listener: still recovers (the consumer is starting and scans anyway)', async () => {
    const tokens = new MemoryTokens();
    tokens.saved.set('fault-quarantine', { resumeToken: encodeResumeToken(tok(3)) });
    const source = new ScriptedSource([
      { openError: new MongoServerError({ message: 'bad token', code: 260 }) },
      { changes: [insert(1)] },
    ]);
    expect(numbers(await take(stream(source, tokens), 1))).toEqual([1]);
    expect(tokens.deletes).toBe(1);
  });

  it('at runtime with a listener: continues from now after notifying', async () => {
    const lost: HistoryLostInfo[] = [];
    const recoveries: unknown[] = [];
    const source = new ScriptedSource([{ changes: [insert(1)], thenError: historyLost() }, { changes: [insert(9)] }]);
    const s = stream(source, new MemoryTokens(), {
      onHistoryLost: (info) => void lost.push(info),
      onResumeTokenRecovery: (labels) => recoveries.push(labels),
    });
    expect(numbers(await take(s, 2))).toEqual([1, 9]);
    expect(source.opens).toEqual([undefined, undefined]);
    expect(lost.map((l) => l.phase)).toEqual(['runtime']);
    expect(recoveries).toEqual([{ client: 'fault-quarantine', phase: 'runtime' }]);
  });

  it('at runtime without a listener: deletes the token and ends with a resume_token error', async () => {
    const tokens = new MemoryTokens();
    const source = new ScriptedSource([{ changes: [insert(1)], thenError: historyLost() }]);
    const s = stream(source, tokens);
    await s.markProcessed(encodeResumeToken(tok(0))); // progress stored before the history is lost
    const err = await take(s, 5).catch((e: unknown) => e);
    expect(isDatastoreError(err, 'resume_token')).toBe(true);
    expect((err as Error).message).toMatch(/cold-start scan/);
    expect(tokens.saved.has('fault-quarantine')).toBe(false);
  });

  it('a dropped collection invalidates the stream: notified as such, restarted from now', async () => {
    const lost: HistoryLostInfo[] = [];
    const recoveries: unknown[] = [];
    const drop: RawChange = { _id: tok(2), operationType: 'drop' };
    const source = new ScriptedSource([{ changes: [insert(1), drop] }, { changes: [insert(3)] }]);
    const s = stream(source, new MemoryTokens(), {
      onHistoryLost: (info) => void lost.push(info),
      onResumeTokenRecovery: (labels) => recoveries.push(labels),
    });
    expect(numbers(await take(s, 2))).toEqual([1, 3]);
    expect(lost.map((l) => l.reason)).toEqual(['invalidated']);
    expect(recoveries).toEqual([]); // not a resume-token recovery
    expect(source.opens).toEqual([undefined, undefined]);
  });

  it('a dropped collection without a listener ends the stream once, without counting a token recovery', async () => {
    const recoveries: unknown[] = [];
    const tokens = new MemoryTokens();
    const source = new ScriptedSource([{ changes: [{ _id: tok(2), operationType: 'drop' }] }]);
    const err = await take(stream(source, tokens, { onResumeTokenRecovery: (l) => recoveries.push(l) }), 1).catch(
      (e: unknown) => e,
    );
    expect(isDatastoreError(err, 'resume_token')).toBe(true);
    expect((err as Error).message).toMatch(/invalidated/);
    expect(recoveries).toEqual([]);
    expect(tokens.deletes).toBe(1);
  });

  it('code 9 at an open without a token is a pipeline error: fatal, not a restart loop', async () => {
    const source = new ScriptedSource([{ openError: new MongoServerError({ message: 'bad $match', code: 9 }) }]);
    const err = await take(stream(source, new MemoryTokens()), 1).catch((e: unknown) => e);
    expect(isDatastoreError(err, 'change_stream')).toBe(true);
    expect(source.opens).toHaveLength(1);
  });
});

describe('MongoChangeStream reconnect loop', () => {
  it('reopens after a transient error after the last token read, without duplicates', async () => {
    const source = new ScriptedSource([
      { changes: [insert(1), insert(2)], thenError: networkDown() },
      { openError: networkDown() },
      { changes: [insert(3)] },
    ]);
    const events = await take(stream(source, new MemoryTokens()), 3);
    expect(numbers(events)).toEqual([1, 2, 3]);
    expect(source.opens).toEqual([undefined, tok(2), tok(2)]);
  });

  it('gives up with a retryable change_stream error once the outage exceeds the deadline', async () => {
    const source = new ScriptedSource(Array.from({ length: 200 }, () => ({ openError: networkDown() })));
    const err = await take(
      stream(source, new MemoryTokens(), {
        policy: { initialDelayMs: 1, maxDelayMs: 1, multiplier: 1, deadlineMs: 50 },
      }),
      1,
    ).catch((e: unknown) => e);
    expect(isDatastoreError(err, 'change_stream')).toBe(true);
    expect((err as { isRetryable: boolean }).isRetryable).toBe(true);
    expect((err as Error).message).toMatch(/could not be reopened within 0.05s/);
    expect(source.opens.length).toBeGreaterThan(1);
    expect(source.opens.length).toBeLessThan(10);
  });

  it('surfaces fatal errors mapped to their code', async () => {
    const source = new ScriptedSource([{ openError: new MongoServerError({ message: 'auth failed', code: 18 }) }]);
    const err = await take(stream(source, new MemoryTokens()), 1).catch((e: unknown) => e);
    expect(isDatastoreError(err, 'authentication')).toBe(true);
  });

  it('lets the datastore explain a refusal (standalone server: change streams need a replica set)', async () => {
    const { DatastoreError } = await import('../../errors.js');
    const refusal = new MongoServerError({
      message: 'The $changeStream stage is only supported on replica sets',
      code: 40573,
    });
    const source = new ScriptedSource([{ openError: refusal }]);
    const err = await take(
      stream(source, new MemoryTokens(), {
        explainFatal: (e) =>
          e === refusal
            ? new DatastoreError('configuration', 'change streams need a MongoDB replica set', { cause: e })
            : undefined,
      }),
      1,
    ).catch((e: unknown) => e);
    expect(isDatastoreError(err, 'configuration')).toBe(true);
    expect((err as Error).cause).toBe(refusal);
  });

  it('retries a preparation step that fails transiently and stops on a configuration error', async () => {
    let calls = 0;
    const flaky = stream(new ScriptedSource([{ changes: [insert(1)] }]), new MemoryTokens(), {
      prepare: async () => {
        if (++calls === 1) throw networkDown();
      },
    });
    expect(numbers(await take(flaky, 1))).toEqual([1]);
    expect(calls).toBe(2);

    const { DatastoreError } = await import('../../errors.js');
    const standalone = stream(new ScriptedSource([]), new MemoryTokens(), {
      prepare: async () => {
        throw new DatastoreError('configuration', 'change streams need a MongoDB replica set');
      },
    });
    const err = await take(standalone, 1).catch((e: unknown) => e);
    expect(isDatastoreError(err, 'configuration')).toBe(true);
  });
});

describe('MongoChangeStream progress', () => {
  it('markProcessed stores the token with its document id, and backlog counts from that document', async () => {
    const tokens = new MemoryTokens();
    const counted: string[] = [];
    const s = stream(new ScriptedSource([{ changes: [insert(1), insert(2)] }]), tokens, {
      countAfter: async (id) => {
        counted.push(id);
        return 42;
      },
    });
    expect(await s.backlog()).toBe(0); // nothing processed yet
    const events = await take(s, 2);
    await s.markProcessed(events[1].resumeToken);
    expect(tokens.saved.get('fault-quarantine')).toEqual({
      resumeToken: events[1].resumeToken,
      lastDocumentId: idOf(2).toHexString(),
    });
    expect(await s.backlog()).toBe(42);
    expect(counted).toEqual([idOf(2).toHexString()]);
  });

  it('a restarted stream resumes after the processed token, redelivering what was not processed', async () => {
    const tokens = new MemoryTokens();
    const first = stream(new ScriptedSource([{ changes: [insert(1), insert(2)] }]), tokens);
    const delivered = await take(first, 2);
    await first.markProcessed(delivered[0].resumeToken);
    const source = new ScriptedSource([{ changes: [insert(2)] }]);
    await take(stream(source, tokens), 1);
    expect(source.opens).toEqual([tok(1)]);
  });

  it('markProcessed rejects strings that are not tokens of this provider', async () => {
    const s = stream(new ScriptedSource([]), new MemoryTokens());
    const err = await s.markProcessed('42').catch((e: unknown) => e);
    expect(isDatastoreError(err, 'resume_token')).toBe(true);
  });
});
