/**
 * Service lifecycle: start, then on SIGTERM/SIGINT a graceful shutdown in the order Kubernetes
 * needs — not ready first (so traffic and new work stop), then the registered closers in reverse
 * order of registration (last started, first stopped: consumers before the stores they write to),
 * then the HTTP server, then exit 0.
 *
 * The signal semantics follow close-with-grace (delay 10 s, second signal exits at once, uncaught
 * errors exit non-zero). It is re-implemented here (~40 lines) because close-with-grace calls the
 * global `process.exit` itself, which would make the shutdown path impossible to test in-process;
 * here the process (signals + exit) is injectable.
 */
import { ShutdownStepTimeoutError } from '../errors/catalogue.js';
import type { Logger } from '../logging/create-logger.js';
import type { ServiceServer } from '../server/create-service-server.js';
import { flushOutput, processOutput } from '../logging/output.js';
import { runWithTimeout } from './run-with-timeout.js';

/** How long the exit waits for buffered log lines to reach stdout/stderr. */
const OUTPUT_FLUSH_MS = 500;

/** The part of `process` the lifecycle touches; tests pass an EventEmitter with a fake `exit`. */
export interface ProcessLike {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
  exit(code: number): void;
}

export type Closer = () => unknown;

export interface CloserOptions {
  /** Shown in logs; defaults to the function name. */
  name?: string;
  /** Budget for this step; default the service's `stepTimeoutMs`. */
  timeoutMs?: number;
}

export interface CreateServiceOptions {
  name: string;
  logger: Logger;
  /** Listened on by `start()`, marked not ready first and closed last on shutdown. */
  server?: ServiceServer;
  /** Whole-shutdown budget before a forced `exit(1)`; default 10 s. Keep terminationGracePeriodSeconds above it. */
  shutdownDelayMs?: number;
  /** Default per-closer budget; default 5 s. */
  stepTimeoutMs?: number;
  /** Default `['SIGTERM', 'SIGINT']`. */
  signals?: readonly string[];
  /** Default the real `process`. */
  process?: ProcessLike;
}

export type ServiceState = 'created' | 'running' | 'stopping' | 'stopped';

export interface Service {
  readonly name: string;
  readonly state: ServiceState;
  /** Registers a step run on shutdown, in reverse order of registration. */
  onShutdown(closer: Closer, options?: CloserOptions): void;
  /**
   * Installs the signal and crash handlers, listens (when a server was given) and, unless
   * `ready: false`, marks the service started so `/readyz` reflects the checks.
   */
  start(options?: { ready?: boolean }): Promise<void>;
  /**
   * Shuts down gracefully and exits: code 0 for a normal stop, 1 when `reason` is an Error
   * (e.g. the change stream died). Runs once; later calls return the same promise.
   */
  shutdown(reason?: string | Error, exitCode?: number): Promise<number>;
}

export const DEFAULT_SHUTDOWN_DELAY_MS = 10_000;
export const DEFAULT_STEP_TIMEOUT_MS = 5_000;

export function createService(options: CreateServiceOptions): Service {
  const { name, server } = options;
  const logger = options.logger.child({ module: 'lifecycle' });
  const proc = options.process ?? process;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const shutdownDelayMs = options.shutdownDelayMs ?? DEFAULT_SHUTDOWN_DELAY_MS;
  const stepTimeoutMs = options.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
  const closers: { closer: Closer; name: string; timeoutMs: number }[] = [];
  let state: ServiceState = 'created';
  let shutdownPromise: Promise<number> | undefined;
  let handlersInstalled = false;

  const onSignal = (signal: string) => {
    if (shutdownPromise) {
      logger.warn({ signal }, 'second signal during shutdown, exiting now');
      uninstall();
      proc.exit(1);
      return;
    }
    logger.info({ signal }, 'shutdown requested');
    void shutdown(signal);
  };
  const onCrash = (err: unknown) => {
    logger.fatal({ err }, 'uncaught error, shutting down');
    if (shutdownPromise) {
      uninstall();
      proc.exit(1);
      return;
    }
    void shutdown(err instanceof Error ? err : new Error(String(err)));
  };
  const signalListeners = signals.map((signal) => [signal, () => onSignal(signal)] as const);

  function install(): void {
    if (handlersInstalled) return;
    handlersInstalled = true;
    for (const [signal, listener] of signalListeners) proc.on(signal, listener);
    proc.on('uncaughtException', onCrash);
    proc.on('unhandledRejection', onCrash);
  }

  function uninstall(): void {
    if (!handlersInstalled) return;
    handlersInstalled = false;
    for (const [signal, listener] of signalListeners) proc.removeListener(signal, listener);
    proc.removeListener('uncaughtException', onCrash);
    proc.removeListener('unhandledRejection', onCrash);
  }

  async function runSteps(): Promise<void> {
    server?.markStopping();
    for (const step of [...closers].reverse()) {
      try {
        await runWithTimeout(
          step.closer,
          step.timeoutMs,
          () => new ShutdownStepTimeoutError(step.name, step.timeoutMs),
        );
        logger.debug({ step: step.name }, 'shutdown step done');
      } catch (err) {
        // One stuck or failing closer must not keep the others (e.g. flushing the checkpoint) from running.
        logger.error({ err, step: step.name }, 'shutdown step failed; continuing');
      }
    }
    if (server) {
      await runWithTimeout(
        () => server.close(),
        stepTimeoutMs,
        () => new ShutdownStepTimeoutError('http server', stepTimeoutMs),
      ).catch((err: unknown) => logger.error({ err }, 'closing the HTTP server failed; continuing'));
    }
  }

  function shutdown(reason: string | Error = 'requested', exitCode?: number): Promise<number> {
    shutdownPromise ??= (async () => {
      state = 'stopping';
      const failed = reason instanceof Error;
      const started = Date.now();
      let forced = false;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          forced = true;
          resolve();
        }, shutdownDelayMs);
        timer.unref();
      });
      await Promise.race([runSteps(), deadline]);
      clearTimeout(timer);
      const code = forced ? 1 : (exitCode ?? (failed ? 1 : 0));
      if (forced) {
        logger.error({ delayMs: shutdownDelayMs }, 'graceful shutdown took too long, forcing exit');
        // Straight to stderr as well: stdout may be the very pipe that stalled the shutdown.
        processOutput(2).write(
          `${name}: graceful shutdown took longer than ${shutdownDelayMs} ms; exiting with code 1\n`,
        );
      } else {
        logger.info({ durationMs: Date.now() - started, code }, 'shutdown complete');
      }
      state = 'stopped';
      uninstall();
      // Bounded: a stalled reader must not hold the exit (the last lines are then lost).
      await flushOutput(OUTPUT_FLUSH_MS);
      proc.exit(code);
      return code;
    })();
    return shutdownPromise;
  }

  return {
    name,
    get state() {
      return state;
    },
    onShutdown(closer, closerOptions = {}) {
      closers.push({
        closer,
        name: closerOptions.name ?? (closer.name || `step ${closers.length + 1}`),
        timeoutMs: closerOptions.timeoutMs ?? stepTimeoutMs,
      });
    },
    async start(startOptions = {}) {
      install();
      if (server) {
        const address = await server.listen();
        logger.info({ address }, 'serving /healthz, /readyz and /metrics');
      }
      if (startOptions.ready ?? true) server?.markStarted();
      state = 'running';
      logger.info('started');
    },
    shutdown,
  };
}
