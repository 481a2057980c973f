/**
 * Process output that never blocks the event loop, nor the exit.
 *
 * Node writes to pipes synchronously on Linux, and pino's default destination is a synchronous
 * SonicBoom that, on a full pipe, retries in an `Atomics.wait` loop — and flushes synchronously
 * again on exit. A service whose stdout reader stalls (a wedged log shipper, a closed terminal)
 * would then stop answering probes and never finish its shutdown. Here a pipe or socket is
 * written through a non-blocking libuv stream and a file or terminal through an asynchronous
 * SonicBoom, with no exit hook:
 * - a full pipe only grows an in-memory buffer, capped at {@link MAX_BUFFERED_BYTES}; past it,
 *   lines are dropped and counted instead of blocking;
 * - a pipe whose reader has gone (EPIPE) makes the stream discard further output;
 * - shutdown waits for the buffer to drain for a bounded time ({@link flushOutput}), never longer.
 */
import { fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import sonicBoomModule, { type SonicBoom as SonicBoomType } from 'sonic-boom';

// CommonJS module: at run time the default import is the constructor itself.
const SonicBoom = sonicBoomModule as unknown as typeof SonicBoomType;

/** Lines beyond this much unwritten output are dropped rather than held (or blocked on). */
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export interface ProcessOutput {
  write(text: string): boolean;
  /** Resolves when everything written so far reached the fd, or after `timeoutMs`: true if drained. */
  flush(timeoutMs: number): Promise<boolean>;
  /** Lines dropped because the buffer was full or the reader had gone. */
  readonly dropped: number;
}

const outputs = new Map<number, ProcessOutput>();

/** The shared non-blocking writer for fd 1 (stdout) or 2 (stderr). */
export function processOutput(fd: 1 | 2): ProcessOutput {
  let output = outputs.get(fd);
  if (!output) {
    output = createOutput(fd);
    outputs.set(fd, output);
  }
  return output;
}

/** Waits, at most `timeoutMs` in all, for stdout and stderr to drain; used on the way out. */
export async function flushOutput(timeoutMs: number): Promise<void> {
  await Promise.all([...outputs.values()].map((o) => o.flush(timeoutMs)));
}

function createOutput(fd: number): ProcessOutput {
  return isPipeOrSocket(fd) ? socketOutput(fd) : sonicBoomOutput(fd);
}

function isPipeOrSocket(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}

/**
 * Pipes and sockets (a container's stdout, a parent process): a libuv stream on the fd, which
 * puts it in non-blocking mode, so writes queue in the event loop. Not a thread-pool write: a
 * write(2) stuck on a full pipe would block that thread, and with it the process exit.
 */
function socketOutput(fd: number): ProcessOutput {
  let dropped = 0;
  let broken = false;
  const socket = new Socket({ fd, readable: false, writable: true });
  socket.on('error', () => {
    // EPIPE: nobody reads any more. Keep running; the rest of the output is discarded.
    broken = true;
  });
  // Never keeps the process alive by itself.
  socket.unref();
  return {
    write(text) {
      if (broken || socket.writableLength > MAX_BUFFERED_BYTES) {
        dropped += 1;
        return false;
      }
      return socket.write(text);
    },
    flush(timeoutMs) {
      return waitUntil(() => broken || socket.writableLength === 0, timeoutMs).then((drained) => drained && !broken);
    },
    get dropped() {
      return dropped;
    },
  };
}

/** Files and terminals: SonicBoom's asynchronous writes (a file write always completes). */
function sonicBoomOutput(fd: number): ProcessOutput {
  let dropped = 0;
  let broken = false;
  const stream = new SonicBoom({ fd, sync: false, maxLength: MAX_BUFFERED_BYTES, minLength: 0 });
  stream.on('error', () => {
    broken = true;
  });
  stream.on('drop', () => {
    dropped += 1;
  });
  return {
    write(text) {
      if (broken) {
        dropped += 1;
        return false;
      }
      try {
        return stream.write(text);
      } catch {
        broken = true;
        dropped += 1;
        return false;
      }
    },
    flush(timeoutMs) {
      // SonicBoom's own flush() answers at once when minLength is 0; watch the buffer instead.
      const state = stream as unknown as { _writing: boolean; _len: number };
      return waitUntil(() => broken || (!state._writing && state._len === 0), timeoutMs).then(
        (drained) => drained && !broken,
      );
    },
    get dropped() {
      return dropped;
    },
  };
}

/** Polls `done` every 5 ms for at most `timeoutMs`; true if it became true. */
function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  return new Promise<boolean>((resolve) => {
    const check = () => {
      if (done()) return resolve(true);
      if (Date.now() >= deadline) return resolve(false);
      // Not unref'd: on the way out this may be the last thing keeping the process alive.
      setTimeout(check, 5);
    };
    check();
  });
}
