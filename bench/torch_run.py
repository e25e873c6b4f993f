"""PyTorch side of `npm run bench -- --tasks run`: the wall time of a whole training run (docs: bench/NOTES.md).

The run is the fig16 cpu preset's end-to-end Barlow Twins config (`node dist/lib/cli/main.js reproduce fig16
--scale cpu --show`), as runTraining trains it, for `--steps` steps:
- data: the CIFAR-10 JPEG training tarball (../shared/datasets/cifar10-jpg-train.tar.gz), decoded with PIL
  into memory before the clock starts; 45000 training images (validation fraction 0.1), reshuffled every epoch;
- views: barlowTwinsViewsSmall at 24x24 (lib/data/views.ts) as batched tensor ops in one DataLoader worker,
  one batch per item: random resized crop (scale 0.08-1, ratio 3/4-4/3, bilinear, via affine_grid and
  grid_sample) with horizontal flip, colour jitter with p 0.8 (brightness 0.4, contrast 0.4, saturation 0.2,
  hue 0.1, in a random order per image), grayscale p 0.2, solarization (p 0 / 0.2), normalization;
- model: bench/torch_bench.py's BenchNet backbone (CIFAR stem, basic blocks [1, 1, 1, 1], widths 16-128)
  without its classifier, global spatial pooling (mean), projector 128-256-256-256 (Linear without bias, BN,
  ReLU, Linear, BN, ReLU, Linear), Barlow Twins loss (lambda 0.0051) on the two views;
- optimiser: LARS (lib/optim/lars.ts: momentum 0.9, eta 0.001, weight decay 1e-6 on weights only, bias/BN lr
  x 0.024), lr 0.2 * 128 / 256 with linear warm-up over 0.1 epoch and cosine decay to 0.001 of it;
- at the end, one checkpoint (weights and momenta) written with torch.save, like runTraining's last one.

Threads: `--threads` for the training process (torch.set_num_threads, one inter-op thread) plus the one
DataLoader worker (which torch runs with one thread), like ours: `--threads` compute threads plus the view
worker thread.

Usage: /usr/bin/python3 bench/torch_run.py --steps 60 --threads 2
Prints one JSON line: {"route": "pytorch", "seconds": ..., "msPerStep": [...], "peakRssMB": ..., "losses": [...]}.
"""
import argparse
import io
import json
import math
import os
import resource
import sys
import tarfile
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_bench import BenchNet  # noqa: E402
# One PyTorch copy of the recipe: the loss, LARS and the schedule are the twin's (scripts/twin/twin.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts', 'twin'))
from twin import Lars, barlow_twins, warmup_cosine  # noqa: E402

CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']
MEAN = torch.tensor([0.4914, 0.4822, 0.4465]).view(1, 3, 1, 1)
STD = torch.tensor([0.247, 0.2435, 0.2616]).view(1, 3, 1, 1)
LUMA = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
VIEWS = [{'solarize': 0.0}, {'solarize': 0.2}]
SIZE = 24


def load_images(tarball):
    """All JPEGs of the tarball as a uint8 tensor [N, 3, 32, 32], in name order."""
    images = []
    with tarfile.open(tarball) as tar:
        members = sorted((m for m in tar.getmembers() if m.isfile() and m.name.endswith('.jpg')), key=lambda m: m.name)
        for m in members:
            images.append(np.asarray(Image.open(io.BytesIO(tar.extractfile(m).read())).convert('RGB')))
    return torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous()


def gray(x):
    return (x * LUMA).sum(1, keepdim=True)


def rgb_to_hsv(x):
    r, g, b = x.unbind(1)
    maxc, _ = x.max(1)
    minc, _ = x.min(1)
    cr = maxc - minc
    eq = maxc == minc
    s = cr / torch.where(eq, torch.ones_like(maxc), maxc)
    crd = torch.where(eq, torch.ones_like(cr), cr)
    rc, gc, bc = (maxc - r) / crd, (maxc - g) / crd, (maxc - b) / crd
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = torch.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return h, s, maxc


def hsv_to_rgb(h, s, v):
    # The sector-free form (lib/data adjustHue): c = v - v s max(0, min(k, 4 - k, 1)), k = (n + 6 h) mod 6.
    out = []
    for n in (5, 3, 1):
        k = torch.fmod(n + 6 * h, 6)
        out.append(v - v * s * torch.clamp(torch.minimum(k, 4 - k), 0, 1))
    return torch.stack(out, 1)


def brightness(x, f):
    return (x * f).clamp(0, 1)


def contrast(x, f):
    return (f * x + (1 - f) * gray(x).mean((1, 2, 3), keepdim=True)).clamp(0, 1)


def saturation(x, f):
    return (f * x + (1 - f) * gray(x)).clamp(0, 1)


def hue(x, f):
    h, s, v = rgb_to_hsv(x)
    return hsv_to_rgb(torch.fmod(h + f.view(-1, 1, 1) + 1.0, 1.0), s, v)


def crop_boxes(n, g, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3), tries=10):
    """torchvision's RandomResizedCrop boxes for n 32x32 images, [n] each of h, w, top, left (pixels)."""
    area = 32.0 * 32.0
    s = torch.empty(n, tries).uniform_(*scale, generator=g) * area
    r = torch.exp(torch.empty(n, tries).uniform_(math.log(ratio[0]), math.log(ratio[1]), generator=g))
    w = torch.sqrt(s * r).round()
    h = torch.sqrt(s / r).round()
    ok = (w > 0) & (h > 0) & (w <= 32) & (h <= 32)
    first = torch.where(ok.any(1), ok.float().argmax(1), torch.full((n,), -1, dtype=torch.long))
    pick = first.clamp(min=0)
    h = torch.where(first >= 0, h.gather(1, pick[:, None])[:, 0], torch.full((n,), 32.0))
    w = torch.where(first >= 0, w.gather(1, pick[:, None])[:, 0], torch.full((n,), 32.0))
    top = (torch.rand(n, generator=g) * (33 - h)).floor()
    left = (torch.rand(n, generator=g) * (33 - w)).floor()
    return h, w, top, left


