/**
 * A throwaway PostgreSQL cluster (initdb in a temp dir, its own port) that a test may restart or
 * SIGKILL without touching the shared server other helpers and tests use.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, sleep } from './processes.js';

export const POSTGRES_BIN = process.env.NVSENTINEL_POSTGRES_BIN || '/usr/lib/postgresql/15/bin';

/** Why the cluster cannot be created here, or undefined when it can. */
export function postgresUnavailableReason(): string | undefined {
  if (!existsSync(join(POSTGRES_BIN, 'initdb')))
    return `no initdb in ${POSTGRES_BIN}; install postgresql-15 or set NVSENTINEL_POSTGRES_BIN`;
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0)
    return 'running as root and there is no "postgres" user to run initdb as';
  return undefined;
}

export interface PostgresCluster {
  readonly port: number;
  readonly url: string;
  /** Stops the postmaster with a fast shutdown (what `pg_ctl stop -m fast` does) and waits. */
  stop(): Promise<void>;
  /** SIGKILL to the postmaster only, as an OOM killer would; its backends notice and exit. */
  kill(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function createPostgresCluster(): Promise<PostgresCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'nvs-fault-pg-'));
  const dataDir = join(dir, 'data');
  const port = await freePort();
  // PostgreSQL refuses to run as root; as root run it as the postgres user, who must own the dir.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres']).stdout.toString());
    const gid = Number(spawnSync('id', ['-g', 'postgres']).stdout.toString());
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  const command = (file: string, args: string[]): [string, string[]] =>
    asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(POSTGRES_BIN, file), ...args]]
      : [join(POSTGRES_BIN, file), args];
  const [initCmd, initArgs] = command('initdb', [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed (${init.status}): ${init.stderr}`);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let postmaster: ChildProcess | undefined;

  const postmasterPid = (): number | undefined => {
    try {
      return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return undefined;
    }
  };
  const accepting = async (): Promise<boolean> => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  const exited = (child: ChildProcess) =>
    new Promise<void>((r) =>
      child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r()),
    );

  const cluster: PostgresCluster = {
    port,
    url,
    async start() {
      // After a SIGKILL the old backends may hold the shared memory for a moment: retry.
      for (let attempt = 0; ; attempt++) {
        const [cmd, args] = command('postgres', [
          '-D',
          dataDir,
          '-p',
          String(port),
          '-k',
          dir,
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'fsync=off',
        ]);
        const child = spawn(cmd, args, { stdio: 'ignore' });
        postmaster = child;
        for (let i = 0; i < 100 && child.exitCode === null; i++) {
          if (await accepting()) return;
          await sleep(100);
        }
        if (child.exitCode === null) throw new Error('throwaway PostgreSQL did not accept connections within 10 s');
        if (attempt > 50) throw new Error('throwaway PostgreSQL keeps exiting on start');
        await sleep(200);
      }
    },
    async stop() {
      const pid = postmasterPid();
      if (pid) process.kill(pid, 'SIGINT');
      if (postmaster) await exited(postmaster);
      while (postmasterPid() !== undefined && existsSync(join(dataDir, 'postmaster.pid'))) await sleep(50);
    },
    async kill() {
      const pid = postmasterPid();
      if (pid) process.kill(pid, 'SIGKILL');
      if (postmaster) await exited(postmaster);
    },
    async destroy() {
      const pid = postmasterPid();
      if (pid) {
        try {
          process.kill(pid, 'SIGQUIT');
        } catch {
          /* already gone */
        }
      }
      if (postmaster) await exited(postmaster);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}
