/**
 * Cloud instance → Kubernetes node, answered from the NodeCache (one list + watch) instead of a
 * list call per event. GCP: the `container.googleapis.com/instance_id` annotation, narrowed by the
 * zone label; AWS: the providerID `aws:///<zone>/<instance-id>`.
 */
import type { V1Node } from '@kubernetes/client-node';

export const GCP_INSTANCE_ID_ANNOTATION = 'container.googleapis.com/instance_id';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export interface NodeMapper {
  /** Node name for a GCE numeric instance id ('' when none matches). */
  gcpInstance(instanceId: string, zone?: string): string;
  /** Node name for an EC2 instance id ('' when none matches). */
  awsInstance(instanceId: string): string;
}

export interface NodeSource {
  list(): V1Node[];
}

/** Indexes rebuilt at most once per `refresh()` (the monitor refreshes per poll). */
export class CachedNodeMapper implements NodeMapper {
  #gcp = new Map<string, Array<{ name: string; zone: string | undefined }>>();
  #aws = new Map<string, string>();

  constructor(private readonly source: NodeSource) {}

  refresh(): void {
    const gcp = new Map<string, Array<{ name: string; zone: string | undefined }>>();
    const aws = new Map<string, string>();
    for (const node of this.source.list()) {
      const name = node.metadata?.name;
      if (!name) continue;
      const instanceId = node.metadata?.annotations?.[GCP_INSTANCE_ID_ANNOTATION];
      if (instanceId) {
        const list = gcp.get(instanceId) ?? [];
        list.push({ name, zone: node.metadata?.labels?.[ZONE_LABEL] });
        gcp.set(instanceId, list);
      }
      const awsId = awsInstanceFromProviderId(node.spec?.providerID);
      if (awsId) aws.set(awsId, name);
    }
    this.#gcp = gcp;
    this.#aws = aws;
  }

  gcpInstance(instanceId: string, zone?: string): string {
    const candidates = this.#gcp.get(instanceId) ?? [];
    const match = zone ? candidates.find((c) => c.zone === zone) : candidates[0];
    return match?.name ?? '';
  }

  awsInstance(instanceId: string): string {
    return this.#aws.get(instanceId) ?? '';
  }
}

/** `aws:///us-east-1a/i-0123` → `i-0123`; undefined for anything else. */
function awsInstanceFromProviderId(providerId: string | undefined): string | undefined {
  if (!providerId?.startsWith('aws://')) return undefined;
  const last = providerId.split('/').at(-1);
  return last && last.startsWith('i-') ? last : undefined;
}
