import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

/**
 * client-node 1.4 builds a brand-new http(s).Agent for every request (KubeConfig.createAgent),
 * so nothing is reused: each call pays a TCP connect — and against a real API server a full TLS
 * handshake. The pool swaps that throw-away agent for a shared keep-alive agent with the same TLS
 * material. The key covers the CA, client certificate and key, so a rotated certificate gets a new
 * agent. Proxy agents (hpagent, socks) are left alone.
 */
export class AgentPool {
  readonly #agents = new Map<string, http.Agent>();

  /** The pooled equivalent of `agent` (or `agent` itself when it is not a plain http/https Agent). */
  resolve<A>(agent: A): A {
    if (!(agent instanceof http.Agent)) return agent;
    const ctor = agent.constructor;
    if (ctor !== http.Agent && ctor !== https.Agent) return agent;
    const options = ((agent as unknown as { options?: Record<string, unknown> }).options ?? {}) as Record<
      string,
      unknown
    >;
    const key = fingerprint(ctor === https.Agent ? 'https' : 'http', options);
    let pooled = this.#agents.get(key);
    if (!pooled) {
      const { timeout: _t, ...rest } = options; // per-request timeouts must not become socket timeouts
      pooled =
        ctor === https.Agent
          ? new https.Agent({ ...rest, keepAlive: true })
          : new http.Agent({ ...rest, keepAlive: true });
      this.#agents.set(key, pooled);
    }
    return pooled as unknown as A;
  }

  /** Close idle and open connections; later requests create fresh agents. */
  destroy(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }
}

const TLS_FIELDS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

function fingerprint(kind: string, options: Record<string, unknown>): string {
  const hash = createHash('sha256').update(kind);
  for (const field of TLS_FIELDS) {
    const value = options[field];
    hash.update(`|${field}=`);
    if (value === undefined || value === null) continue;
    if (Buffer.isBuffer(value) || typeof value === 'string') hash.update(value);
    else hash.update(JSON.stringify(value));
  }
  return hash.digest('hex');
}
