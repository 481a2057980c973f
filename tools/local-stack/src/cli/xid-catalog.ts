/**
 * The XIDs the CLI knows how to describe, with whether they are fatal and the action a monitor
 * recommends. The descriptions are NVIDIA's published XID meanings; the fatal/action columns are
 * this tool's reading of NVIDIA's resolution guidance (application errors are not node faults;
 * ECC, GSP and micro-controller failures need a GPU reset; a GPU off the bus needs a reboot).
 */
import { RecommendedAction } from '@nvsentinel/health-model';

export interface XidInfo {
  description: string;
  fatal: boolean;
  action: RecommendedAction;
}

const XIDS: ReadonlyMap<number, XidInfo> = new Map([
  [13, { description: 'Graphics Engine Exception', fatal: false, action: RecommendedAction.NONE }],
  [31, { description: 'GPU memory page fault', fatal: false, action: RecommendedAction.NONE }],
  [43, { description: 'GPU stopped processing', fatal: false, action: RecommendedAction.NONE }],
  [45, { description: 'Preemptive cleanup, due to previous errors', fatal: false, action: RecommendedAction.NONE }],
  [48, { description: 'Double Bit ECC Error', fatal: true, action: RecommendedAction.COMPONENT_RESET }],
  [
    61,
    {
      description: 'Internal micro-controller breakpoint/warning',
      fatal: true,
      action: RecommendedAction.COMPONENT_RESET,
    },
  ],
  [62, { description: 'Internal micro-controller halt', fatal: true, action: RecommendedAction.COMPONENT_RESET }],
  [
    63,
    {
      description: 'ECC page retirement or row remapping recording event',
      fatal: false,
      action: RecommendedAction.NONE,
    },
  ],
  [
    64,
    {
      description: 'ECC page retirement or row remapper recording failure',
      fatal: true,
      action: RecommendedAction.COMPONENT_RESET,
    },
  ],
  [74, { description: 'NVLink Error', fatal: true, action: RecommendedAction.COMPONENT_RESET }],
  [79, { description: 'GPU has fallen off the bus', fatal: true, action: RecommendedAction.RESTART_BM }],
  [92, { description: 'High single-bit ECC error rate', fatal: false, action: RecommendedAction.NONE }],
  [94, { description: 'Contained ECC error', fatal: true, action: RecommendedAction.COMPONENT_RESET }],
  [95, { description: 'Uncontained ECC error', fatal: true, action: RecommendedAction.COMPONENT_RESET }],
  [119, { description: 'GSP RPC timeout', fatal: true, action: RecommendedAction.COMPONENT_RESET }],
  [120, { description: 'GSP error', fatal: true, action: RecommendedAction.COMPONENT_RESET }],
]);

/** An XID not in the table is treated as fatal with CONTACT_SUPPORT: unknown is not healthy. */
const UNKNOWN: Omit<XidInfo, 'description'> = { fatal: true, action: RecommendedAction.CONTACT_SUPPORT };

export function xidInfo(xid: number): XidInfo {
  return XIDS.get(xid) ?? { description: `XID ${xid}`, ...UNKNOWN };
}

export function knownXids(): number[] {
  return [...XIDS.keys()];
}
