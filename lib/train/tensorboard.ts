import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as protobuf from 'protobufjs/light';
import { isEventFileName, writeFileAtomic } from './run-folder';

/**
 * TensorBoard scalars of a run, in TensorBoard's own event files (`events.out.tfevents.<secs>.<host>.<pid>` in the
 * run folder), so `tensorboard --logdir runs/` shows every run folder's curves without conversion.
 *
 * No maintained npm package writes these files without TensorFlow's native library (tfjs-node's summary writer
 * needs libtensorflow), so the format is written here: a TFRecord file (per record: the data's length as a
 * little-endian uint64, the masked CRC-32C of those 8 bytes, the data, the masked CRC-32C of the data) of
 * `tensorflow.Event` protocol buffers (tensorboard/compat/proto/event.proto, summary.proto), encoded by protobufjs.
 * The first event names the file version; each later one holds a step's scalars (`Summary.Value.simple_value`).
 */

/** The `file_version` of the first event of every file, as TensorFlow writes it. */
export const EVENT_FILE_VERSION = 'brain.Event:2';

/** The fields of `tensorflow.Event` and `tensorflow.Summary` that scalars need, with TensorFlow's field numbers. */
const root = protobuf.Root.fromJSON({
  nested: {
    Event: {
      fields: {
        wallTime: { type: 'double', id: 1 },
        step: { type: 'int64', id: 2 },
        fileVersion: { type: 'string', id: 3 },
        summary: { type: 'Summary', id: 5 },
      },
    },
    Summary: {
      fields: { value: { rule: 'repeated', type: 'Value', id: 1 } },
      nested: { Value: { fields: { tag: { type: 'string', id: 1 }, simpleValue: { type: 'float', id: 2 } } } },
    },
  },
});
const EventType = root.lookupType('Event');

/** One event of a file: the version event (`fileVersion`) or a step's scalars (`values`, tag -> value). */
export interface ScalarEvent {
  /** Seconds since 1970. */
  wallTime: number;
  step: number;
  fileVersion?: string;
  values?: { tag: string; value: number }[];
}

