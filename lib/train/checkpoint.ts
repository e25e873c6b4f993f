import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { Module, NamedVariable } from '../nn/module';
import { OptimizerState, SavedTensor } from '../optim/optimizer';

/** Where a checkpoint stands in its run. */
export interface CheckpointState {
  /** Steps completed: the run continues with global step `step` (0-based). */
  step: number;
  /** Index of the phase the stored optimiser state belongs to (the phase of step `step - 1`). */
  phase: number;
  /** The training images it was trained on, checked on resume. */
  dataset: { name: string; size: number; imageShape: number[] };
  /** When it was written (ISO 8601). */
  written: string;
}

/**
 * Everything a run needs to continue: its position, the model's parameters and buffers (batch-norm running
 * statistics) by name, and the optimiser state (momentum buffers) by parameter name. The data order, the
 * augmentations and the noise of every step are functions of (seed, step), so the position is all the
 * random state there is.
 */
export interface Checkpoint {
  state: CheckpointState;
  weights: Record<string, SavedTensor>;
  optimizer: OptimizerState;
}

const MAGIC = 'BWSSLCK1';

interface TensorIndexEntry {
  section: 'weights' | 'optimizer';
  name: string;
  shape: number[];
  /** Offset of the first value in the data part, in float32 values. */
  offset: number;
}

interface CheckpointHeader {
  format: 'blockwise-ssl-checkpoint';
  version: 1;
  state: CheckpointState;
  tensors: TensorIndexEntry[];
  /**
   * SHA-256 (hex) of the header's JSON without this field, followed by every tensor's values in index order. Absent in checkpoints written
   * before it existed, which load unchecked.
   */
  sha256?: string;
}

/** `'name' holds NaN at index i` for the first tensor with a non-finite value, or null when all are finite. */
export function firstNonFinite(tensors: Record<string, SavedTensor>): string | null {
  for (const [name, t] of Object.entries(tensors)) {
    const i = t.values.findIndex((v) => !Number.isFinite(v));
    if (i >= 0) return `'${name}' holds ${t.values[i]} at index ${i}`;
  }
  return null;
}

function checkLittleEndian(): void {
  if (os.endianness() !== 'LE') throw new Error('checkpoint: the binary format is little-endian float32; this machine is big-endian');
}

/** Copies of a module's parameters and buffers, by name (a synchronous read-back). */
export function moduleTensors(module: Module): Record<string, SavedTensor> {
  const out: Record<string, SavedTensor> = {};
  for (const { name, variable } of [...module.parameters(), ...module.buffers()]) {
    if (name in out) throw new Error(`moduleTensors: two variables are named '${name}'`);
    out[name] = { shape: [...variable.shape], values: new Float32Array(variable.dataSync() as Float32Array) };
  }
  return out;
}

/**
 * Assigns stored tensors to variables by name. Every variable must have an entry of its shape; with `strict`
 * (default) every entry must have a variable too. Nothing is assigned unless everything checks out.
 */
export function restoreVariables(vars: NamedVariable[], tensors: Record<string, SavedTensor>, { strict = true, source = 'checkpoint' } = {}): void {
  const names = new Set(vars.map((v) => v.name));
  const missing = vars.filter((v) => !(v.name in tensors)).map((v) => v.name);
  const unexpected = strict ? Object.keys(tensors).filter((n) => !names.has(n)) : [];
  if (missing.length > 0 || unexpected.length > 0) {
    throw new Error(`restoreVariables: ${source} is missing [${missing.join(', ')}] and has unexpected [${unexpected.join(', ')}]`);
  }
  for (const { name, variable } of vars) {
    const t = tensors[name];
    if (!tf.util.arraysEqual(t.shape, variable.shape) || t.values.length !== variable.size) {
      throw new Error(`restoreVariables: '${name}' has shape [${t.shape}] (${t.values.length} values) in ${source}, [${variable.shape}] in the model`);
    }
  }
  for (const { name, variable } of vars) {
    const t = tensors[name];
    tf.tidy(() => variable.assign(tf.tensor(t.values, t.shape, 'float32')));
  }
}

/**
 * Writes a checkpoint as one binary file: the 8-byte magic `BWSSLCK1`, a little-endian uint32 header length,
 * a JSON header (state and a tensor index: section, name, shape, offset), zero padding to a multiple of 4
 * bytes, then every tensor's float32 values, little-endian, back to back. The header holds a SHA-256 checksum
 * of itself (without the checksum) and of the values, which `readCheckpoint` checks. (The training loop checks
 * that the values are finite before it saves.) The file appears under its name only once complete (written to
 * a temporary name, then renamed), so a killed run never leaves a torn one.
 */
