/**
 * Runs a Dockerfile's steps on this machine, without a container engine: each stage gets a root
 * folder under a scratch directory, WORKDIR/COPY/ENV/ARG/RUN are applied in order, and the other
 * instructions are recorded. RUN steps must use paths relative to WORKDIR (deploy/Dockerfile does).
 *
 * Two stand-ins keep it fast, and the report says which were used:
 * - `npm ci` becomes a hard-linked copy of the workspace's node_modules (installed by `npm ci`
 *   from the same package-lock.json), so no package is downloaded or unpacked again;
 * - the compiled output already in the workspace is copied in as tsc's incremental build cache
 *   (what a BuildKit cache mount gives), so `tsc -b` only rebuilds what changed.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { parseDockerfile, parsePairs, splitArg, substitute, type Instruction } from './dockerfile.js';

export interface RunOptions {
  dockerfile: string;
  context: string;
  scratch: string;
  buildArgs?: Record<string, string>;
  /** Folders (relative to the context) whose dist/ and *.tsbuildinfo serve as tsc's cache. */
  buildCache?: string[];
  log?: (line: string) => void;
}

export interface StageResult {
  name: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  entrypoint?: string[];
  cmd?: string[];
}

export interface RunResult {
  stages: StageResult[];
  standIns: string[];
  steps: Array<{ stage: string; instruction: string; ms: number }>;
}

/** Copies the build context as `docker build` sends it: everything .dockerignore does not exclude. */
export function copyContext(from: string, to: string, dockerignore: string): void {
  const patterns = dockerignore
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const toRegex = (p: string) =>
    p
      .replace(/[.+^$()|[\]\\]/g, '\\$&')
      .replace(/\*\*\//g, '\u0000')
      .replace(/\*/g, '[^/]*')
      .replaceAll('\u0000', '(.*/)?');
  const regexes = patterns.map((p) => new RegExp(`^${toRegex(p)}(/.*)?$`));
  const keep = (source: string) => !regexes.some((r) => r.test(relative(from, source)));
  mkdirSync(to, { recursive: true });
  // entry by entry: the scratch folder may live inside the context's ignored tmp/
  for (const entry of readdirSync(from)) {
    if (keep(join(from, entry)))
      cpSync(join(from, entry), join(to, entry), {
        recursive: true,
        verbatimSymlinks: true,
        preserveTimestamps: true,
        filter: keep,
      });
  }
}

export async function runDockerfile(options: RunOptions): Promise<RunResult> {
  const file = parseDockerfile(readFileSync(options.dockerfile, 'utf8'));
  const log = options.log ?? (() => undefined);
  const stages = new Map<string, StageResult>();
  const result: RunResult = { stages: [], standIns: [], steps: [] };
  rmSync(options.scratch, { recursive: true, force: true });
  mkdirSync(options.scratch, { recursive: true });

  for (const stage of file.stages) {
    const root = join(options.scratch, 'stages', stage.name);
    mkdirSync(root, { recursive: true });
    const state: StageResult = { name: stage.name, root, workdir: '/', env: {} };
    const args: Record<string, string> = { ...file.globalArgs, ...options.buildArgs };
    const vars = () => ({ ...args, ...state.env });
    const inRoot = (path: string) => join(root, isAbsolute(path) ? path : join(state.workdir, path));

    for (const ins of stage.instructions) {
      const started = performance.now();
      switch (ins.keyword) {
        case 'ARG': {
          const [name, value] = splitArg(ins.args);
          args[name] = options.buildArgs?.[name] ?? value ?? args[name] ?? '';
          break;
        }
        case 'ENV':
          for (const [k, v] of Object.entries(parsePairs(ins.args))) state.env[k] = substitute(v, vars());
          break;
        case 'WORKDIR':
          state.workdir = substitute(ins.args, vars());
          mkdirSync(join(root, state.workdir), { recursive: true });
          break;
        case 'COPY':
          copy(ins, stages, options.context, inRoot);
          break;
        case 'RUN':
          await run(ins, state, root, vars(), options, result, log);
          break;
        case 'USER':
          state.user = ins.args;
          break;
        case 'ENTRYPOINT':
          state.entrypoint = JSON.parse(ins.args) as string[];
          break;
        case 'CMD':
          state.cmd = JSON.parse(ins.args) as string[];
          break;
        default: // LABEL, EXPOSE, HEALTHCHECK, STOPSIGNAL: metadata only
          break;
      }
      result.steps.push({
        stage: stage.name,
        instruction: `${ins.keyword} ${ins.args.slice(0, 60)}`,
        ms: Math.round(performance.now() - started),
      });
    }
    stages.set(stage.name, state);
    result.stages.push(state);
  }
  return result;
}

function copy(
  ins: Instruction,
  stages: Map<string, StageResult>,
  context: string,
  inRoot: (p: string) => string,
): void {
  const words = ins.args.split(/\s+/);
  const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
  const paths = words.filter((w) => !w.startsWith('--'));
  const dest = paths.pop()!;
  const base = from ? stages.get(from)?.root : context;
  if (!base) throw new Error(`line ${ins.line}: COPY --from=${from}: no such stage`);
  for (const source of paths) {
    const src = join(base, source);
    if (!existsSync(src))
      throw new Error(`line ${ins.line}: COPY ${source}: not found in ${from ? `stage ${from}` : 'the build context'}`);
    const target = inRoot(dest);
    if (from && statSync(src).isDirectory()) {
      // a finished stage is never written again, so hard links stand in for the layer copy
      mkdirSync(target, { recursive: true });
      execFileSync('cp', ['-al', `${src}/.`, target]);
    } else if (statSync(src).isDirectory()) {
      // "COPY dir/ dest/" and "COPY . ." copy the folder's contents into dest
      mkdirSync(target, { recursive: true });
      for (const entry of readdirSync(src))
        cpSync(join(src, entry), join(target, entry), {
          recursive: true,
          verbatimSymlinks: true,
          preserveTimestamps: true,
        });
    } else {
      mkdirSync(dest.endsWith('/') ? target : join(target, '..'), { recursive: true });
      cpSync(src, dest.endsWith('/') ? join(target, source.split('/').pop()!) : target);
    }
  }
}

async function run(
  ins: Instruction,
  state: StageResult,
  root: string,
  vars: Record<string, string>,
  options: RunOptions,
  result: RunResult,
  log: (l: string) => void,
): Promise<void> {
  const cwd = join(root, state.workdir);
  const command = ins.args;
  if (/^npm ci\b/.test(command)) {
    linkNodeModules(cwd, options);
    result.standIns.push(
      `line ${ins.line} (${command}): hard-linked copy of the workspace node_modules, installed by npm ci from the same lock`,
    );
    return;
  }
  if (/\btsc -b\b/.test(command) && options.buildCache?.length) {
    for (const project of options.buildCache) {
      const source = join(workspaceRoot(options), project);
      for (const entry of existsSync(source) ? readdirSync(source) : []) {
        // real timestamps, so tsc rebuilds exactly what is older than its sources
        if (entry === 'dist' || entry.endsWith('.tsbuildinfo'))
          cpSync(join(source, entry), join(cwd, project, entry), { recursive: true, preserveTimestamps: true });
      }
    }
    result.standIns.push(
      `line ${ins.line}: tsc -b started from the workspace's compiled output of ${options.buildCache.join(', ')} (incremental cache)`,
    );
  }
  log(`RUN ${command.slice(0, 100)}`);
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    npm_config_prefer_offline: 'true',
    npm_config_update_notifier: 'false',
    ...vars,
  };
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-8000)));
    child.stderr.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-8000)));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolvePromise()
        : reject(new Error(`line ${ins.line}: RUN failed (exit ${code}): ${command}\n${output}`)),
    );
  });
}

