/**
 * A provider's reference to one reboot request, handed back by the controller on every readiness
 * check (upstream keeps it in the SignalSent condition message). It is a small query string —
 * `csp=aws&bootID=…&at=…` — so a human reading the CR sees what it refers to, and a reference from
 * another provider (or garbage) is refused with a clear error instead of being misread.
 */
import { RequestRefInvalidError } from './errors.js';

export type RequestRefFields = Record<string, string>;

export function encodeRequestRef(csp: string, fields: RequestRefFields): string {
  return new URLSearchParams({ csp, ...fields }).toString();
}

/** Decodes a reference issued by `csp`, requiring `required` keys (values may be empty). */
export function decodeRequestRef(
  csp: string,
  ref: string,
  node: string,
  required: readonly string[],
): RequestRefFields {
  const params = new URLSearchParams(ref);
  if (params.get('csp') !== csp) {
    throw new RequestRefInvalidError(ref, node, csp, `expected a reference starting with csp=${csp}`);
  }
  const missing = required.filter((key) => !params.has(key));
  if (missing.length > 0) throw new RequestRefInvalidError(ref, node, csp, `missing ${missing.join(', ')}`);
  return Object.fromEntries(params.entries());
}
