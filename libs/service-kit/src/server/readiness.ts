/**
 * Readiness state of a service: not ready while starting, gated by the registered checks while
 * running, and not ready again from the moment shutdown begins (so Kubernetes stops routing to
 * it before it stops working).
 */
import { DuplicateReadinessCheckError, ReadinessCheckTimeoutError } from '../errors/catalogue.js';

export interface ReadinessResult {
  ok: boolean;
  /** Anything JSON-serializable that helps an operator, e.g. `{ lagSeconds: 12 }`. */
  detail?: unknown;
}

/** Returns `{ ok: false }` or throws to report not ready. */
export type ReadinessCheck = () => ReadinessResult | Promise<ReadinessResult>;

export interface ReadinessCheckOptions {
  /** Budget for one run of the check; default 2000 ms. */
  timeoutMs?: number;
}

export type ReadinessPhase = 'starting' | 'running' | 'stopping';

export interface CheckReport extends ReadinessResult {
  error?: string;
  durationMs: number;
}

export interface ReadinessReport {
  ready: boolean;
  phase: ReadinessPhase;
  checks: Record<string, CheckReport>;
}

export const DEFAULT_READINESS_TIMEOUT_MS = 2000;

export class Readiness {
  #phase: ReadinessPhase = 'starting';
  readonly #checks = new Map<string, { check: ReadinessCheck; timeoutMs: number }>();

  get phase(): ReadinessPhase {
    return this.#phase;
  }

  add(name: string, check: ReadinessCheck, options: ReadinessCheckOptions = {}): void {
    if (this.#checks.has(name)) throw new DuplicateReadinessCheckError(name);
    this.#checks.set(name, { check, timeoutMs: options.timeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS });
  }

  /** Adds or replaces a check (a dependency that changes shape, e.g. connecting → connected). */
  set(name: string, check: ReadinessCheck, options: ReadinessCheckOptions = {}): void {
    this.#checks.set(name, { check, timeoutMs: options.timeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS });
  }

  /** Dependencies are up; from now on the checks decide. Ignored once stopping. */
  markStarted(): void {
    if (this.#phase === 'starting') this.#phase = 'running';
  }

  /** Shutdown began: not ready from now on, whatever the checks say. */
  markStopping(): void {
    this.#phase = 'stopping';
  }

  /** Runs all checks in parallel (only while running; other phases are not ready without asking). */
  async evaluate(): Promise<ReadinessReport> {
    const phase = this.#phase;
    // While starting the checks still run, so an operator sees what the start waits for.
    if (phase === 'stopping') return { ready: false, phase, checks: {} };
    const entries = await Promise.all(
      [...this.#checks].map(
        async ([name, { check, timeoutMs }]) => [name, await runCheck(name, check, timeoutMs)] as const,
      ),
    );
    const checks = Object.fromEntries(entries);
    // Shutdown may have started while the checks ran.
    const finalPhase = this.#phase;
    return { ready: finalPhase === 'running' && entries.every(([, r]) => r.ok), phase: finalPhase, checks };
  }
}

async function runCheck(name: string, check: ReadinessCheck, timeoutMs: number): Promise<CheckReport> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ReadinessCheckTimeoutError(name, timeoutMs)), timeoutMs);
    timer.unref();
  });
  try {
    const result = await Promise.race([Promise.resolve().then(check), timeout]);
    const report: CheckReport = { ok: result.ok === true, durationMs: elapsed(started) };
    if (result.detail !== undefined) report.detail = result.detail;
    return report;
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err), durationMs: elapsed(started) };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
