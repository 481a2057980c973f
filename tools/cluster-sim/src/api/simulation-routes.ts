import type { FastifyInstance } from 'fastify';
import type { NodeSimulator } from '../behaviour/node-simulator.js';
import { successStatus } from '../errors.js';
import { queryInteger, type Query } from './query.js';

/**
 * Simulation controls for other processes (the local stack, a janitor CSP provider stub):
 * `POST /cluster-sim/v1/nodes/{name}/reboot?downSeconds=N` and `.../ready?value=true|false`.
 * They live outside /api and /apis, so no Kubernetes client can hit them by accident.
 */
export function registerSimulationRoutes(app: FastifyInstance, nodes: NodeSimulator): void {
  app.post<{ Params: { name: string } }>('/cluster-sim/v1/nodes/:name/reboot', async (request, reply) => {
    const downSeconds = queryInteger(request.query as Query, 'downSeconds');
    void nodes.reboot(request.params.name, downSeconds === undefined ? {} : { downSeconds }).catch(() => undefined);
    return reply.code(202).send(successStatus(202, { name: request.params.name, kind: 'nodes' }));
  });
  app.post<{ Params: { name: string }; Querystring: { value?: string } }>(
    '/cluster-sim/v1/nodes/:name/ready',
    async (request) => {
      return nodes.setReady(request.params.name, request.query.value !== 'false');
    },
  );
}
