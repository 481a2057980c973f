/**
 * A small Dockerfile reader and linter (hadolint is not obtainable here). It knows the
 * instructions deploy/Dockerfile uses; the linter checks the rules we care about for a
 * production image and reports every problem at once.
 */

export interface Instruction {
  keyword: string;
  /** Raw arguments after the keyword, continuation lines joined. */
  args: string;
  line: number;
}

interface Stage {
  name: string;
  /** FROM's image reference with ARG defaults substituted. */
  image: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.trimEnd().endsWith('\\') && i + 1 < lines.length) {
      line = line.trimEnd().slice(0, -1) + ' ';
      i++;
      if (/^\s*#/.test(lines[i]!)) continue; // comment lines inside a continuation are dropped, as Docker does
      line += lines[i]!.trim();
    }
    const match = /^\s*([A-Za-z]+)\s*(.*)$/.exec(line);
    if (match) instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line: start + 1 });
  }

  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: cannot read FROM ${ins.args}`);
      stages.push({ name: m[2] ?? String(stages.length), image: substitute(m[1]!, globalArgs), instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword !== 'ARG') throw new Error(`line ${ins.line}: only ARG may come before the first FROM`);
      const [name, value] = splitArg(ins.args);
      if (value !== undefined) globalArgs[name] = value; // no default: stays unresolved, which the linter reports
    } else {
      stages.at(-1)!.instructions.push(ins);
    }
  }
  return { globalArgs, stages };
}

export function splitArg(args: string): [string, string | undefined] {
  const eq = args.indexOf('=');
  if (eq === -1) return [args.trim(), undefined];
  return [args.slice(0, eq).trim(), unquote(args.slice(eq + 1).trim())];
}

function unquote(value: string): string {
  return /^".*"$/.test(value) || /^'.*'$/.test(value) ? value.slice(1, -1) : value;
}

export function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (whole, a: string | undefined, b: string | undefined) => vars[(a ?? b)!] ?? whole,
  );
}

/** `KEY=value KEY2="v 2"` (ENV and LABEL). */
export function parsePairs(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of args.matchAll(/([\w.-]+)=("(?:[^"\\]|\\.)*"|\S+)/g)) out[m[1]!] = unquote(m[2]!);
  return out;
}

function isExecForm(args: string): boolean {
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.length > 0 && parsed.every((x) => typeof x === 'string');
  } catch {
    return false;
  }
}

const REQUIRED_LABELS = ['title', 'source', 'version', 'revision', 'licenses', 'created'].map(
  (l) => `org.opencontainers.image.${l}`,
);

/** Every rule violation, as `line N: problem; fix`. An empty list means the file passes. */
export function lintDockerfile(text: string, dockerignore: string): string[] {
  const problems: string[] = [];
  let file: Dockerfile;
  try {
    file = parseDockerfile(text);
  } catch (err) {
    return [(err as Error).message];
  }
  for (const [index, stage] of file.stages.entries()) {
    const fromEarlierStage = file.stages.slice(0, index).some((s) => s.name === stage.image);
    if (!fromEarlierStage) {
      const ref = stage.image;
      const digest = /@sha256:[0-9a-f]{64}$/.test(ref);
      const tag = /:([^/:@]+)$/.exec(ref.replace(/@sha256:.*$/, ''))?.[1];
      if (ref.includes('$'))
        problems.push(`FROM ${ref}: an ARG without a default; give the base image a pinned default`);
      else if (!digest && (!tag || tag === 'latest' || !/\d+\.\d+\.\d+/.test(tag))) {
        problems.push(
          `FROM ${ref}: pin the base image to a full version tag (x.y.z) or a digest, not '${tag ?? 'latest'}'`,
        );
      }
    }
    for (const ins of stage.instructions) {
      if (ins.keyword === 'ADD') {
        problems.push(
          /https?:\/\//.test(ins.args)
            ? `line ${ins.line}: ADD of a URL; download in a RUN step with a checksum, or COPY a vendored file`
            : `line ${ins.line}: ADD of local files; use COPY (ADD also unpacks archives implicitly)`,
        );
      }
      if (ins.keyword === 'RUN' && /\bnpm (install|i)\b(?! -g)/.test(ins.args)) {
        problems.push(`line ${ins.line}: npm install can change the lock file; use npm ci`);
      }
      if (ins.keyword === 'RUN' && /\bcurl\b[^|]*\|\s*(ba)?sh/.test(ins.args))
        problems.push(`line ${ins.line}: piping a download into a shell`);
      if (
        ins.keyword === 'ENV' &&
        Object.keys(parsePairs(ins.args)).some((k) => /PASSWORD|SECRET|TOKEN|API_KEY/i.test(k))
      ) {
        problems.push(`line ${ins.line}: a secret in ENV is baked into the image; pass it at run time`);
      }
      if (['ENTRYPOINT', 'CMD'].includes(ins.keyword) && !isExecForm(ins.args)) {
        problems.push(
          `line ${ins.line}: ${ins.keyword} in shell form; use the exec (JSON array) form so signals reach the process`,
        );
      }
      if (ins.keyword === 'HEALTHCHECK' && ins.args !== 'NONE') {
        const cmd = /\bCMD\s+(.*)$/.exec(ins.args)?.[1];
        if (!cmd || !isExecForm(cmd))
          problems.push(`line ${ins.line}: HEALTHCHECK CMD in shell form; use the exec form`);
      }
    }
  }
  const final = file.stages.at(-1);
  if (!final) return [...problems, 'no FROM: the file builds nothing'];
  const users = final.instructions.filter((i) => i.keyword === 'USER');
  const user = users.at(-1)?.args.split(':')[0];
  if (!user) problems.push('final stage: no USER; the image would run as root; add USER <uid>:<gid>');
  else if (user === 'root' || user === '0') problems.push(`final stage: USER ${user} is root; use a non-root uid`);
  else if (!/^\d+$/.test(user))
    problems.push(`final stage: USER ${user} is a name; use a numeric uid so Kubernetes can check runAsNonRoot`);
  if (!final.instructions.some((i) => i.keyword === 'ENTRYPOINT')) problems.push('final stage: no ENTRYPOINT');
  if (!final.instructions.some((i) => i.keyword === 'HEALTHCHECK')) problems.push('final stage: no HEALTHCHECK');
  const labels = Object.assign(
    {},
    ...final.instructions.filter((i) => i.keyword === 'LABEL').map((i) => parsePairs(i.args)),
  ) as Record<string, string>;
  for (const label of REQUIRED_LABELS) if (!labels[label]) problems.push(`final stage: missing OCI label ${label}`);
  const copiesSources = final.instructions.some((i) => i.keyword === 'COPY' && !i.args.includes('--from='));
  if (copiesSources)
    problems.push('final stage: COPY from the build context; copy only the pruned output of a build stage');
  if (file.stages.length < 2)
    problems.push('single stage: build tools and dev dependencies would ship; use a build stage and a runtime stage');
  const build = file.stages.slice(0, -1).flatMap((s) => s.instructions);
  if (!build.some((i) => i.keyword === 'RUN' && /npm prune --omit=dev|npm ci[^&]*--omit=dev/.test(i.args))) {
    problems.push('no production-only install (npm prune --omit=dev or npm ci --omit=dev) before the runtime stage');
  }
  const ignored = dockerignore.split('\n').map((l) => l.trim());
  for (const needed of ['.git', 'node_modules'])
    if (!ignored.includes(needed)) problems.push(`.dockerignore: add ${needed}`);
  if (!ignored.some((l) => /(^|\/)dist$/.test(l)))
    problems.push('.dockerignore: add **/dist (stale local builds must not enter the image)');
  return problems;
}
