import { describe, expect, it } from 'vitest';
import { parseServeArgs } from './serve-options.js';

describe('serve command line', () => {
  it('defaults to 8 nodes on port 6443 with the kubeconfig under .nvsentinel', () => {
    expect(parseServeArgs([])).toEqual({
      kubeconfigPath: '.nvsentinel/kubeconfig',
      port: 6443,
      host: '127.0.0.1',
      logger: false,
      nodes: 8,
    });
  });
  it('leaves the node count to the scenario file when one is given', () => {
    const options = parseServeArgs(['--scenario', 's.yaml', '--time-scale=10', '--seed', '3', '--port=0']);
    expect(options).toMatchObject({ scenarioFile: 's.yaml', timeScale: 10, seed: 3, port: 0 });
    expect(options).not.toHaveProperty('nodes');
  });
  it('names the bad flag', () => {
    expect(() => parseServeArgs(['--nodes', 'many'])).toThrow('--nodes must be a number, got "many"');
    expect(() => parseServeArgs(['--bogus'])).toThrow(/Unknown option '--bogus'[\s\S]*usage:/);
    expect(parseServeArgs(['--help'])).toBe('help');
  });
});
