import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';

/** Resolves with the child's first stdout line (its URL, or "ready"). */
export function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.split('\n')[0] ?? '');
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code} before it was ready`)));
  });
}

/** SIGTERM, and SIGKILL if it has not exited 10 s later. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, ms) used so far by a process and all its descendants, read from
 * /proc; undefined where there is no /proc. tsx runs scripts in a child, hence the descendants.
 */
export function cpuMillis(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync('/proc/self/stat')) return undefined;
  let ticks = 0;
  const pending = [pid];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    try {
      // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
      const fields = readFileSync(`/proc/${next}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      ticks += Number(fields[11]) + Number(fields[12]);
      for (const task of readdirSync(`/proc/${next}/task`)) {
        const children = readFileSync(`/proc/${next}/task/${task}/children`, 'utf8').trim();
        if (children) pending.push(...children.split(' ').map(Number));
      }
    } catch {
      // The process exited between the reads.
    }
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** What a benchmark run leaves to clean up, whatever happened. */
export interface BenchLeftovers {
  readonly started: number;
  readonly dir: string;
  readonly children: ChildProcess[];
  readonly fake: { stop(): Promise<void> } | undefined;
  readonly database: { drop(): Promise<void> } | undefined;
}

/** Stops the children (last started first) and the fake, drops the database, removes the files. */
export async function cleanUp({ started, dir, children, fake, database }: BenchLeftovers): Promise<void> {
  for (const child of [...children].reverse()) await stopChild(child);
  await fake?.stop();
  await database
    ?.drop()
    .catch((error: unknown) => console.error('could not drop the bench database:', error));
  rmSync(dir, { recursive: true, force: true });
  console.log(`total ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
