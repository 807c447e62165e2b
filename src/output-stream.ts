import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';

/**
 * Writes to a stream at the pace it takes data: a write waits for 'drain' when the stream's
 * buffer is full, so a slow pipe or disk holds the reader back instead of filling memory. An
 * error of the stream (a closed pipe, a full disk) fails the next write rather than the process.
 */
export interface PacedWriter {
  write(chunk: string): Promise<void>;
  /** Resolves once what was written has left the buffer; rejects if the stream failed meanwhile. */
  settle(): Promise<void>;
  /** Stops listening to the stream; it is left open (standard output is not ours to close). */
  release(): void;
}

export function pacedWriter(out: NodeJS.WritableStream): PacedWriter {
  let failure: unknown;
  let wake: (() => void) | undefined;
  // The callback of the latest write: streams call them in order, so it settles last.
  let lastWritten: Promise<void> = Promise.resolve();
  const onError = (error: unknown) => {
    failure ??= error;
    wake?.();
  };
  const onDrain = () => wake?.();
  // Closed without an error (destroyed by its owner): no 'drain' would ever come.
  const onClose = () => onError(new Error('the output was closed before the export finished'));
  out.on('error', onError);
  out.on('drain', onDrain);
  out.on('close', onClose);
  /** Until `event` happened, or the stream failed, whichever comes first. */
  const until = async (event: Promise<void> | 'drain') => {
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
    });
    await (event === 'drain' ? woken : Promise.race([event, woken]));
    wake = undefined;
  };
  return {
    async write(chunk) {
      if (failure !== undefined) throw failure;
      let room = true;
      lastWritten = new Promise<void>((resolve) => {
        room = out.write(chunk, () => resolve());
      });
      if (!room) await until('drain');
      if (failure !== undefined) throw failure;
    },
    async settle() {
      if (failure === undefined) await until(lastWritten);
      // A stream may say it failed on a later turn of the event loop than the write that failed.
      await new Promise((resolve) => setImmediate(resolve));
      if (failure !== undefined) throw failure;
    },
    release() {
      out.removeListener('drain', onDrain);
      out.removeListener('close', onClose);
      // An error after the last write (EPIPE when the reader went away) must still not crash.
      out.removeListener('error', onError);
      out.on('error', () => undefined);
    },
  };
}

/**
 * A file written whole or not at all: the data goes to `<path>.partial`, renamed to `path` only
 * once everything is on disk, so a file by that name is always a complete one.
 */
export interface WholeFile {
  readonly stream: NodeJS.WritableStream;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

export async function openWholeFile(path: string): Promise<WholeFile> {
  const partial = `${path}.partial`;
  const stream = createWriteStream(partial, { flags: 'w', mode: 0o600 });
  await once(stream, 'open');
  return {
    stream,
    async commit() {
      stream.end();
      await once(stream, 'close');
      await rename(partial, path);
    },
    async discard() {
      stream.destroy();
      await rm(partial, { force: true });
    },
  };
}
