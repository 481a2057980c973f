/**
 * PGlite does not lock its data directory: two instances on one directory corrupt it. We hold
 * a lock file (beside the directory, which PGlite wants to own alone) with our pid for as long as the datastore is open; a lock left by a dead process
 * is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatastoreError } from '../../errors.js';

const heldHere = new Set<string>();

export function claimDataDir(dataDir: string): () => void {
  const path = `${resolve(dataDir)}.nvsentinel.lock`;
  mkdirSync(dirname(path), { recursive: true });
  if (heldHere.has(path)) throw inUse(dataDir, process.pid);
  try {
    writeFileSync(path, String(process.pid), { flag: 'wx' });
  } catch {
    const owner = Number(readFileSync(path, 'utf8'));
    if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) throw inUse(dataDir, owner);
    writeFileSync(path, String(process.pid));
  }
  heldHere.add(path);
  return () => {
    if (!heldHere.delete(path)) return;
    rmSync(path, { force: true });
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function inUse(dataDir: string, pid: number): DatastoreError {
  return new DatastoreError(
    'configuration',
    `DATASTORE_DATA_DIR ${dataDir} is in use by process ${pid}; the embedded database allows one process (and one datastore) per directory — use another directory or the postgresql provider`,
    { provider: 'embedded', details: { dataDir, pid } },
  );
}