function workspaceRoot(options: RunOptions): string {
  return join(options.dockerfile, '../..');
}

/**
 * node_modules as `npm ci` would lay it out, by hard links (`cp -al`); npm's metadata file is a
 * real copy, so `npm prune` rewriting it never reaches the workspace's own node_modules (prune
 * only deletes the other links).
 */
function linkNodeModules(cwd: string, options: RunOptions): void {
  const from = join(workspaceRoot(options), 'node_modules');
  if (!existsSync(from)) throw new Error(`${from} is missing; run npm ci in the workspace first`);
  const to = join(cwd, 'node_modules');
  execFileSync('cp', ['-al', from, to]);
  rmSync(join(to, '.cache'), { recursive: true, force: true });
  rmSync(join(to, '.package-lock.json'), { force: true });
  if (existsSync(join(from, '.package-lock.json')))
    cpSync(join(from, '.package-lock.json'), join(to, '.package-lock.json'));
  // npm ci also nests a workspace's own copy of a dependency whose version differs from the root's
  for (const group of ['libs', 'apps', 'tools', 'deploy']) {
    const dir = join(workspaceRoot(options), group);
    for (const project of existsSync(dir) ? readdirSync(dir) : []) {
      const nested = join(dir, project, 'node_modules');
      if (existsSync(nested) && existsSync(join(cwd, group, project)))
        execFileSync('cp', ['-al', nested, join(cwd, group, project, 'node_modules')]);
    }
  }
}
