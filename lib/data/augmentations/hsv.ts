import * as tf from '@tensorflow/tfjs-core';

/**
 * RGB -> HSV for images in [0, 1]: `[N, H, W, 3]` -> `[N, H, W, 3]` holding hue in [0, 1), saturation, value.
 * The formulas are torchvision's `_rgb2hsv`, written with arithmetic masks instead of boolean selects.
 */
export function rgbToHsv(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [r, g, b] = tf.unstack(images, 3) as tf.Tensor3D[];
    const maxc = tf.max(images, 3);
    const minc = tf.min(images, 3);
    const eqc = tf.equal(maxc, minc);
    const cr = tf.sub(maxc, minc);
    const ones = tf.onesLike(maxc);
    const s = tf.div(cr, tf.where(eqc, ones, maxc));
    const crDivisor = tf.where(eqc, ones, cr);
    const rc = tf.div(tf.sub(maxc, r), crDivisor);
    const gc = tf.div(tf.sub(maxc, g), crDivisor);
    const bc = tf.div(tf.sub(maxc, b), crDivisor);
    const isR = tf.equal(maxc, r);
    const isG = tf.logicalAnd(tf.equal(maxc, g), tf.logicalNot(isR));
    const isB = tf.logicalNot(tf.logicalOr(isR, isG));
    const hr = tf.mul(tf.cast(isR, 'float32'), tf.sub(bc, gc));
    const hg = tf.mul(tf.cast(isG, 'float32'), tf.add(2, tf.sub(rc, bc)));
    const hb = tf.mul(tf.cast(isB, 'float32'), tf.add(4, tf.sub(gc, rc)));
    const h = tf.mod(tf.add(tf.div(tf.addN([hr, hg, hb]), 6), 1), 1);
    return tf.stack([h, s, maxc], 3) as tf.Tensor4D;
  });
}

/** HSV -> RGB, the inverse of `rgbToHsv` (torchvision's `_hsv2rgb`): `[N, H, W, 3]` -> `[N, H, W, 3]`. */
export function hsvToRgb(hsv: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [h, s, v] = tf.unstack(hsv, 3) as tf.Tensor3D[];
    const h6 = tf.mul(h, 6);
    const i = tf.floor(h6);
    const f = tf.sub(h6, i);
    const p = tf.clipByValue(tf.mul(v, tf.sub(1, s)), 0, 1);
    const q = tf.clipByValue(tf.mul(v, tf.sub(1, tf.mul(s, f))), 0, 1);
    const t = tf.clipByValue(tf.mul(v, tf.sub(1, tf.mul(s, tf.sub(1, f)))), 0, 1);
    // Sector of the hue circle, 0..5, one-hot over the last axis.
    const sector = tf.oneHot(tf.cast(tf.mod(i, 6), 'int32'), 6);
    const pick = (table: tf.Tensor[]): tf.Tensor => tf.sum(tf.mul(sector, tf.stack(table, 3)), 3);
    return tf.stack([pick([v, q, p, p, t, v]), pick([t, v, v, q, p, p]), pick([p, p, t, v, v, q])], 3) as tf.Tensor4D;
  });
}
