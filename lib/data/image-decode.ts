import type { OutputInfo } from 'sharp';

type SharpConstructor = typeof import('sharp').default;

let loaded: SharpConstructor | null = null;

/**
 * sharp (libvips), loaded on first use so that datasets which need no image decoding never load the native
 * library. Each decode is a separate job on libuv's thread pool; one libvips thread per job keeps small images
 * from paying thread start-up costs, and sharp's operation cache only helps when the same file is read twice.
 */
export async function sharpLibrary(): Promise<SharpConstructor> {
  if (!loaded) {
    const lib = (await import('sharp')).default;
    lib.concurrency(1);
    lib.cache(false);
    loaded = lib;
  }
  return loaded;
}

/** How `decodeImage` shapes its output. */
export interface DecodeOptions {
  /** Expected (or, with `resize`, produced) height and width; `null` accepts whatever size the image has. */
  size: readonly [number, number] | null;
  /** 3: sRGB (gray and CMYK images are converted, alpha dropped); 1: luminance. */
  channels: 1 | 3;
  /**
   * Shortest-side resize to `size` followed by a centre crop (sharp `fit: 'cover'`, lanczos3 filter, which
   * antialiases when shrinking). Without it an image of another size is an error: sizes are never changed
   * silently.
   */
  resize: boolean;
}

/** Decoded pixels `[height, width, channels]` uint8. */
export interface DecodedImage {
  pixels: Uint8Array;
  height: number;
  width: number;
  channels: number;
}

/**
 * Decodes an encoded image (JPEG, PNG, WebP, ... whatever libvips reads) with sharp. `where` names the image
 * in errors (file and index), which report undecodable bytes and unexpected sizes.
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions, where: string): Promise<DecodedImage> {
  if (options.resize && options.size === null) throw new Error(`decodeImage: resize needs a size (${where})`);
  if (bytes.length === 0) throw new Error(`cannot decode ${where}: the file is empty (0 bytes)`);
  const sharp = await sharpLibrary();
  let out: { data: Buffer; info: OutputInfo };
  try {
    // Inside the try: sharp rejects some inputs already when the pipeline is built.
    let pipeline = sharp(bytes).removeAlpha();
    pipeline = options.channels === 3 ? pipeline.toColourspace('srgb') : pipeline.toColourspace('b-w');
    if (options.resize && options.size) {
      pipeline = pipeline.resize({ height: options.size[0], width: options.size[1], fit: 'cover', position: 'centre' });
    }
    out = await pipeline.raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new Error(`cannot decode ${where}: ${(e as Error).message}`);
  }
  const { width, height, channels } = out.info;
  if (channels !== options.channels) {
    throw new Error(`${where} decoded to ${channels} channels, expected ${options.channels}`);
  }
  if (options.size && (height !== options.size[0] || width !== options.size[1])) {
    throw new Error(
      `${where} is ${height}x${width} (HxW), expected ${options.size[0]}x${options.size[1]}; ` +
        'ask for resizing (resize: true, or --resize in the data-scripts) to resize it (shortest side, then centre crop)',
    );
  }
  return { pixels: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.length), height, width, channels };
}
