/**
 * The local grid's durable state files in its data dir:
 *
 * - `state.wal`, an append-only write-ahead log, one JSON record a line. A record holds the
 *   current value of every entity changed since the previous record (upserts, never deltas), so
 *   replaying it twice, or over a snapshot that already holds part of it, gives the same state.
 * - `state.json`, the snapshot the log is compacted into; its `walSeq` names the last record it
 *   contains.
 *
 * Group commit: a change marks the journal; on the next turn of the event loop one record with
 * everything changed so far is appended and fdatasync'ed, and every request that waited on
 * `durable()` is answered. Requests arriving during that fsync go into the next record, so the
 * number of fsyncs follows the disk, not the request rate. A crash can only cut the last record
 * (never acknowledged: its fsync did not return), which recovery drops.
 *
 * Files are 0600 and the directory 0700: the log and the snapshot hold every user's reservations.
 */
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
} from "node:fs";
import { open as openAsync, rename as renameAsync, unlink as unlinkAsync } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";

export const SNAPSHOT_FILE = "state.json";
export const WAL_FILE = "state.wal";
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
/** `state.json.<pid>.tmp`: a snapshot being written; one left by a crash is removed at start. */
const TMP_PATTERN = /^state\.json\.\d+\.tmp$/;

/** Both the snapshot and a log record: every field optional except the sequence number. */
export interface StateRecord {
  /** Log records: this record's number. Snapshot: the last record it contains. */
  walSeq: number;
  [field: string]: unknown;
}

export interface Recovered {
  snapshot: StateRecord | null;
  /** Log records newer than the snapshot, in order. */
  records: StateRecord[];
}

/** What the store gives the journal: its changes as records, and its whole state. */
export interface JournalSource {
  /**
   * A record of everything changed since the previous capture, numbered `seq`, or null when
   * nothing changed. `undo` marks it all changed again (the append failed).
   */
  captureChanges(seq: number): { text: string; undo: () => void } | null;
  /** The whole state as a snapshot containing the records up to `walSeq`. */
  snapshotText(walSeq: number): string;
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes the data dir private (0700, its state files 0600), removes snapshot temp files left by
 * a crash, and reads the snapshot and the log records newer than it.
 */
export function recoverDataDir(dir: string, log: (line: string) => void): Recovered {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  const mode = statSync(dir).mode & 0o777;
  if (mode & 0o077) {
    try {
      chmodSync(dir, DIR_MODE);
    } catch (e) {
      throw new Error(
        `data dir ${dir} is readable by other users (mode ${mode.toString(8)}) and cannot be made private (${String(e)}); use a directory of your own for --data-dir`,
      );
    }
    log(`data dir ${dir}: mode ${mode.toString(8)} → 700 (it holds every user's reservations)`);
  }
  for (const name of readdirSync(dir)) {
    if (TMP_PATTERN.test(name)) {
      unlinkSync(join(dir, name));
      log(`removed ${name}, a snapshot left unfinished by a crash (the log still has its data)`);
    }
  }
  for (const name of [SNAPSHOT_FILE, WAL_FILE]) {
    const file = join(dir, name);
    if (existsSync(file) && (statSync(file).mode & 0o777) !== FILE_MODE) chmodSync(file, FILE_MODE);
  }

  const snapFile = join(dir, SNAPSHOT_FILE);
  let snapshot: StateRecord | null = null;
  if (existsSync(snapFile)) {
    try {
      snapshot = JSON.parse(readFileSync(snapFile, "utf8")) as StateRecord;
    } catch (e) {
      throw new Error(
        `${snapFile} is not valid JSON (${String(e)}); it is only ever replaced by an atomic rename, so it was changed by something else — restore it or move the data dir away`,
      );
    }
    snapshot.walSeq ??= 0;
  }
  const records: StateRecord[] = [];
  const walFile = join(dir, WAL_FILE);
  if (existsSync(walFile)) {
    const lines = readFileSync(walFile, "utf8").split("\n");
    // A complete record ends with "\n", so the last element is "" unless a crash cut the last
    // append; that record was never acknowledged (its fsync had not returned) and is dropped.
    const last = lines.pop()!;
    if (last !== "") log(`dropped the unfinished last record of ${WAL_FILE} (cut by a crash)`);
    lines.forEach((line, i) => {
      let rec: StateRecord;
      try {
        rec = JSON.parse(line) as StateRecord;
      } catch (e) {
        throw new Error(
          `${walFile}: record ${i + 1} of ${lines.length} is not valid JSON (${String(e)}) although records follow it; the log is damaged — restore the data dir from a copy`,
        );
      }
      if (rec.walSeq > (snapshot?.walSeq ?? 0)) records.push(rec);
    });
  }
  return { snapshot, records };
}

interface Waiter {
  upTo: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class Journal {
  /** Changes announced so far, and how many of them are on disk. */
  private changes = 0;
  private durableChanges = 0;
  private waiters: Waiter[] = [];
  private scheduled = false;
  private running: Promise<void> | null = null;
  private closed = false;
  private walBytes = 0;
  private snapshotBytes = 0;

  private constructor(
    private readonly dir: string,
    private wal: FileHandle,
    private seq: number,
    private readonly source: JournalSource,
    private readonly compactBytes: number,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Opens the log for appending after writing a fresh snapshot of the recovered state (so the
   * log starts empty and a state file of an older version is rewritten without plaintext).
   */
  static async open(opts: {
    dir: string;
    lastSeq: number;
    source: JournalSource;
    compactBytes: number;
    log: (line: string) => void;
  }): Promise<Journal> {
    const wal = await openAsync(join(opts.dir, WAL_FILE), "a", FILE_MODE);
    const j = new Journal(opts.dir, wal, opts.lastSeq, opts.source, opts.compactBytes, opts.log);
    await j.compact();
    return j;
  }

  /** Announces a change; it is written with the next record. */
  changed(): void {
    this.changes++;
    this.schedule();
  }

  /** Resolves once every change announced so far is on disk; rejects if writing it failed. */
  durable(): Promise<void> {
    if (this.durableChanges >= this.changes) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ upTo: this.changes, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running || this.closed) return;
    this.scheduled = true;
    // setImmediate, not a microtask: the handlers of every request read in this I/O phase run
    // first, so they share one fsync.
    setImmediate(() => {
      this.scheduled = false;
      this.running = this.commitLoop().finally(() => {
        this.running = null;
        if (this.durableChanges < this.changes) this.schedule();
      });
    });
  }

  private settle(upTo: number, error?: Error): void {
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.upTo > upTo) still.push(w);
      else if (error) w.reject(error);
      else w.resolve();
    }
    this.waiters = still;
  }

