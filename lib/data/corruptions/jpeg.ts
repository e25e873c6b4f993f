import * as tf from '@tensorflow/tfjs-core';
import type { OutputInfo, Sharp } from 'sharp';
import { sharpLibrary } from '../image-decode';
import { SeverityTable, pick } from './severity';

/** JPEG compression: an encode and decode at quality c (PIL `save(..., 'JPEG', quality=c)` in the benchmark). */
export const JPEG_QUALITY: SeverityTable<number> = {
  cifar: [80, 65, 58, 50, 40],
  imagenet: [25, 18, 15, 10, 7],
};

/**
 * Each image is rounded to 8 bits and encoded with sharp (libvips) at quality c with PIL's other defaults:
 * baseline, 4:2:0 chroma subsampling, the standard (Annex K) quantisation tables scaled by quality, no
 * trellis quantisation. sharp's bundled encoder is mozjpeg and PIL's is libjpeg(-turbo), so outputs agree
 * with PIL's to within a few 8-bit levels per pixel, not bit for bit (the test states the tolerance).
 * Grayscale (C = 1) and RGB (C = 3) images only. Asynchronous because sharp is.
 */
export async function jpegCompression(x: tf.Tensor4D, severity: number): Promise<tf.Tensor4D> {
  const [n, h, w, ch] = x.shape;
  if (ch !== 1 && ch !== 3) throw new Error(`corrupt(jpeg_compression): needs 1 or 3 channels, got ${ch}`);
  const quality = pick(JPEG_QUALITY, severity, h, w);
  const sharp = await sharpLibrary();
  const v = x.dataSync();
  const per = h * w * ch;
  const out = new Float32Array(v.length);
  for (let i = 0; i < n; i++) {
    const pixels = Buffer.alloc(per);
    for (let j = 0; j < per; j++) pixels[j] = Math.round(Math.min(1, Math.max(0, v[i * per + j])) * 255);
    const encoded: Buffer = await sharp(pixels, { raw: { width: w, height: h, channels: ch } })
      .jpeg({ quality, chromaSubsampling: '4:2:0', mozjpeg: false, trellisQuantisation: false,
        overshootDeringing: false, optimiseScans: false, optimiseCoding: false, quantisationTable: 0 })
      .toBuffer();
    let decoded: Sharp = sharp(encoded);
    decoded = ch === 3 ? decoded.toColourspace('srgb') : decoded.toColourspace('b-w');
    const { data, info }: { data: Buffer; info: OutputInfo } = await decoded.raw().toBuffer({ resolveWithObject: true });
    if (info.width !== w || info.height !== h || info.channels !== ch)
      throw new Error(`corrupt(jpeg_compression): decoded ${info.width}x${info.height}x${info.channels}, expected ${w}x${h}x${ch}`);
    for (let j = 0; j < per; j++) out[i * per + j] = data[j] / 255;
  }
  return tf.tensor4d(out, x.shape);
}
