/** The privileged Job that reboots (or powers off) one node from the inside, as upstream's generic provider. */
import type { V1Job } from '@kubernetes/client-node';

export const REBOOT_JOB_LABEL = 'nvsentinel.nvidia.com/reboot-job';
export const REBOOT_NODE_LABEL = 'nvsentinel.nvidia.com/reboot-node';
/** Ours: the boot the Job was made for, so a repeated signal reuses it instead of rebooting twice. */
export const REBOOT_BOOT_LABEL = 'nvsentinel.nvidia.com/reboot-boot-id';
export const REBOOT_ACTION_LABEL = 'nvsentinel.nvidia.com/reboot-action';

export type HostAction = 'reboot' | 'poweroff';

export interface RebootJobSpec {
  node: string;
  bootId: string;
  action: HostAction;
  namespace: string;
  image: string;
  imagePullSecrets: readonly string[];
  /** Write to /proc/sysrq-trigger (b = reboot, o = power off) instead of `chroot /host <action>`. */
  useSysrq: boolean;
  ttlSecondsAfterFinished: number;
}

/** Label values are ≤ 63 characters; long node names are cut (the node is also pinned by name). */
function labelValue(value: string): string {
  return value.length <= 63 ? value : value.slice(0, 63).replace(/[^A-Za-z0-9]+$/, '');
}

export function rebootJobManifest(spec: RebootJobSpec): V1Job {
  const sysrqKey = spec.action === 'reboot' ? 'b' : 'o';
  const command = spec.useSysrq
    ? ['sh', '-c', `echo ${sysrqKey} > /host-proc/sysrq-trigger`]
    : ['chroot', '/host', spec.action];
  const mount = spec.useSysrq
    ? { name: 'host-proc', hostPath: '/proc', mountPath: '/host-proc' }
    : { name: 'host-root', hostPath: '/', mountPath: '/host' };
  const labels = {
    [REBOOT_JOB_LABEL]: 'true',
    [REBOOT_NODE_LABEL]: labelValue(spec.node),
    [REBOOT_ACTION_LABEL]: spec.action,
    ...(spec.bootId ? { [REBOOT_BOOT_LABEL]: labelValue(spec.bootId) } : {}),
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { generateName: `${spec.action}-${spec.node}-`.slice(0, 58), namespace: spec.namespace, labels },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: spec.ttlSecondsAfterFinished,
      template: {
        metadata: { labels },
        spec: {
          nodeName: spec.node,
          restartPolicy: 'Never',
          hostPID: true,
          tolerations: [{ operator: 'Exists' }],
          ...(spec.imagePullSecrets.length > 0
            ? { imagePullSecrets: spec.imagePullSecrets.map((name) => ({ name })) }
            : {}),
          containers: [
            {
              name: spec.action,
              image: spec.image,
              command,
              securityContext: { privileged: true },
              volumeMounts: [{ name: mount.name, mountPath: mount.mountPath }],
            },
          ],
          volumes: [{ name: mount.name, hostPath: { path: mount.hostPath } }],
        },
      },
    },
  };
}
