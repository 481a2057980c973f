import { eventually } from '@nvsentinel/service-kit/testing';

/** `eventually` with fault-quarantine's argument order (what first), used throughout its specs. */
export function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  limitMs = 60_000,
): Promise<T> {
  return eventually(probe, what, { timeoutMs: limitMs });
}