export async function writeCheckpoint(file: string, checkpoint: Checkpoint): Promise<void> {
  checkLittleEndian();
  const tensors: TensorIndexEntry[] = [];
  const data: Float32Array[] = [];
  let offset = 0;
  for (const section of ['weights', 'optimizer'] as const) {
    for (const [name, t] of Object.entries(checkpoint[section])) {
      if (t.values.length !== t.shape.reduce((a, b) => a * b, 1)) {
        throw new Error(`writeCheckpoint: '${name}' has ${t.values.length} values for shape [${t.shape}]`);
      }
      tensors.push({ section, name, shape: [...t.shape], offset });
      data.push(t.values);
      offset += t.values.length;
    }
  }
  const unsigned: CheckpointHeader = { format: 'blockwise-ssl-checkpoint', version: 1, state: checkpoint.state, tensors };
  const bytes = data.map((values) => new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  const hash = createHash('sha256').update(JSON.stringify(unsigned), 'utf8');
  for (const b of bytes) hash.update(b);
  const header: CheckpointHeader = { ...unsigned, sha256: hash.digest('hex') };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const headLength = 12 + json.length;
  const prefix = Buffer.alloc(headLength + ((4 - (headLength % 4)) % 4));
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(json.length, 8);
  json.copy(prefix, 12);
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fh = await fs.promises.open(tmp, 'w');
    try {
      await fh.write(prefix);
      for (const b of bytes) await fh.write(b);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(tmp, file);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw new Error(`writeCheckpoint: cannot write ${file}: ${(e as Error).message}`);
  }
}

/**
 * Reads a checkpoint written by `writeCheckpoint`, checking its magic, header, length and checksum (when it has
 * one: older checkpoints load unchecked). A damaged file is an error naming it.
 */
export async function readCheckpoint(file: string): Promise<Checkpoint> {
  checkLittleEndian();
  const damaged = (why: string): Error => new Error(`readCheckpoint: ${file} is damaged (${why}); delete it to resume from the checkpoint before it`);
  const fh = await fs.promises.open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const start = Buffer.alloc(12);
    await fh.read(start, 0, 12, 0);
    if (size < 12 || start.toString('latin1', 0, 8) !== MAGIC) throw new Error(`readCheckpoint: ${file} is not a blockwise-ssl checkpoint`);
    const jsonLength = start.readUInt32LE(8);
    if (12 + jsonLength > size) throw damaged(`its header length ${jsonLength} runs past the end of its ${size} bytes`);
    const json = Buffer.alloc(jsonLength);
    await fh.read(json, 0, jsonLength, 12);
    let header: CheckpointHeader;
    try {
      header = JSON.parse(json.toString('utf8')) as CheckpointHeader;
    } catch (e) {
      throw damaged(`its header is not valid JSON: ${(e as Error).message}`);
    }
    if (header.format !== 'blockwise-ssl-checkpoint' || header.version !== 1) throw new Error(`readCheckpoint: ${file} has an unknown header format`);
    const dataStart = 12 + jsonLength + ((4 - ((12 + jsonLength) % 4)) % 4);
    const total = header.tensors.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
    if (size !== dataStart + 4 * total) throw new Error(`readCheckpoint: ${file} has ${size} bytes, its index needs ${dataStart + 4 * total}`);
    const { sha256, ...unsigned } = header;
    const hash = createHash('sha256').update(JSON.stringify(unsigned), 'utf8');
    const out: Checkpoint = { state: header.state, weights: {}, optimizer: {} };
    for (const t of header.tensors) {
      const values = new Float32Array(t.shape.reduce((a, b) => a * b, 1));
      const bytes = new Uint8Array(values.buffer);
      await fh.read(bytes, 0, bytes.byteLength, dataStart + 4 * t.offset);
      hash.update(bytes);
      out[t.section][t.name] = { shape: t.shape, values };
    }
    if (sha256 !== undefined) {
      const actual = hash.digest('hex');
      if (actual !== sha256) throw damaged(`its SHA-256 checksum is ${actual}, its header says ${sha256}`);
    }
    return out;
  } finally {
    await fh.close();
  }
}

/** A checkpoint file of a run: `checkpoints/step-00000100.ckpt` holds the state after 100 steps. */
export function checkpointFile(checkpointDir: string, step: number): string {
  return path.join(checkpointDir, `step-${String(step).padStart(8, '0')}.ckpt`);
}

/** The complete checkpoints in a folder, oldest first. */
export function listCheckpoints(checkpointDir: string): { step: number; file: string }[] {
  if (!fs.existsSync(checkpointDir)) return [];
  return fs
    .readdirSync(checkpointDir)
    .map((f) => /^step-(\d+)\.ckpt$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ step: Number(m[1]), file: path.join(checkpointDir, m[0]) }))
    .sort((a, b) => a.step - b.step);
}

/** Deletes all but the newest `keep` checkpoints (and temporary files of interrupted writes). */
export function pruneCheckpoints(checkpointDir: string, keep: number): void {
  const all = listCheckpoints(checkpointDir);
  for (const { file } of all.slice(0, Math.max(0, all.length - keep))) fs.rmSync(file, { force: true });
  for (const f of fs.readdirSync(checkpointDir)) if (/\.ckpt\.tmp-\d+$/.test(f)) fs.rmSync(path.join(checkpointDir, f), { force: true });
}
