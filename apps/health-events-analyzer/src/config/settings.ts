/** Flags and environment variables of the health-events-analyzer process (upstream's flag names where they exist). */
import { defineConfigSchema, setting } from '@nvsentinel/service-kit';

/** Where the Helm chart mounts the rules ConfigMap. */
export const CHART_CONFIG_PATH = '/etc/config/config.toml';

export const settingsSchema = defineConfigSchema({
  socket: setting.string({
    env: 'SOCKET',
    flag: 'socket',
    default: 'unix:///var/run/nvsentinel.sock',
    doc: 'Platform connector gRPC socket the matches are published to',
  }),
  configPath: setting.string({
    env: 'CONFIG_PATH',
    flag: 'config-path',
    doc: `Rules TOML (upstream format); default ${CHART_CONFIG_PATH} when mounted, else the shipped config/rules.toml (the 22 chart rules)`,
  }),
  processingStrategy: setting.string({
    env: 'PROCESSING_STRATEGY',
    flag: 'processing-strategy',
    default: 'EXECUTE_REMEDIATION',
    doc: 'Processing strategy of published events (a rule may override it)',
  }),
  ruleSwitches: setting.string({
    env: 'RULE_SWITCHES',
    flag: 'rule-switches',
    doc: 'Chart-style switches over evaluate_rule, e.g. enableXID74Reg2Bit13SetRule=false,enableMultipleRemediationsRule=true',
  }),
  workers: setting.int({
    env: 'WORKERS',
    flag: 'workers',
    min: 1,
    max: 256,
    default: 8,
    doc: 'Nodes analysed in parallel (events of one node stay in order; upstream default 1)',
  }),
  startFresh: setting.bool({
    env: 'START_FRESH',
    flag: 'start-fresh',
    default: false,
    doc: 'Discard the stored stream position and skip the cold-start scan (analyse only events stored from now on)',
  }),
  coldStartWindow: setting.duration({
    env: 'COLD_START_WINDOW',
    flag: 'cold-start-window',
    default: '1h',
    minMs: 0,
    doc: 'First start (no stored stream position): events stored this long before it are analysed too; 0 = off',
  }),
  maxInFlight: setting.int({
    env: 'MAX_IN_FLIGHT',
    flag: 'max-in-flight',
    min: 1,
    max: 100000,
    default: 256,
    doc: 'Events pulled but not yet finished before pulling pauses',
  }),
});
