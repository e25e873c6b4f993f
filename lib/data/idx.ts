import * as fs from 'fs';
import * as zlib from 'zlib';
import { promisify } from 'util';

const gunzip = promisify(zlib.gunzip);

/** An unsigned-byte array read from an idx file (the MNIST / Fashion-MNIST format): row-major `data` of `shape`. */
export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

/**
 * Parses an idx file: two zero bytes, a type byte (only 0x08, unsigned byte, is used by (Fashion-)MNIST and
 * accepted here), the number of dimensions, each dimension as a big-endian uint32, then the data.
 * `file` names the source in error messages.
 */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(`idx: ${file} does not start with an idx magic number (two zero bytes)`);
  }
  if (bytes[2] !== 0x08) {
    throw new Error(`idx: ${file} holds element type 0x${bytes[2].toString(16)}, only 0x08 (unsigned byte) is supported`);
  }
  const ndim = bytes[3];
  const header = 4 + 4 * ndim;
  if (ndim === 0 || bytes.length < header) throw new Error(`idx: ${file} has a truncated header (${ndim} dimensions)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let d = 0; d < ndim; d++) shape.push(view.getUint32(4 + 4 * d, false));
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length - header !== count) {
    throw new Error(
      `idx: ${file} declares shape [${shape.join(', ')}] (${count} bytes of data) but holds ${bytes.length - header}`,
    );
  }
  return { shape, data: bytes.subarray(header) };
}

/** Reads an idx file, gunzipping it first when it starts with the gzip magic bytes. */
export async function readIdxFile(file: string): Promise<IdxArray> {
  let bytes: Uint8Array = await fs.promises.readFile(file);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await gunzip(bytes);
    } catch (e) {
      throw new Error(`idx: ${file} is not a valid gzip file: ${(e as Error).message}`);
    }
  }
  return parseIdx(bytes, file);
}
