/** Settings, the rules file format and `this.` substitution (upstream's semantics). */
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger, loadConfig } from '@nvsentinel/service-kit';
import { ProcessingStrategy, RecommendedAction } from '@nvsentinel/health-model';
import { settingsSchema } from './settings.js';
import { analyzerInputs } from './from-settings.js';
import { DEFAULT_RULES_PATH, parseRules, parseRuleSwitches } from './rules.js';
import { buildRulePipeline, isMatch, substitute } from '../rules/pipeline.js';

const toml = (extra = '') => `[[rules]]
name = "R"
recommended_action = "RUN_DCGMEUD"
stage = ['{"$match": {"healthevent.nodename": "this.healthevent.nodename"}}']
${extra}`;

describe('settings', () => {
  it("reads upstream's flags and the chart-style switches", async () => {
    const settings = loadConfig(settingsSchema, {
      env: {},
      argv: [
        '--socket',
        'unix:///tmp/pc.sock',
        '--config-path',
        DEFAULT_RULES_PATH,
        '--processing-strategy',
        'STORE_ONLY',
        '--rule-switches',
        'enableXID74Reg2Bit13SetRule=false',
        '--workers',
        '3',
        '--start-fresh',
        '--cold-start-window',
        '10m',
      ],
    });
    const { rules, options } = await analyzerInputs(settings);
    expect(options).toEqual({
      socket: 'unix:///tmp/pc.sock',
      processingStrategy: ProcessingStrategy.STORE_ONLY,
      workers: 3,
      maxInFlight: 256,
      startAt: 'now',
      coldStartWindowMs: 600_000,
    });
    expect(rules).toHaveLength(22);
    expect(rules.filter((r) => !r.evaluateRule).map((r) => r.name)).toEqual(['XID74Reg2Bit13Set']);
  });

  it('refuses a switch that names no rule and a malformed switch', () => {
    expect(() => parseRules(toml(), { switches: { enableNopeRule: false } })).toThrow(/enableNopeRule names no rule/);
    expect(() => parseRuleSwitches('enableX=maybe')).toThrow(/must look like enableMultipleRemediationsRule=false/);
  });
});

describe('rules file', () => {
  it('parses every key; an unknown action falls back to CONTACT_SUPPORT with a warning', () => {
    const [rule] = parseRules(toml('description = "d"\nmessage = "m"\nprocessing_strategy = "STORE_ONLY"'));
    expect(rule).toMatchObject({
      name: 'R',
      description: 'd',
      message: 'm',
      recommendedAction: RecommendedAction.RUN_DCGMEUD,
      evaluateRule: true,
      processingStrategy: ProcessingStrategy.STORE_ONLY,
    });
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const logger = createLogger({ name: 'test', env: {}, level: 'warn', pretty: false, destination });
    const [fallback] = parseRules(toml().replace('RUN_DCGMEUD', 'REBOOT_PLEASE'), { logger });
    expect(fallback.recommendedAction).toBe(RecommendedAction.CONTACT_SUPPORT);
    expect(lines.join('')).toMatch(/unknown recommended_action; using CONTACT_SUPPORT/);
  });

  it('reports every problem at once, naming the rule and key', () => {
    const bad = `[[rules]]
name = "A"
stage = ['{"$match": ']
[[rules]]
name = "A"
stage = ['{"$match": {}}']
processing_strategy = "SOMETIMES"
[[rules]]
stage = []`;
    expect(() => parseRules(bad)).toThrow(
      /rules\[0\] "A" stage 0: not valid JSON.*rules\[1\] "A": processing_strategy "SOMETIMES".*rules\[2\]: "name" must be/,
    );
  });
});

describe('this. substitution', () => {
  const trigger = {
    _id: 'e1',
    healthevent: {
      nodename: 'n1',
      errorcode: ['74'],
      isfatal: true,
      generatedtimestamp: { seconds: 100, nanos: 0 },
      entitiesimpacted: [{ entitytype: 'GPU_UUID', entityvalue: 'G' }],
    },
  };
  it('resolves case-insensitively, indexes arrays (past the end → null), keeps types, leaves keys alone', () => {
    expect(
      substitute(
        {
          a: 'this.HealthEvent.NodeName',
          'this.key': ['this.healthevent.errorcode.0', 'this.healthevent.errorcode.3'],
          n: 'this.healthevent.generatedtimestamp.seconds',
          b: 'this.healthevent.isfatal',
          arr: 'this.healthevent.entitiesimpacted',
          plain: 'thisx',
        },
        trigger,
        'R',
      ),
    ).toEqual({
      a: 'n1',
      'this.key': ['74', null],
      n: 100,
      b: true,
      arr: [{ entitytype: 'GPU_UUID', entityvalue: 'G' }],
      plain: 'thisx',
    });
  });
  it('a missing key is an error naming the rule and the path', () => {
    expect(() => substitute('this.healthevent.nope', trigger, 'R')).toThrow(
      /rule R: "this.healthevent.nope" names no field.*there is no field healthevent.nope/,
    );
  });
  it('puts the fixed first stage (agent, processing strategy, node) before the rule', () => {
    const [rule] = parseRules(toml());
    const pipeline = buildRulePipeline(rule, trigger);
    expect(pipeline[0]).toEqual({
      $match: {
        'healthevent.agent': { $ne: 'health-events-analyzer' },
        'healthevent.metadata.nvsentinel-analyzer-source-event-id': { $exists: false },
        'healthevent.processingstrategy': { $in: [1, 3, null] },
        'healthevent.nodename': 'n1',
      },
    });
    expect(pipeline[1]).toEqual({ $match: { 'healthevent.nodename': 'n1' } });
  });
  it('a match is a non-empty result unless ruleMatched says otherwise', () => {
    expect(isMatch([])).toBe(false);
    expect(isMatch([{ n: 1 }])).toBe(true);
    expect(isMatch([{ ruleMatched: false }])).toBe(false);
    expect(isMatch([{ ruleMatched: true }])).toBe(true);
  });
});
