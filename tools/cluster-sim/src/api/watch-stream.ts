import type { ServerResponse } from 'node:http';
import { StatusError, badRequest } from '../errors.js';
import type { KubeObject } from '../resources/kube-object.js';
import type { ResourceService } from '../resources/resource-service.js';
import { apiVersionOf, storageKey, type ResourceType } from '../resources/resource-type.js';
import type { StoreEvent } from '../store/object-store.js';

export interface WatchParameters {
  type: ResourceType;
  version: string;
  namespace?: string;
  matches: (object: KubeObject) => boolean;
  resourceVersion?: string;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutSeconds?: number;
  bookmarkIntervalMs: number;
  /** Reshapes each presented object before it is sent (Table output for kubectl get -w). */
  render?: (object: KubeObject) => unknown;
}

const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

type WireEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** An open watch; the server ends them all on close so shutdown never hangs on a stream. */
export interface OpenWatch {
  end(): void;
}

/** Validates the start point before the response is committed, so bad input is still a plain 400. */
export function parseWatchStart(resourceVersion: string | undefined): number | undefined {
  if (resourceVersion === undefined || resourceVersion === '' || resourceVersion === '0') return undefined;
  if (!/^\d+$/.test(resourceVersion))
    throw badRequest(
      `invalid resourceVersion "${resourceVersion}": must be a decimal number from a previous list or watch`,
    );
  return Number(resourceVersion);
}

/**
 * Streams newline-delimited `{type, object}` JSON, the watch wire format @kubernetes/client-node's
 * Watch parses. Without a resourceVersion (or "0") the current objects come first as ADDED; with
 * one, the stored history after it is replayed; a compacted one yields an ERROR event carrying a
 * 410 Expired Status and the stream ends (informers then re-list).
 */
export function startWatch(
  raw: ServerResponse,
  service: ResourceService,
  params: WatchParameters,
  onEnd: () => void,
): OpenWatch {
  const store = service.store;
  const storage = storageKey(params.type);
  const apiVersion = apiVersionOf(params.type.group, params.version);
  const inScope = (object: Readonly<KubeObject> | undefined): boolean =>
    object !== undefined &&
    (params.namespace === undefined || object.metadata.namespace === params.namespace) &&
    params.matches(object as KubeObject);

  raw.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  // Clients (node-fetch in client-node) resolve the request on headers; send them before any event.
  raw.flushHeaders();
  let ended = false;
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe: () => void = () => {};

  const end = (): void => {
    if (ended) return;
    ended = true;
    unsubscribe();
    for (const timer of timers) clearTimeout(timer);
    raw.end();
    onEnd();
  };
  const send = (type: WireEventType, object: unknown): void => {
    if (ended) return;
    raw.write(`${JSON.stringify({ type, object })}\n`);
    // A watcher that stops reading would buffer without bound; like the API server, drop it and
    // let the client re-watch from its last resourceVersion.
    if (raw.writableLength > MAX_BUFFERED_BYTES) end();
  };
  const render = params.render ?? ((object: KubeObject) => object);
  const sendObject = (type: WireEventType, object: Readonly<KubeObject>): void =>
    send(type, render(service.present(object as KubeObject, params.type, params.version)));
  const sendBookmark = (annotations?: Record<string, string>): void =>
    send('BOOKMARK', {
      kind: params.type.kind,
      apiVersion,
      metadata: { resourceVersion: String(store.revision), ...(annotations ? { annotations } : {}) },
    });

  const deliver = (event: StoreEvent): void => {
    if (event.storage !== storage) return;
    const now = event.type !== 'DELETED' && inScope(event.object);
    const before = inScope(event.previous);
    if (event.type === 'ADDED' && now) sendObject('ADDED', event.object);
    else if (event.type === 'MODIFIED' && now) sendObject(before ? 'MODIFIED' : 'ADDED', event.object);
    else if (event.type === 'MODIFIED' && before) sendObject('DELETED', event.object);
    else if (event.type === 'DELETED' && before) sendObject('DELETED', event.object);
  };

  raw.on('close', end);
  const start = parseWatchStart(params.resourceVersion);
  try {
    if (start === undefined) {
      for (const object of service.list(params.type, { namespace: params.namespace }).items) {
        if (inScope(object)) sendObject('ADDED', object);
      }
      if (params.sendInitialEvents && params.allowBookmarks) sendBookmark({ 'k8s.io/initial-events-end': 'true' });
    } else {
      for (const event of store.changesSince(start)) deliver(event);
    }
  } catch (error) {
    if (error instanceof StatusError) {
      send('ERROR', error.toStatus());
      end();
      return { end };
    }
    throw error;
  }
  // Replay and subscription happen in the same synchronous turn, so no change can slip between them.
  const unsubscribeChanges = store.subscribe(deliver);
  const unsubscribeDrops = store.subscribeDrops((dropped) => {
    if (dropped === storage) end();
  });
  unsubscribe = () => {
    unsubscribeChanges();
    unsubscribeDrops();
  };
  if (params.allowBookmarks) {
    const tick = (): void => {
      sendBookmark();
      timers[0] = setTimeout(tick, params.bookmarkIntervalMs);
    };
    timers[0] = setTimeout(tick, params.bookmarkIntervalMs);
  }
  if (params.timeoutSeconds !== undefined && params.timeoutSeconds > 0) {
    timers.push(setTimeout(end, params.timeoutSeconds * 1000));
  }
  return { end };
}