  private async commitLoop(): Promise<void> {
    while (this.durableChanges < this.changes) {
      const upTo = this.changes;
      const ok = await this.commit();
      this.durableChanges = upTo;
      if (!ok) {
        this.settle(upTo, new Error("the state change could not be written to disk"));
        return;
      }
      this.settle(upTo);
      // Compact when the log outgrows the snapshot, so rewriting the snapshot stays a bounded
      // share of the work whatever the state's size.
      if (this.walBytes >= Math.max(this.compactBytes, this.snapshotBytes)) await this.compact();
    }
  }

  /** Appends one record and fdatasyncs it; false (logged, changes marked again) on failure. */
  private async commit(): Promise<boolean> {
    const cap = this.source.captureChanges(this.seq + 1);
    if (!cap) return true;
    const line = `${cap.text}\n`;
    try {
      await this.wal.write(line);
      await this.wal.datasync();
    } catch (e) {
      cap.undo();
      this.log(`state log append failed: ${String(e)}`);
      // Cut what part of the record reached the file, so the next record follows a whole one.
      await this.wal.truncate(this.walBytes).catch(() => undefined);
      return false;
    }
    this.seq++;
    this.walBytes += Buffer.byteLength(line);
    return true;
  }

  /**
   * Writes the whole state to `state.json` (temp file, fsync, rename, directory fsync), then
   * empties the log: every record in it is in the snapshot. Runs only between commits.
   */
  private async compact(): Promise<void> {
    const file = join(this.dir, SNAPSHOT_FILE);
    const tmp = `${file}.${process.pid}.tmp`;
    const text = this.source.snapshotText(this.seq);
    try {
      const fh = await openAsync(tmp, "w", FILE_MODE);
      try {
        await fh.writeFile(text);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await renameAsync(tmp, file);
      fsyncDir(this.dir);
    } catch (e) {
      await unlinkAsync(tmp).catch(() => undefined);
      // The log still holds everything; the next compaction tries again.
      this.log(`state snapshot failed: ${String(e)}`);
      return;
    }
    await this.wal.truncate(0);
    await this.wal.datasync();
    this.walBytes = 0;
    this.snapshotBytes = Buffer.byteLength(text);
  }

  /** Writes what is pending, compacts, and closes the log. */
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.running || this.scheduled) {
      await this.running;
      if (this.scheduled) await new Promise((r) => setImmediate(r));
    }
    this.closed = true;
    const upTo = this.changes;
    const ok = await this.commit();
    this.durableChanges = upTo;
    this.settle(upTo, ok ? undefined : new Error("the state change could not be written to disk"));
    await this.compact();
    await this.wal.close();
  }
}