const CRC32C_TABLE = (() => {
  // CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of TFRecord files. A 256-entry table is
  // a dozen lines; the npm packages for it bring native builds or an SDK's worth of dependencies.
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C of `bytes`. */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC32C_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC (rotated right by 15 bits plus a constant), so data holding its own CRC stays checkable. */
function maskedCrc(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}

/** One TFRecord record around `data`. */
function tfRecord(data: Uint8Array): Buffer {
  const head = Buffer.alloc(12);
  head.writeBigUInt64LE(BigInt(data.length), 0);
  head.writeUInt32LE(maskedCrc(head.subarray(0, 8)), 8);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(maskedCrc(data), 0);
  return Buffer.concat([head, data, tail]);
}

function encodeEvent(e: ScalarEvent): Uint8Array {
  const message: Record<string, unknown> = { wallTime: e.wallTime, step: e.step };
  if (e.fileVersion !== undefined) message.fileVersion = e.fileVersion;
  if (e.values !== undefined) message.summary = { value: e.values.map((v) => ({ tag: v.tag, simpleValue: v.value })) };
  return EventType.encode(EventType.fromObject(message)).finish();
}

/**
 * The events of an event file, in order. A torn last record (a process killed while writing it) ends the list; a
 * record whose checksum does not match, or a file that is not an event file, is an error naming the file and offset.
 */
export function readEventFile(file: string): ScalarEvent[] {
  return readEventRecords(file).map((r) => r.event);
}

/** The records of an event file: each event and the record's bytes as written. */
function readEventRecords(file: string): { event: ScalarEvent; record: Buffer }[] {
  const bytes = fs.readFileSync(file);
  const events: { event: ScalarEvent; record: Buffer }[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 12 > bytes.length) break;
    const length = bytes.readBigUInt64LE(at);
    if (bytes.readUInt32LE(at + 8) !== maskedCrc(bytes.subarray(at, at + 8))) throw new Error(`readEventFile: ${file}, offset ${at}: the record length's checksum does not match`);
    const end = at + 12 + Number(length) + 4;
    if (end > bytes.length) break;
    const data = bytes.subarray(at + 12, end - 4);
    if (bytes.readUInt32LE(end - 4) !== maskedCrc(data)) throw new Error(`readEventFile: ${file}, offset ${at}: the record's checksum does not match`);
    const o = EventType.toObject(EventType.decode(data), { longs: Number, defaults: false }) as {
      wallTime?: number;
      step?: number;
      fileVersion?: string;
      summary?: { value?: { tag?: string; simpleValue?: number }[] };
    };
    const event: ScalarEvent = { wallTime: o.wallTime ?? 0, step: o.step ?? 0 };
    if (o.fileVersion !== undefined) event.fileVersion = o.fileVersion;
    if (o.summary !== undefined) event.values = (o.summary.value ?? []).map((v) => ({ tag: v.tag ?? '', value: v.simpleValue ?? 0 }));
    events.push({ event, record: bytes.subarray(at, end) });
    at = end;
  }
  return events;
}

/** The event files of a run folder, oldest first (by the seconds in their names, then by name). */
export function listEventFiles(runDir: string): string[] {
  const dir = path.resolve(runDir);
  if (!fs.existsSync(dir)) return [];
  const secs = (n: string): number => Number(n.split('.')[3]);
  return fs
    .readdirSync(dir)
    .filter(isEventFileName)
    .sort((a, b) => secs(a) - secs(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map((n) => path.join(dir, n));
}

/**
 * Appends scalars to a new event file of a run folder. The file is created, with its version event, at the first
 * `write`, so a process that writes nothing leaves no file. Each step's scalars are one record appended in one
 * write: a process killed mid-write leaves at most a torn last record, which TensorBoard and `readEventFile` skip.
 */
export class ScalarWriter {
  private file: string | null = null;

  constructor(private readonly runDir: string) {}

  /** The event file written to, or null before the first `write`. */
  get path(): string | null {
    return this.file;
  }

  /** Writes the scalars of `step` (tag -> value; non-finite values are left out, TensorBoard cannot draw them). */
  write(step: number, scalars: Record<string, number>, wallTime = Date.now() / 1000): void {
    const values = Object.entries(scalars)
      .filter(([, v]) => Number.isFinite(v))
      .map(([tag, value]) => ({ tag, value }));
    if (values.length === 0) return;
    const record = tfRecord(encodeEvent({ wallTime, step, values }));
    try {
      if (this.file === null) {
        const file = newEventFile(this.runDir, Math.floor(wallTime));
        fs.appendFileSync(file, Buffer.concat([tfRecord(encodeEvent({ wallTime, step: 0, fileVersion: EVENT_FILE_VERSION })), record]));
        this.file = file;
      } else {
        fs.appendFileSync(this.file, record);
      }
    } catch (e) {
      throw new Error(`cannot write TensorBoard scalars in ${path.resolve(this.runDir)}: ${(e as Error).message}`);
    }
  }
}

/** A fresh event file name of this process: `events.out.tfevents.<secs>.<host>.<pid>`, a counter added if taken. */
function newEventFile(runDir: string, secs: number): string {
  const dir = path.resolve(runDir);
  fs.mkdirSync(dir, { recursive: true });
  const host = os.hostname().replace(/[^\w.-]/g, '_') || 'host';
  const base = path.join(dir, `events.out.tfevents.${secs}.${host}.${process.pid}`);
  let file = base;
  for (let n = 1; fs.existsSync(file); n++) file = `${base}.${n}`;
  return file;
}

/**
 * Drops, from every event file of a run folder, the scalars of steps `>= step` whose tag `keep` rejects (a resumed
 * run writes the training scalars of the steps after its checkpoint again, as `truncateMetrics` does for
 * `metrics.jsonl`), and a torn last record. A file is replaced atomically, and only when something goes; the records
 * kept are copied byte for byte, an event left without scalars goes. A corrupt file is an error naming it.
 */
export function truncateEventFiles(runDir: string, step: number, drop: (tag: string) => boolean): void {
  for (const file of listEventFiles(runDir)) {
    let records: { event: ScalarEvent; record: Buffer }[];
    try {
      records = readEventRecords(file);
    } catch (e) {
      throw new Error(`${(e as Error).message}; move the file out of the run folder to go on (it holds TensorBoard scalars only)`);
    }
    const kept: Buffer[] = [];
    let dropped = false;
    for (const { event, record } of records) {
      const values = event.values === undefined || event.step < step ? undefined : event.values.filter((v) => !drop(v.tag));
      if (values === undefined || values.length === event.values!.length) {
        kept.push(record);
        continue;
      }
      dropped = true;
      if (values.length > 0) kept.push(tfRecord(encodeEvent({ ...event, values })));
    }
    const bytes = Buffer.concat(kept);
    // A torn last record is left out of `records`: the file is then longer than what is kept.
    if (!dropped && bytes.length === fs.statSync(file).size) continue;
    writeFileAtomic(file, bytes);
  }
}
