"""Do our training views and the twin's have the same statistics? Not the ops (test/scripts/twin.test.ts checks them
on shared draws) but the sampled distributions: brightness, contrast and saturation of the views, the share of
grayscale views and the mean absolute difference between the two views of an image (the augmentation's strength).

  node scripts/twin/view-stats.js runs/twin-data/fig4-cifar10-long end-to-end /tmp/ours-views.f32
  /usr/bin/python3 scripts/twin/view-stats.py runs/twin-data/fig4-cifar10-long end-to-end /tmp/ours-views.f32

Prints each statistic as mean +- its standard error over the repeats on each side.
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import twin  # noqa: E402


def stats(v1, v2, mean, std):
    """Statistics of two views [N, S, S, C] (normalised), on the [0, 1] pixel scale."""
    u1, u2 = v1 * std + mean, v2 * std + mean
    gray = lambda u: np.mean(np.all(np.abs(u - u[..., :1]) < 1e-4, axis=(1, 2, 3)))  # noqa: E731
    return {'pixel mean': u1.mean(), 'pixel std': u1.std(), 'per-image std': u1.std(axis=(1, 2, 3)).mean(),
            'std of image means': u1.mean(axis=(1, 2, 3)).std(), 'saturation (max - min)': (u1.max(-1) - u1.min(-1)).mean(),
            'grayscale share, view 1': gray(u1), 'grayscale share, view 2': gray(u2), '|view 1 - view 2|': np.abs(u1 - u2).mean(),
            'view 2 pixel mean': u2.mean()}


def main():
    if len(sys.argv) not in (4, 5):
        raise SystemExit('usage: view-stats.py DATA_DIR RUN OURS_VIEWS_FILE [N=4096, as given to view-stats.js]')
    data, run, ours_file = sys.argv[1:4]
    n = int(sys.argv[4]) if len(sys.argv) == 5 else 4096
    meta = json.load(open(os.path.join(data, 'meta.json')))
    views = meta['runs'][run]['data']['views']
    H, W, C = meta['imageShape']
    size = views['view1']['crop']['size']
    o = np.fromfile(ours_file, dtype=np.float32)
    per = size * size * C
    if o.size % (2 * n * per) != 0:
        raise SystemExit(f'view-stats.py: {ours_file} ({o.size} values) does not hold pairs of {size}x{size}x{C} views of {n} images')
    o = o.reshape(-1, n, size, size, C)
    x = np.fromfile(os.path.join(data, 'train.u8'), dtype=np.uint8, count=n * H * W * C).reshape(n, H, W, C)
    xt = torch.from_numpy(x).permute(0, 3, 1, 2).float() / 255
    mean = np.array(views['view1']['normalize']['mean']).reshape(1, 1, 1, C)
    std = np.array(views['view1']['normalize']['std']).reshape(1, 1, 1, C)
    ours = [stats(o[2 * r], o[2 * r + 1], mean, std) for r in range(o.shape[0] // 2)]
    g = torch.Generator().manual_seed(7)
    theirs = []
    for _ in range(len(ours)):
        a = twin.make_view(xt.clone(), views['view1'], g).permute(0, 2, 3, 1).numpy()
        b = twin.make_view(xt.clone(), views['view2'], g).permute(0, 2, 3, 1).numpy()
        theirs.append(stats(a, b, mean, std))
    print(f'{len(ours)} repeats of {n} images, {size}x{size} views of run {run}: ours | twin (mean +- standard error)')
    for k in ours[0]:
        a, b = np.array([s[k] for s in ours]), np.array([s[k] for s in theirs])
        se = lambda v: v.std(ddof=1) / np.sqrt(len(v))  # noqa: E731
        print(f'{k:26s} {a.mean():.4f} +- {se(a):.4f} | {b.mean():.4f} +- {se(b):.4f}')


if __name__ == '__main__':
    main()
