/**
 * The ValidatingWebhookConfiguration the Helm chart installs for janitor, pointed at a test URL:
 * create/update/delete of rebootnodes, terminatenodes and gpuresets, and of
 * externalremediationrequests, failurePolicy Fail.
 */
import type { KubeObject } from '@nvsentinel/cluster-sim';

const RESOURCES = [
  {
    name: 'vrebootnode-v1alpha1.kb.io',
    group: 'janitor.dgxc.nvidia.com',
    version: 'v1alpha1',
    plural: 'rebootnodes',
    path: '/validate-janitor-dgxc-nvidia-com-v1alpha1-rebootnode',
  },
  {
    name: 'vterminatenode-v1alpha1.kb.io',
    group: 'janitor.dgxc.nvidia.com',
    version: 'v1alpha1',
    plural: 'terminatenodes',
    path: '/validate-janitor-dgxc-nvidia-com-v1alpha1-terminatenode',
  },
  {
    name: 'vgpureset-v1alpha1.kb.io',
    group: 'janitor.dgxc.nvidia.com',
    version: 'v1alpha1',
    plural: 'gpuresets',
    path: '/validate-janitor-dgxc-nvidia-com-v1alpha1-gpureset',
  },
  {
    name: 'vexternalremediationrequest-v1.kb.io',
    group: 'nvsentinel.dgxc.nvidia.com',
    version: 'v1',
    plural: 'externalremediationrequests',
    path: '/validate-nvsentinel-dgxc-nvidia-com-v1-externalremediationrequest',
  },
];

export function janitorWebhookConfiguration(baseUrl: string, caPem: string | Buffer): KubeObject {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'janitor-validating-webhook-configuration' },
    webhooks: RESOURCES.map((resource) => ({
      name: resource.name,
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: 'Fail',
      timeoutSeconds: 10,
      clientConfig: { url: `${baseUrl}${resource.path}`, caBundle: Buffer.from(caPem).toString('base64') },
      rules: [
        {
          operations: ['CREATE', 'UPDATE', 'DELETE'],
          apiGroups: [resource.group],
          apiVersions: [resource.version],
          resources: [resource.plural],
          scope: 'Cluster',
        },
      ],
    })),
  };
}
