/** deploy/Dockerfile against the image rules (support/dockerfile.ts), and the rules against bad files. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKSPACE_ROOT } from './support/helm.js';
import { lintDockerfile, parseDockerfile, parsePairs } from './support/dockerfile.js';

const dockerfile = readFileSync(join(WORKSPACE_ROOT, 'deploy/Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(WORKSPACE_ROOT, '.dockerignore'), 'utf8');

describe('deploy/Dockerfile', () => {
  it('passes every lint rule', () => {
    expect(lintDockerfile(dockerfile, dockerignore)).toEqual([]);
  });

  it('is a build stage and a runtime stage on the same pinned Node 20 base', () => {
    const file = parseDockerfile(dockerfile);
    expect(file.stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    for (const stage of file.stages)
      expect(stage.image).toMatch(/^docker\.io\/library\/node:20\.\d+\.\d+-bookworm-slim$/);
    const runtime = file.stages[1]!;
    expect(runtime.instructions.find((i) => i.keyword === 'USER')?.args).toBe('1000:1000');
    expect(JSON.parse(runtime.instructions.find((i) => i.keyword === 'ENTRYPOINT')!.args)).toEqual(['node']);
    expect(parsePairs(runtime.instructions.find((i) => i.keyword === 'ENV')!.args).NODE_ENV).toBe('production');
  });

  it('uses the Node version the repository requires', () => {
    const engines = (
      JSON.parse(readFileSync(join(WORKSPACE_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    const [, major, minor] = /^>=(\d+)\.(\d+)/.exec(engines)!;
    const [, imageMajor, imageMinor] = /node:(\d+)\.(\d+)\./.exec(parseDockerfile(dockerfile).stages[1]!.image)!;
    expect(Number(imageMajor)).toBe(Number(major));
    expect(Number(imageMinor)).toBeGreaterThanOrEqual(Number(minor));
  });
});

describe('the Dockerfile linter', () => {
  it('reports every problem of a bad file, each with its fix', () => {
    const bad = [
      'FROM node:latest',
      'ADD https://example.com/tool.tgz /opt/',
      'COPY . .',
      'ENV API_TOKEN=abc',
      'RUN npm install',
      'ENTRYPOINT node main.js',
      'HEALTHCHECK CMD curl -f http://localhost/ || exit 1',
    ].join('\n');
    const problems = lintDockerfile(bad, 'tmp\n');
    expect(problems).toEqual([
      "FROM node:latest: pin the base image to a full version tag (x.y.z) or a digest, not 'latest'",
      'line 2: ADD of a URL; download in a RUN step with a checksum, or COPY a vendored file',
      'line 4: a secret in ENV is baked into the image; pass it at run time',
      'line 5: npm install can change the lock file; use npm ci',
      'line 6: ENTRYPOINT in shell form; use the exec (JSON array) form so signals reach the process',
      'line 7: HEALTHCHECK CMD in shell form; use the exec form',
      'final stage: no USER; the image would run as root; add USER <uid>:<gid>',
      ...['title', 'source', 'version', 'revision', 'licenses', 'created'].map(
        (l) => `final stage: missing OCI label org.opencontainers.image.${l}`,
      ),
      'final stage: COPY from the build context; copy only the pruned output of a build stage',
      'single stage: build tools and dev dependencies would ship; use a build stage and a runtime stage',
      'no production-only install (npm prune --omit=dev or npm ci --omit=dev) before the runtime stage',
      '.dockerignore: add .git',
      '.dockerignore: add node_modules',
      '.dockerignore: add **/dist (stale local builds must not enter the image)',
    ]);
  });

  it('rejects root and named users and unpinned ARG base images', () => {
    const base = (user: string) =>
      `ARG IMG\nFROM node:20.1.0 AS b\nRUN npm prune --omit=dev\nFROM \${IMG}\nUSER ${user}\nENTRYPOINT ["node"]`;
    expect(lintDockerfile(base('root'), '')).toContain('final stage: USER root is root; use a non-root uid');
    expect(lintDockerfile(base('0:0'), '')).toContain('final stage: USER 0 is root; use a non-root uid');
    expect(lintDockerfile(base('node'), '')).toContain(
      'final stage: USER node is a name; use a numeric uid so Kubernetes can check runAsNonRoot',
    );
    expect(lintDockerfile(base('1000'), '')).toContain(
      'FROM ${IMG}: an ARG without a default; give the base image a pinned default',
    );
  });
});
