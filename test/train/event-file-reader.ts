import * as fs from 'fs';

/**
 * An event-file reader for tests, written apart from lib/train/tensorboard.ts (which encodes with protobufjs and a
 * table CRC): a bit-by-bit CRC-32C and a hand decoder of the protobuf wire format, after TFRecord's and
 * tensorflow/core/util/event.proto's (Event: 1 wall_time double, 2 step int64, 3 file_version string, 5 summary;
 * Summary: 1 repeated value; Summary.Value: 1 tag string, 2 simple_value float).
 */

/** CRC-32C, bit by bit. */
export function crc32cBitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0x82f63b78 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}

function masked(bytes: Uint8Array): number {
  const c = crc32cBitwise(bytes);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}

export interface DecodedEvent {
  wallTime: number;
  step: number;
  fileVersion: string | null;
  values: { tag: string; value: number }[];
}

/** Fields of a protobuf message: field number -> raw values (a number for varints, bytes otherwise). */
function fields(buf: Buffer): Map<number, (number | Buffer)[]> {
  const out = new Map<number, (number | Buffer)[]>();
  let at = 0;
  const varint = (): number => {
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = buf[at++];
      v += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) return v;
    }
  };
  while (at < buf.length) {
    const key = varint();
    const [field, wire] = [Math.floor(key / 8), key % 8];
    let value: number | Buffer;
    if (wire === 0) value = varint();
    else if (wire === 1) value = buf.subarray(at, (at += 8));
    else if (wire === 2) {
      const n = varint();
      value = buf.subarray(at, (at += n));
    } else if (wire === 5) value = buf.subarray(at, (at += 4));
    else throw new Error(`wire type ${wire} of field ${field}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

/** Every record of an event file, checksums checked (a mismatch or a torn record throws). */
export function decodeEventFile(file: string): DecodedEvent[] {
  const bytes = fs.readFileSync(file);
  const events: DecodedEvent[] = [];
  let at = 0;
  while (at < bytes.length) {
    const n = Number(bytes.readBigUInt64LE(at));
    if (bytes.readUInt32LE(at + 8) !== masked(bytes.subarray(at, at + 8))) throw new Error(`${file}@${at}: length CRC`);
    const data = bytes.subarray(at + 12, at + 12 + n);
    if (data.length !== n || at + 16 + n > bytes.length) throw new Error(`${file}@${at}: torn record`);
    if (bytes.readUInt32LE(at + 12 + n) !== masked(data)) throw new Error(`${file}@${at}: data CRC`);
    const f = fields(data);
    const summary = f.get(5)?.[0] as Buffer | undefined;
    const values = summary
      ? (fields(summary).get(1) ?? []).map((v) => {
          const vf = fields(v as Buffer);
          return { tag: (vf.get(1)![0] as Buffer).toString('utf8'), value: (vf.get(2)![0] as Buffer).readFloatLE(0) };
        })
      : [];
    events.push({
      wallTime: (f.get(1)?.[0] as Buffer | undefined)?.readDoubleLE(0) ?? 0,
      step: (f.get(2)?.[0] as number | undefined) ?? 0,
      fileVersion: f.has(3) ? (f.get(3)![0] as Buffer).toString('utf8') : null,
      values,
    });
    at += 16 + n;
  }
  return events;
}

/** The scalars of all event files given, as `tag@step` -> values (in file order, so a duplicate shows). */
export function scalarsByTagStep(files: readonly string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const file of files) {
    for (const e of decodeEventFile(file)) {
      for (const v of e.values) out.set(`${v.tag}@${e.step}`, [...(out.get(`${v.tag}@${e.step}`) ?? []), v.value]);
    }
  }
  return out;
}