def view(x, solarize_p, g):
    """One Barlow Twins view of a float batch [N, 3, 32, 32] in [0, 1], as [N, 3, 24, 24]."""
    n = x.shape[0]
    h, w, top, left = crop_boxes(n, g)
    flip = torch.where(torch.rand(n, generator=g) < 0.5, -1.0, 1.0)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = w / 32 * flip
    theta[:, 0, 2] = (left + w / 2) / 16 - 1
    theta[:, 1, 1] = h / 32
    theta[:, 1, 2] = (top + h / 2) / 16 - 1
    grid = F.affine_grid(theta, [n, 3, SIZE, SIZE], align_corners=False)
    x = F.grid_sample(x, grid, mode='bilinear', padding_mode='border', align_corners=False)
    jitter = torch.rand(n, generator=g) < 0.8
    order = torch.rand(n, 4, generator=g).argsort(1)
    factors = [torch.empty(n).uniform_(0.6, 1.4, generator=g), torch.empty(n).uniform_(0.6, 1.4, generator=g),
               torch.empty(n).uniform_(0.8, 1.2, generator=g), torch.empty(n).uniform_(-0.1, 0.1, generator=g)]
    ops = [brightness, contrast, saturation, hue]
    for k in range(4):
        for o, op in enumerate(ops):
            idx = torch.nonzero(jitter & (order[:, k] == o))[:, 0]
            if len(idx):
                f = factors[o][idx]
                x[idx] = op(x[idx], f if o == 3 else f.view(-1, 1, 1, 1))
    gidx = torch.nonzero(torch.rand(n, generator=g) < 0.2)[:, 0]
    x[gidx] = gray(x[gidx]).expand(-1, 3, -1, -1)
    sol = (torch.rand(n, generator=g) < solarize_p).view(-1, 1, 1, 1)
    x = torch.where(sol & (x >= 128 / 255), 1 - x, x)
    return (x - MEAN) / STD


class StepViews(torch.utils.data.Dataset):
    """Item s: the two views of step s's batch (a permutation per epoch of the training images), seeded by s."""

    def __init__(self, images, batch, steps, seed=0):
        self.images, self.batch, self.steps, self.seed = images, batch, steps, seed
        self.per_epoch = len(images) // batch

    def __len__(self):
        return self.steps

    def __getitem__(self, s):
        epoch, k = divmod(s, self.per_epoch)
        perm = torch.randperm(len(self.images), generator=torch.Generator().manual_seed(self.seed + epoch))
        x = self.images[perm[k * self.batch:(k + 1) * self.batch]].float() / 255
        g = torch.Generator().manual_seed(1_000_003 * (self.seed + 1) + s)
        return view(x.clone(), VIEWS[0]['solarize'], g), view(x, VIEWS[1]['solarize'], g)


class EndToEnd(nn.Module):
    def __init__(self, projector=(256, 256, 256)):
        super().__init__()
        net = BenchNet()
        self.backbone = nn.Sequential(net.stem, net.bn, nn.ReLU(), net.blocks)
        widths, layers = (128,) + tuple(projector), []
        for i in range(len(widths) - 1):
            layers.append(nn.Linear(widths[i], widths[i + 1], bias=False))
            if i < len(widths) - 2:
                layers += [nn.BatchNorm1d(widths[i + 1]), nn.ReLU()]
        self.projector = nn.Sequential(*layers)

    def forward(self, x):
        return self.projector(self.backbone(x).mean(dim=(2, 3)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--task', default='run')
    ap.add_argument('--steps', type=int, default=60)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--batch', type=int, default=128)
    ap.add_argument('--data', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared', 'datasets', 'cifar10-jpg-train.tar.gz'))
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    images = load_images(a.data)
    train = images[torch.randperm(len(images), generator=torch.Generator().manual_seed(0))[:len(images) * 9 // 10]]
    del images
    torch.manual_seed(0)
    model = EndToEnd()
    opt = Lars(model.parameters(), momentum=0.9, eta=0.001, weight_decay=1e-6, bias_lr_multiplier=0.024)
    per_epoch = len(train) // a.batch
    base = 0.2 * a.batch / 256
    warmup = round(0.1 * per_epoch)
    warmup = 0 if a.steps <= warmup else warmup  # as bench/tfjs_bench.ts fig16Config

    lr = warmup_cosine(base, warmup, a.steps, 0.001)

    losses = []
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        loader = torch.utils.data.DataLoader(StepViews(train, a.batch, a.steps), batch_size=None, shuffle=False, num_workers=1, prefetch_factor=2)
        for s, (v1, v2) in enumerate(loader):
            for p in model.parameters():
                p.grad = None
            loss = barlow_twins(model(v1), model(v2), 0.0051, 1.0)
            loss.backward()
            opt.step(lr(s))
            losses.append(loss.item())
        torch.save({'model': model.state_dict(), 'momenta': opt.mu}, os.path.join(tmp, 'checkpoint.pt'))
        seconds = time.perf_counter() - t0
    del loader
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({'route': 'pytorch', 'task': 'run', 'threads': a.threads, 'steps': a.steps, 'batch': a.batch, 'seconds': seconds,
                      'msPerStep': [1000 * seconds / a.steps], 'peakRssMB': peak / 1024, 'losses': losses}))


if __name__ == '__main__':
    main()
