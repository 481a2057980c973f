/**
 * `nvsentinel rules test --config rules.toml --events events.json [--rule NAME]`: replays an event
 * history through the analyzer's rules on an embedded in-memory datastore (nothing of the running
 * stack is touched) and prints, per rule, which events it fired on and what its pipeline returned.
 * The events file holds health events in the monitors' proto3 JSON form: `{ "events": [...] }`
 * (what the HTTP ingest accepts) or a bare array, stored in file order.
 */
import { readFile } from 'node:fs/promises';
import { assertValidHealthEvents, type HealthEvent } from '@nvsentinel/health-model';
import {
  DEFAULT_RULES_PATH,
  loadRules,
  parseProcessingStrategy,
  replayHistory,
  type ReplayResult,
} from '@nvsentinel/health-events-analyzer';
import { createDataStore } from '@nvsentinel/store-client';
import { formatTable } from './table.js';

export const RULES_TEST_USAGE =
  'rules test --events FILE [--config RULES.toml] [--rule NAME]   replay a health-event history through the analyzer rules (embedded datastore) and print the matches per rule';

export interface RulesTestInput {
  /** Rules TOML; default the analyzer's shipped 22 chart rules. */
  configPath?: string;
  eventsPath: string;
  /** Only this rule (also when disabled in the file). */
  rule?: string;
  /** Strategy of stored matches unless a rule sets one; default EXECUTE_REMEDIATION. */
  processingStrategy?: string;
}

/** Runs the replay and returns the report (the CLI prints it). */
export async function rulesTest(input: RulesTestInput): Promise<string> {
  const rules = await loadRules(input.configPath ?? DEFAULT_RULES_PATH);
  const events = await readEvents(input.eventsPath);
  const datastore = await createDataStore({
    provider: 'embedded',
    connection: { host: '', port: 0, database: 'nvsentinel' },
    options: {},
  });
  try {
    const result = await replayHistory({
      datastore,
      rules,
      events,
      ...(input.rule !== undefined ? { ruleName: input.rule } : {}),
      ...(input.processingStrategy ? { processingStrategy: parseProcessingStrategy(input.processingStrategy) } : {}),
    });
    return formatRulesTest(result, events);
  } finally {
    await datastore.close();
  }
}

async function readEvents(path: string): Promise<HealthEvent[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`--events ${path} cannot be read (${(err as Error).message}); pass a JSON file of health events`, {
      cause: err,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(
      `--events ${path} is not JSON (${(err as Error).message}); give {"events": [...]} or an array of health events`,
      { cause: err },
    );
  }
  try {
    return assertValidHealthEvents(Array.isArray(json) ? { events: json } : json);
  } catch (err) {
    throw new Error(`--events ${path}: ${(err as Error).message}`, { cause: err });
  }
}

function formatRulesTest(result: ReplayResult, events: readonly HealthEvent[]): string {
  const lines = [
    `${result.events} events replayed, ${result.analysed} analysed (unhealthy, not the analyzer's own), ${result.rules.length} rules`,
  ];
  const rows = result.rules.map((rule) => {
    const fired = result.matches.filter((m) => m.rule === rule);
    return [
      rule,
      fired.length > 0 ? `MATCH ×${fired.length}` : 'no match',
      fired.map((m) => `#${m.eventIndex + 1}`).join(' '),
    ];
  });
  lines.push(formatTable(['RULE', 'RESULT', 'ON EVENTS'], rows));
  for (const match of result.matches) {
    const event = events[match.eventIndex]!;
    lines.push(
      `${match.rule} fired on event #${match.eventIndex + 1} (node ${match.nodeName}, ${event.checkName}, error ${event.errorCode.join(',') || '-'}); the pipeline returned ${match.documents.length} document(s):`,
    );
    for (const doc of match.documents.slice(0, 5)) lines.push(`  ${clip(JSON.stringify(doc), 400)}`);
    if (match.documents.length > 5) lines.push(`  … ${match.documents.length - 5} more`);
  }
  return lines.join('\n');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}
