import { KubeConfig, type RequestContext } from '@kubernetes/client-node';
import type { AgentPool } from './agent-pool.js';

/**
 * A KubeConfig that stamps our User-Agent on every request. Both request paths consult the
 * KubeConfig — typed API calls through `applySecurityAuthentication`, watch streams through
 * `applyToFetchOptions` — so overriding the two covers everything the library sends. Watches
 * also get their connection from the shared AgentPool here.
 */
export class NvsKubeConfig extends KubeConfig {
  readonly userAgent: string;
  readonly agents: AgentPool;

  constructor(userAgent: string, agents: AgentPool) {
    super();
    this.userAgent = userAgent;
    this.agents = agents;
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    context.setHeaderParam('User-Agent', this.userAgent);
  }

  override async applyToFetchOptions(
    opts: Parameters<KubeConfig['applyToFetchOptions']>[0],
  ): ReturnType<KubeConfig['applyToFetchOptions']> {
    const init = await super.applyToFetchOptions(opts);
    // Watches get their agent here; share the pooled keep-alive one (see AgentPool).
    if (init.agent) init.agent = this.agents.resolve(init.agent);
    (init.headers as unknown as { set(k: string, v: string): void }).set('User-Agent', this.userAgent);
    return init;
  }
}
