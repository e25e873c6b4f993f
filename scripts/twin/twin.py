"""The PyTorch twin of one run of a preset: trains it and probes it as `reproduce` does, on the same images.

An independent implementation (Debian's python3-torch) of what `node dist/lib/cli/main.js reproduce fig4 --scale
cifar10-long --runs <run>` trains and probes, for comparing whole runs (docs: RESULTS.md, "Run-level agreement with
PyTorch"; the driver is scripts/twin/run.sh). It reads the data folder that `node dist/scripts/twin/export-data.js`
writes: the run's training split, the probe's training subset and the held-out images, as our library carves and
decodes them, and the resolved configs of the runs (`meta.json`), whose numbers it uses:

- model: the CIFAR-stem basic-block ResNet of `model.backbone` (3x3 stem conv, BN, ReLU; one stage per width,
  strides 1, 2, 2, 2; 1x1 conv + BN shortcut where the shape changes), convs kaiming-normal (fan_out, ReLU), BN 1 / 0,
  the last BN of each residual branch at 0 (zero_init_residual); cut into the four training blocks stem + layer1,
  layer2, layer3, layer4 (`simultaneous`: stop-gradient between blocks) or one block (`end-to-end`);
- heads: `gsp` (mean over positions) or `cbe` (k x k conv without bias, PyTorch's default init, BN, ReLU, mean);
  projectors Linear (no bias) -> BN -> ReLU ... -> Linear, PyTorch's default init, one copy of the first projector
  per block (the authors' deep copy) when the widths agree;
- feature noise at every block output in train mode: x + sigma * eps * x.std() (unbiased std over the whole
  tensor, gradient through it), the noised output feeding the next block;
- Barlow Twins per block (BN-standardised embeddings, eps 1e-5, lambda, invariance target), block losses summed;
- LARS: weights (ndim > 1) get weight decay and the trust ratio eta * ||p|| / ||g + wd p||, 1-D parameters
  (BN) plain momentum at lr * biasLrMultiplier; lr = baseLr * batch / 256, linear warm-up over
  round(warmupEpochs * stepsPerEpoch) steps, cosine to finalLrFraction; steps = round(epochs * floor(N / batch)),
  every epoch a fresh permutation in full batches (the last, smaller batch dropped);
- views: the recipe of `data.views` (random resized crop as torchvision's get_params, resampled bilinearly at
  the points our `cropResize` uses: half-pixel centres when shrinking, the crop's first and last pixel centres
  when enlarging; flip; colour jitter in a random order per image; grayscale with luma 0.2989 / 0.587 / 0.114;
  solarize; normalize), blur unsupported (the recipe has p 0);
- probes as `probeRun`: eval mode (running BN statistics, no noise), images through the evaluation transform
  (centre crop of evalCropFraction resized to the view size, the views' normalization); `head` features per
  training block (reported at the block's last stage) and `gsp` features (mean of every stage's output); each
  standardised with the training features' mean and population std, then a linear probe (N(0, 0.01) weights,
  bias 0, SGD momentum 0.9, weight decay 1e-6 on all parameters, lr cosine per epoch from the preset's lr to 0,
  its batch size with the last smaller batch kept, a fresh order every epoch), top-1 on the held-out images.

Deliberate differences from our run: every random draw is the twin's own (torch's generators: weights, data order,
views, noise, probe init and order), and the views are made in the training process (ours: a worker thread). The
images themselves are ours (the export), so the split and the JPEG decoding are not differences.

Usage: /usr/bin/python3 scripts/twin/twin.py --data runs/twin-data/fig4-cifar10-long --run end-to-end --seed 0
       --epochs 1 --warmup-epochs 0.05 --threads 1 --out runs/twin-torch/end-to-end/seed-0
Writes into --out: summary.csv (impl,run,seed,block,features,top1), losses.csv (step, lr, per-block losses every
--log-every steps), run.json (the arguments, the config used, seconds).

--load-ours FILE (the swap experiment, scripts/twin/swap.sh): no training; the backbone and heads (BN running statistics
included) come from one of our runs, exported by `node dist/scripts/twin/export-weights.js`. When the export holds our
features of the first held-out images, the twin's features of them must agree to --check-tol (default 1e-4, max abs)
before it probes; summary.csv then has impl 'ours-trained-pytorch-probe' and run.json a 'loadOurs' entry.

--step-check DIR (the whole-step check, scripts/twin/step-check.sh): no training run and no probe; K steps from our
initial weights on our views, written by `node dist/scripts/twin/step-check.js`, compared with ours tensor by tensor
(see step_check); --run is not used, the run is the one DIR names. Writes compare.json into --out.
"""
import argparse
import copy
import csv
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

LUMA = (0.2989, 0.587, 0.114)


def fail(msg):
    raise SystemExit(f'twin.py: {msg}')


def js_round(x):
    """JavaScript's Math.round (halves up), which our schedule uses; Python's round() rounds halves to even."""
    return math.floor(x + 0.5)


# ---------------------------------------------------------------- data


def load_set(folder, name, shape):
    """uint8 images [N, C, H, W] and int64 labels [N] of an exported set."""
    pixels = np.fromfile(os.path.join(folder, f'{name}.u8'), dtype=np.uint8)
    labels = np.fromfile(os.path.join(folder, f'{name}-labels.u8'), dtype=np.uint8)
    h, w, c = shape
    if pixels.size != labels.size * h * w * c:
        fail(f'{folder}/{name}.u8 holds {pixels.size} bytes, not {labels.size} images of [{h}, {w}, {c}] as {name}-labels.u8 says')
    images = torch.from_numpy(pixels.reshape(labels.size, h, w, c)).permute(0, 3, 1, 2).contiguous()
    return images, torch.from_numpy(labels.astype(np.int64))


def span(start, length, out, full):
    """First and last sample point (pixel coordinates) of a crop of `length` from `start` resized to `out` (our cropResize)."""
    reach = torch.minimum(length * (out - 1) / out, length - 1)
    centre = start + (length - 1) / 2
    return centre - reach / 2, centre + reach / 2


def crop_resize(x, top, left, h, w, size, flip=None):
    """Bilinear crops [N, C, H, W] -> [N, C, size, size] at our cropResize's sample points; flip (bool [N]) mirrors."""
    n, _, H, W = x.shape
    y0, y1 = span(top, h, size, H)
    x0, x1 = span(left, w, size, W)
    ny0, ny1 = 2 * y0 / (H - 1) - 1, 2 * y1 / (H - 1) - 1
    nx0, nx1 = 2 * x0 / (W - 1) - 1, 2 * x1 / (W - 1) - 1
    sx = (nx1 - nx0) / 2
    if flip is not None:
        sx = torch.where(flip, -sx, sx)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = sx
    theta[:, 0, 2] = (nx1 + nx0) / 2
    theta[:, 1, 1] = (ny1 - ny0) / 2
    theta[:, 1, 2] = (ny1 + ny0) / 2
    grid = F.affine_grid(theta, [n, x.shape[1], size, size], align_corners=True)
    return F.grid_sample(x, grid, mode='bilinear', padding_mode='border', align_corners=True)


def crop_boxes(n, H, W, scale, ratio, g):
    """torchvision's RandomResizedCrop.get_params for n images: top, left, h, w (float tensors [n])."""
    area = H * W
    tries = 10
    s = (scale[0] + (scale[1] - scale[0]) * torch.rand(n, tries, generator=g)) * area
    r = torch.exp(math.log(ratio[0]) + (math.log(ratio[1]) - math.log(ratio[0])) * torch.rand(n, tries, generator=g))
    w = torch.floor(torch.sqrt(s * r) + 0.5)
    h = torch.floor(torch.sqrt(s / r) + 0.5)
    ok = (w > 0) & (w <= W) & (h > 0) & (h <= H)
    first = torch.where(ok.any(1), ok.float().argmax(1), torch.full((n,), -1))
    pick = first.clamp(min=0)[:, None]
    # The fallback: the central crop of the ratio clamped to the range.
    in_ratio = W / H
    fw, fh = float(W), float(H)
    if in_ratio < ratio[0]:
        fh = float(js_round(W / ratio[0]))
    elif in_ratio > ratio[1]:
        fw = float(js_round(H * ratio[1]))
    h = torch.where(first >= 0, h.gather(1, pick)[:, 0], torch.full((n,), fh))
    w = torch.where(first >= 0, w.gather(1, pick)[:, 0], torch.full((n,), fw))
    top = torch.where(first >= 0, torch.floor(torch.rand(n, generator=g) * (H - h + 1)), torch.floor((H - h) / 2))
    left = torch.where(first >= 0, torch.floor(torch.rand(n, generator=g) * (W - w + 1)), torch.floor((W - w) / 2))
    return top, left, h, w


def gray(x):
    return (x * torch.tensor(LUMA).view(1, 3, 1, 1)).sum(1, keepdim=True)


def adjust_hue(x, f):
    """Hue turned by f [n] turns, value and chroma kept (torchvision's HSV round trip; sector: first maximal channel)."""
    maxc, _ = x.max(1, keepdim=True)
    chroma = maxc - x.min(1, keepdim=True)[0]
    r, g, b = x[:, 0:1], x[:, 1:2], x[:, 2:3]
    arg = x.argmax(1, keepdim=True)
    safe = chroma.clamp(min=1e-30)
    sixths = torch.where(arg == 0, (g - b) / safe, torch.where(arg == 1, 2 + (b - r) / safe, 4 + (r - g) / safe))
    turned = sixths + 6 * f.view(-1, 1, 1, 1)
    out = []
    for n in (5, 3, 1):
        q = torch.remainder(turned + n, 6)
        out.append(maxc - chroma * torch.clamp(torch.minimum(q, 4 - q), 0, 1))
    return torch.cat(out, 1)


def color_op(op, x, f):
    if op == 0:
        return (x * f.view(-1, 1, 1, 1)).clamp(0, 1)
    if op == 1:
        m = gray(x).mean((1, 2, 3), keepdim=True)
        return (f.view(-1, 1, 1, 1) * x + (1 - f.view(-1, 1, 1, 1)) * m).clamp(0, 1)
    if op == 2:
        return (f.view(-1, 1, 1, 1) * x + (1 - f.view(-1, 1, 1, 1)) * gray(x)).clamp(0, 1)
    return adjust_hue(x, f)


def make_view(x, recipe, g):
    """One view of a float batch [N, 3, H, W] in [0, 1] under a ViewRecipe (lib/data/views.ts)."""
    n, c, H, W = x.shape
    if c != 3:
        fail(f'views: expected 3-channel images, got shape {list(x.shape)}')
    if recipe['blur']['p'] != 0:
        fail(f"views: gaussian blur (p {recipe['blur']['p']}) is not implemented in the twin")
    crop = recipe['crop']
    if crop.get('interpolation', 'bilinear') != 'bilinear':
        fail(f"views: crop interpolation '{crop['interpolation']}' is not implemented in the twin (bilinear only)")
    size = crop['size']
    if not isinstance(size, int):
        fail(f'views: crop size {size} is not a square side')
    top, left, h, w = crop_boxes(n, H, W, crop['scale'], crop['ratio'], g)
    flip = torch.rand(n, generator=g) < recipe['flip']
    x = crop_resize(x, top, left, h, w, size, flip)
    cj = recipe['colorJitter']
    ranges = [(max(0, 1 - cj['brightness']), 1 + cj['brightness']), (max(0, 1 - cj['contrast']), 1 + cj['contrast']),
              (max(0, 1 - cj['saturation']), 1 + cj['saturation']), (-cj['hue'], cj['hue'])]
    enabled = [cj['brightness'] > 0, cj['contrast'] > 0, cj['saturation'] > 0, cj['hue'] > 0]
    apply = torch.rand(n, generator=g) < cj['p']
    order = torch.rand(n, 4, generator=g).argsort(1)
    factors = [lo + (hi - lo) * torch.rand(n, generator=g) for lo, hi in ranges]
    for step in range(4):
        for op in range(4):
            if not enabled[op]:
                continue
            idx = torch.nonzero(apply & (order[:, step] == op))[:, 0]
            if len(idx):
                x[idx] = color_op(op, x[idx], factors[op][idx])
    gidx = torch.nonzero(torch.rand(n, generator=g) < recipe['grayscale'])[:, 0]
    if len(gidx):
        x[gidx] = gray(x[gidx]).expand(-1, 3, -1, -1)
    sol = (torch.rand(n, generator=g) < recipe['solarize']['p']).view(-1, 1, 1, 1)
    x = torch.where(sol & (x >= recipe['solarize']['threshold']), 1 - x, x)
    return normalize(x, recipe['normalize'])


def normalize(x, stats):
    if stats is None:
        return x
    return (x - torch.tensor(stats['mean']).view(1, -1, 1, 1)) / torch.tensor(stats['std']).view(1, -1, 1, 1)


# ---------------------------------------------------------------- model


def bn2d(c, gamma=1.0):
    bn = nn.BatchNorm2d(c, eps=1e-5, momentum=0.1)
    nn.init.constant_(bn.weight, gamma)
    nn.init.zeros_(bn.bias)
    return bn


def kaiming_conv(cin, cout, k, stride, padding):
    conv = nn.Conv2d(cin, cout, k, stride=stride, padding=padding, bias=False)
    nn.init.kaiming_normal_(conv.weight, mode='fan_out', nonlinearity='relu')
    return conv


class BasicBlock(nn.Module):
    def __init__(self, cin, planes, stride, zero_init):
        super().__init__()
        self.conv1 = kaiming_conv(cin, planes, 3, stride, 1)
        self.bn1 = bn2d(planes)
        self.conv2 = kaiming_conv(planes, planes, 3, 1, 1)
        self.bn2 = bn2d(planes, 0.0 if zero_init else 1.0)
        self.downsample = None
        if stride != 1 or cin != planes:
            self.downsample = nn.Sequential(kaiming_conv(cin, planes, 1, stride, 0), bn2d(planes))

    def forward(self, x):
        h = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(h + (self.downsample(x) if self.downsample is not None else x))


def resnet_stages(backbone):
    """[stem, layer1, ..., layerK] of the CIFAR-stem basic-block ResNet of a resolved backbone config."""
    if backbone['block'] != 'basic' or backbone['stem'] != 'cifar':
        fail(f"model: the twin builds CIFAR-stem basic-block ResNets, got block '{backbone['block']}', stem '{backbone['stem']}'")
    zero = backbone.get('zeroInitResidual', True)
    stem = nn.Sequential(kaiming_conv(backbone.get('inChannels', 3), backbone['stemWidth'], 3, 1, 1), bn2d(backbone['stemWidth']), nn.ReLU())
    stages, cin = [], backbone['stemWidth']
    for i, (planes, count) in enumerate(zip(backbone['widths'], backbone['blocksPerStage'])):
        blocks = []
        for b in range(count):
            blocks.append(BasicBlock(cin, planes, (1 if i == 0 else 2) if b == 0 else 1, zero))
            cin = planes
        stages.append(nn.Sequential(*blocks))
    return stem, stages


class Cbe(nn.Module):
    def __init__(self, cin, out, k):
        super().__init__()
        self.conv = nn.Conv2d(cin, out, k, padding=k // 2, bias=False)  # PyTorch's default init, as ours
        self.bn = bn2d(out)
        self.out_dim = out

    def forward(self, x):
        return F.relu(self.bn(self.conv(x))).mean((2, 3))


class Gsp(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.out_dim = c

    def forward(self, x):
        return x.mean((2, 3))


def projector(widths):
    layers = []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1], bias=False))
        if i < len(widths) - 2:
            layers += [nn.BatchNorm1d(widths[i + 1], eps=1e-5, momentum=0.1), nn.ReLU()]
    return nn.Sequential(*layers)


class BlockwiseModel(nn.Module):
    """Backbone stages grouped into training blocks, a head and a projector per block (lib/train/blockwise-ssl-model.ts)."""

    def __init__(self, cfg):
        super().__init__()
        m = cfg['model']
        stem, stages = resnet_stages(m['backbone'])
        self.stem, self.stages = stem, nn.ModuleList(stages)
        self.partition = m['partition']
        if sorted(s for b in self.partition for s in b) != list(range(len(stages))):
            fail(f"model: partition {self.partition} does not cover the {len(stages)} stages once each")
        self.stop_gradient = cfg['method'] != 'end-to-end'
        noise = m['noise']
        if noise.get('variant', 'element') != 'element' or noise.get('detachStd', False):
            fail(f'model: the twin implements element-wise noise with the gradient through std, got {noise}')
        self.sigma = noise['sigma']
        widths = [m['backbone']['widths'][b[-1]] for b in self.partition]
        specs = m['head'] if isinstance(m['head'], list) else [m['head']] * len(self.partition)
        heads = []
        for spec, c in zip(specs, widths):
            if spec['kind'] == 'gsp':
                heads.append(Gsp(c))
            elif spec['kind'] == 'cbe':
                extra = set(spec) - {'kind', 'outChannels', 'kernelSize', 'groups', 'pooling', 'eps'}
                if extra or spec.get('groups', 1) != 1 or spec.get('pooling', 'average') != 'average':
                    fail(f'model: the twin implements CbE heads with one group and average pooling, got {spec}')
                heads.append(Cbe(c, spec.get('outChannels', 2048), spec.get('kernelSize', 1)))
            else:
                fail(f"model: head '{spec['kind']}' is not implemented in the twin")
        self.heads = nn.ModuleList(heads)
        ins = [h.out_dim for h in heads]
        identical = m.get('identicalProjectors', all(w == ins[0] for w in ins))
        if identical:
            first = projector([ins[0]] + m['projector'])
            self.projectors = nn.ModuleList([first] + [copy.deepcopy(first) for _ in ins[1:]])
        else:
            self.projectors = nn.ModuleList([projector([w] + m['projector']) for w in ins])

    def block(self, k, x):
        if k == 0:
            x = self.stem(x)
        for s in self.partition[k]:
            x = self.stages[s](x)
        return x

    def add_noise(self, x):
        if not self.training or self.sigma == 0:
            return x
        # eps_queue (--step-check): given draws, consumed in the forward's order, instead of the twin's own.
        queue = getattr(self, 'eps_queue', None)
        eps = queue.pop(0) if queue else torch.randn_like(x)
        if eps.shape != x.shape:
            fail(f'noise: a given draw of shape {list(eps.shape)} for a block output of shape {list(x.shape)}')
        std = x.std()
        # --step-check: std_log records the stds, std_queue gives their forward values (the gradient stays the twin's).
        if getattr(self, 'std_log', None) is not None:
            self.std_log.append(std.item())
        given = getattr(self, 'std_queue', None)
        if given:
            std = std + (given.pop(0) - std).detach()
        return x + self.sigma * eps * std

    def forward(self, x):
        """Images -> (block outputs, embeddings) per block, as our forward in train or eval mode."""
        outs, embeddings = [], []
        h = x
        for k in range(len(self.partition)):
            y = self.add_noise(self.block(k, h))
            outs.append(y)
            embeddings.append(self.projectors[k](self.heads[k](y)))
            h = y.detach() if self.stop_gradient else y
        return outs, embeddings


def barlow_twins(z1, z2, lam, target, eps=1e-5):
    def standardize(z):
        return (z - z.mean(0)) / torch.sqrt(z.var(0, unbiased=False) + eps)
    a, b = standardize(z1), standardize(z2)
    c = a.T @ b / z1.shape[0]
    d = torch.diagonal(c)
    return ((d - target) ** 2).sum() + lam * ((c ** 2).sum() - (d ** 2).sum())


class Lars:
    """LARS as lib/optim/lars.ts (Barlow Twins' exclusions: no weight decay and no trust ratio for 1-D parameters)."""

    def __init__(self, params, momentum, eta, weight_decay, bias_lr_multiplier):
        self.params, self.m, self.eta, self.wd, self.blr = list(params), momentum, eta, weight_decay, bias_lr_multiplier
        self.mu = [torch.zeros_like(p) for p in self.params]

    @torch.no_grad()
    def step(self, lr):
        for p, mu in zip(self.params, self.mu):
            if p.grad is None:
                continue
            if p.ndim > 1:
                d = p.grad + self.wd * p
                pn, dn = p.norm(), d.norm()
                q = self.eta * pn / dn if pn > 0 and dn > 0 else 1.0
                mu.mul_(self.m).add_(d * q)
                p.sub_(lr * mu)
            else:
                mu.mul_(self.m).add_(p.grad)
                p.sub_(lr * self.blr * mu)


def warmup_cosine(peak, warmup, total, final):
    def lr(s):
        if s < warmup:
            return peak * s / warmup
        q = 0.5 * (1 + math.cos(math.pi * (s - warmup) / (total - warmup)))
        return peak * q + peak * final * (1 - q)
    return lr


# ---------------------------------------------------------------- probe


@torch.no_grad()
def features(model, images, recipe, crop_fraction, batch):
    """Eval-mode features of uint8 images: {'head': [(stage, [N, D])], 'gsp': [(stage, [N, C])]}."""
    model.eval()
    size = recipe['crop']['size']
    heads = {k: [] for k in range(len(model.partition))}
    gsp = {s: [] for s in range(len(model.stages))}
    for start in range(0, len(images), batch):
        x = images[start:start + batch].float() / 255
        n, _, H, W = x.shape
        side = max(1, js_round(crop_fraction * min(H, W)))
        full = torch.full((n,), float(side))
        x = crop_resize(x, torch.full((n,), float((H - side) // 2)), torch.full((n,), float((W - side) // 2)), full, full, size)
        x = normalize(x, recipe['normalize'])
        h = model.stem(x)
        stage_out = []
        for s in model.stages:
            h = s(h)
            stage_out.append(h)
        for s, o in enumerate(stage_out):
            gsp[s].append(o.mean((2, 3)))
        for k, b in enumerate(model.partition):
            heads[k].append(model.heads[k](stage_out[b[-1]]))
    return {'head': [(model.partition[k][-1], torch.cat(v)) for k, v in heads.items()],
            'gsp': [(s, torch.cat(v)) for s, v in gsp.items()]}


def standardize_features(train, test):
    x = train.double()
    mean = x.mean(0)
    std = torch.sqrt(torch.clamp((x * x).mean(0) - mean * mean, min=0))
    std = torch.where(std > 1e-12, std, torch.ones_like(std))
    return ((train.double() - mean) / std).float(), ((test.double() - mean) / std).float()


def linear_probe(train, train_labels, test, test_labels, classes, spec, seed):
    """Top-1 of a linear probe (lib/eval/linear-probe.ts trainLinearProbe) on precomputed features."""
    if spec.get('standardize', False):
        train, test = standardize_features(train, test)
    g = torch.Generator().manual_seed(seed)
    lin = nn.Linear(train.shape[1], classes)
    with torch.no_grad():
        lin.weight.copy_(torch.randn(classes, train.shape[1], generator=g) * spec.get('initStd', 0.01))
        lin.bias.zero_()
    epochs, batch, lr0 = spec.get('epochs', 100), spec.get('batchSize', 256), spec.get('lr', 0.1)
    opt = torch.optim.SGD(lin.parameters(), lr=lr0, momentum=spec.get('momentum', 0.9), weight_decay=spec.get('weightDecay', 1e-6))
    for epoch in range(epochs):
        for group in opt.param_groups:
            group['lr'] = lr0 * 0.5 * (1 + math.cos(math.pi * epoch / epochs))
        order = torch.randperm(len(train), generator=g)
        for start in range(0, len(train), batch):
            idx = order[start:start + batch]
            loss = F.cross_entropy(lin(train[idx]), train_labels[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        return (lin(test).argmax(1) == test_labels).float().mean().item()


# ---------------------------------------------------------------- our weights (the swap experiment)


def read_ours(path):
    """The header and tensors {name: float32 tensor} of a file written by dist/scripts/twin/export-weights.js."""
    raw = open(path, 'rb').read()
    if len(raw) < 4:
        fail(f'--load-ours: {path} is too short to be an export-weights file')
    n = int.from_bytes(raw[:4], 'little')
    header = json.loads(raw[4:4 + n].decode('utf8'))
    if header.get('format') != 'blockwise-ssl-twin-weights' or header.get('version') != 1:
        fail(f'--load-ours: {path} is not an export-weights file (format {header.get("format")})')
    start = 4 + n + (-(4 + n)) % 4
    values = np.frombuffer(raw, dtype='<f4', offset=start)
    tensors = {}
    for t in header['tensors']:
        size = int(np.prod(t['shape'])) if t['shape'] else 1
        tensors[t['name']] = torch.from_numpy(values[t['offset']:t['offset'] + size].copy()).reshape(t['shape'])
    return header, tensors


def load_ours(model, tensors, what='--load-ours', projectors=False, extra_prefix='check.'):
    """Loads our exported tensors into the twin's model: every backbone and head tensor (and the projectors' with
    `projectors`) must be there with the twin's shape; exported names outside the model are errors unless they start
    with `extra_prefix` (the export's own extras). Returns the names of the tensors loaded."""
    state = model.state_dict()
    needed = [k for k in state if (projectors or not k.startswith('projectors.')) and not k.endswith('num_batches_tracked')]
    missing = [k for k in needed if k not in tensors]
    extra = [k for k in tensors if not k.startswith(extra_prefix) and k not in state]
    if missing or extra:
        fail(f'{what}: the export is missing {missing} and has unexpected {extra}')
    for k in needed:
        if tuple(tensors[k].shape) != tuple(state[k].shape):
            fail(f"{what}: '{k}' has shape {list(tensors[k].shape)} in the export, {list(state[k].shape)} in the twin")
    model.load_state_dict({k: tensors[k] for k in needed}, strict=False)
    return needed


def check_ours(model, tensors, images, recipe, crop_fraction, tol):
    """Max |twin - ours| of the eval-mode features of the first images against those the export holds; fails above tol."""
    checks = sorted(k for k in tensors if k.startswith('check.'))
    if not checks:
        return None
    n = tensors[checks[0]].shape[0]
    f = features(model, images[:n], recipe, crop_fraction, 64)
    worst = {}
    for k in checks:
        _, kind, stage = k.split('.')
        mine = dict(f[kind])[int(stage)]
        worst[k] = (mine - tensors[k]).abs().max().item()
        scale = tensors[k].abs().max().item()
        print(f'--load-ours check {k}: max |twin - ours| {worst[k]:.3g} (max |ours| {scale:.3g})', flush=True)
    bad = {k: v for k, v in worst.items() if not v <= tol}
    if bad:
        fail(f'--load-ours: the twin\'s features of our weights differ from ours by more than {tol}: {bad}')
    return worst


# ---------------------------------------------------------------- the whole-step check


def step_check(a, meta):
    """--step-check DIR: K training steps from our initial weights on our views, compared with ours tensor by tensor.

    DIR is written by `node dist/scripts/twin/step-check.js`: init.bin (every parameter, projectors included, and
    batch-norm running statistic, plus the two views), after-<i>.bin (ours after i steps) and steps.json (run, seed,
    the steps' learning rates and our per-block losses). The twin loads init.bin into its model (noise off, as ours),
    takes the steps with its own forward, Barlow Twins losses, backward and LARS at our learning rates (its own
    schedule's rates at the same positions are reported beside them), and writes compare.json into --out: per step,
    both sides' block losses and, per tensor, max |twin - ours| of the weights, that over max |ours| (rel), and the
    same for the steps' updates (twin - init against ours - init: rel_update, the sharp measure, since the weights
    move little in a step).
    """
    info = json.load(open(os.path.join(a.step_check, 'steps.json')))
    cfg = copy.deepcopy(meta['runs'][info['run']])
    check_config(cfg, info['run'])
    if info.get('noise') is None:
        cfg['model']['noise']['sigma'] = 0
    elif info['noise']['sigma'] != cfg['model']['noise']['sigma']:
        fail(f"--step-check: our noise {info['noise']} is not the config's {cfg['model']['noise']}")
    torch.manual_seed(info['seed'])
    model = BlockwiseModel(cfg)
    _, init = read_ours(os.path.join(a.step_check, 'init.bin'))
    needed = load_ours(model, init, what='--step-check: init.bin', projectors=True, extra_prefix='views.')
    v1, v2 = init['views.1'], init['views.2']
    opt_cfg = cfg['optimizer']
    batch = cfg['data']['batchSize']
    per_epoch = meta['counts']['train'] // batch
    total = js_round(cfg['data']['epochs'] * per_epoch) if cfg['data'].get('steps') is None else cfg['data']['steps']
    lr_at = warmup_cosine(opt_cfg['baseLr'] * batch / 256, js_round(opt_cfg['warmupEpochs'] * per_epoch), total, opt_cfg['finalLrFraction'])
    losses_cfg = [(s.get('lambda', 0.0051), s.get('invarianceTarget', 1.0), s.get('eps', 1e-5)) for s in cfg['loss']]
    loss_blocks = [len(cfg['model']['partition']) - 1] if cfg['method'] == 'end-to-end' else list(range(len(cfg['model']['partition'])))
    if loss_blocks != [b + (len(cfg['model']['partition']) - 1 if cfg['method'] == 'end-to-end' else 0) for b in info['lossBlocks']]:
        fail(f"--step-check: our loss blocks {info['lossBlocks']} are not the twin's {loss_blocks}")
    stds = {}

    def run(dtype, our_std=False):
        """The twin's K steps in dtype from init.bin: per step (block losses, {name: float64 state}); with our_std, the
        noise is scaled by the stds ours used (steps.json noiseStd) instead of the twin's."""
        m = copy.deepcopy(model).to(dtype)
        m.std_log = stds.setdefault((str(dtype), our_std), [])
        m.train()
        opt = Lars(m.parameters(), opt_cfg['momentum'], opt_cfg['eta'], opt_cfg['weightDecay'], opt_cfg['biasLrMultiplier'])
        out = []
        for i in range(info['steps']):
            if info.get('noise') is not None:
                _, eps = read_ours(os.path.join(a.step_check, f'noise-{i + 1}.bin'))
                m.eps_queue = [eps[f'eps.{v}.{k}'].to(dtype) for v in (1, 2) for k in range(len(m.partition))]
                if our_std:
                    m.std_queue = [torch.tensor(v, dtype=dtype) for v in info['noiseStd'][i]]
            _, z1 = m(v1.to(dtype))
            _, z2 = m(v2.to(dtype))
            block_losses = [barlow_twins(z1[b], z2[b], *losses_cfg[b]) for b in loss_blocks]
            for p in m.parameters():
                p.grad = None
            if info.get('noise') is not None and m.eps_queue:
                fail(f'--step-check: {len(m.eps_queue)} noise draws of step {i + 1} left unused')
            sum(block_losses).backward()
            opt.step(info['lrs'][i])
            out.append(([l.item() for l in block_losses], {k: v.detach().double().clone() for k, v in m.state_dict().items() if k in needed}))
        return out

    def diff(x, y, start):
        """max |x - y|, that over max |y| (rel), and over y's update max |y - start| (rel_update)."""
        d = (x - y).abs().max().item()
        scale, uscale = y.abs().max().item(), (y - start).abs().max().item()
        q = lambda v: v / scale if scale > 0 else (0.0 if v == 0 else math.inf)
        return {'abs': d, 'rel': q(d), 'update': uscale, 'rel_update': d / uscale if uscale > 0 else (0.0 if d == 0 else math.inf)}

    single, double = run(torch.float32), run(torch.float64)
    noisy = info.get('noise') is not None
    ourstd = run(torch.float32, our_std=True) if noisy else None
    if noisy:
        for dt in ('torch.float32', 'torch.float64'):
            rel = [abs(o - t) / t for o, t in zip(sum(info['noiseStd'], []), stds[(dt, False)])]
            print(f'  noise std: ours vs twin {dt[6:]}: max rel {max(rel):.3g}, mean rel {sum(rel) / len(rel):.3g}', flush=True)
    steps = []
    for i in range(info['steps']):
        _, after = read_ours(os.path.join(a.step_check, f'after-{i + 1}.bin'))
        (l32, s32), (l64, s64) = single[i], double[i]
        tensors = {}
        for k in needed:
            ours, start = after[k].double(), init[k].double()
            # rel_update against the float64 twin: ours and the float32 twin each measure their own float32 error.
            tensors[k] = {'twin32_vs_ours': diff(s32[k], ours, start), 'ours_vs_twin64': diff(ours, s64[k], start), 'twin32_vs_twin64': diff(s32[k], s64[k], start)}
            if noisy:
                tensors[k]['twin32_ourstd_vs_ours'] = diff(ourstd[i][1][k], ours, start)
        ours_losses = info['losses'][i]
        steps.append({'step': i + 1, 'position': info['positions'][i], 'lr': info['lrs'][i], 'twin_lr': lr_at(info['positions'][i]),
                      'twin32_losses': l32, 'twin64_losses': l64, 'ours_losses': ours_losses,
                      'loss_rel_ours_vs_twin64': [abs(o - t) / abs(t) for o, t in zip(ours_losses, l64)],
                      'loss_rel_twin32_vs_twin64': [abs(o - t) / abs(t) for o, t in zip(l32, l64)], 'tensors': tensors,
                      **({'twin32_ourstd_losses': ourstd[i][0]} if noisy else {})})
        ru = lambda k, c: tensors[k][c]['rel_update']
        worst = sorted(tensors, key=lambda k: -ru(k, 'ours_vs_twin64'))[:5]
        print(f"step-check {info['run']} step {i + 1}: lr ours {info['lrs'][i]:.8g} twin {lr_at(info['positions'][i]):.8g}; losses "
              f"ours {' '.join(f'{v:.6f}' for v in ours_losses)} twin32 {' '.join(f'{v:.6f}' for v in l32)} twin64 {' '.join(f'{v:.6f}' for v in l64)}", flush=True)
        if noisy:
            print(f"  twin32 with our noise stds: losses {' '.join(f'{v:.6f}' for v in ourstd[i][0])}", flush=True)
        for c in ('twin32_vs_ours', 'ours_vs_twin64', 'twin32_vs_twin64') + (('twin32_ourstd_vs_ours',) if noisy else ()):
            print(f"  {c}: max rel (weights) {max(t[c]['rel'] for t in tensors.values()):.3g}, max rel_update {max(ru(k, c) for k in tensors):.3g}", flush=True)
        print('  largest ours_vs_twin64 rel_update (beside twin32_vs_twin64): ' +
              ', '.join(f"{k} {ru(k, 'ours_vs_twin64'):.3g} ({ru(k, 'twin32_vs_twin64'):.3g}, |upd| {tensors[k]['ours_vs_twin64']['update']:.3g})" for k in worst), flush=True)
    os.makedirs(a.out, exist_ok=True)
    write_atomic(os.path.join(a.out, 'compare.json'), json.dumps({'dir': os.path.abspath(a.step_check), 'run': info['run'], 'seed': info['seed'],
                                                                   'torch': torch.__version__, 'steps': steps,
                                                                   'noise_std': {'ours': info.get('noiseStd'), **{f'twin {k[0][6:]}{" ourstd" if k[1] else ""}': v for k, v in stds.items()}}}, indent=1) + '\n')


# ---------------------------------------------------------------- run


def check_config(cfg, run):
    known = {'method', 'model', 'loss', 'optimizer', 'data', 'trainBlocks', 'frozenMode', 'init', 'seed', 'checkpoint'}
    extra = set(cfg) - known
    if extra:
        fail(f'run {run}: config keys {sorted(extra)} are not implemented in the twin')
    if cfg['method'] not in ('end-to-end', 'simultaneous'):
        fail(f"run {run}: method '{cfg['method']}' is not implemented in the twin (end-to-end, simultaneous)")
    if cfg['init'] is not None or cfg['trainBlocks'] != list(range(len(cfg['model']['partition']))):
        fail(f"run {run}: the twin trains every block from scratch (init {cfg['init']}, trainBlocks {cfg['trainBlocks']})")
    if cfg['optimizer'].get('kind', 'lars') != 'lars':
        fail(f"run {run}: optimizer '{cfg['optimizer']['kind']}' is not implemented in the twin")
    for spec in cfg['loss']:
        if spec['kind'] != 'barlow-twins' or set(spec) - {'kind', 'lambda', 'invarianceTarget', 'eps'}:
            fail(f'run {run}: the twin implements Barlow Twins losses, got {spec}')
    if isinstance(cfg['data']['views'], list):
        fail(f'run {run}: per-block view recipes are not implemented in the twin')


def write_atomic(path, text):
    tmp = f'{path}.tmp-{os.getpid()}'
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', required=True, help='folder written by dist/scripts/twin/export-data.js')
    ap.add_argument('--run', required=True, help='run label of the exported preset, e.g. end-to-end')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--epochs', type=float, help='training epochs (default: the config\'s)')
    ap.add_argument('--steps', type=int, help='training steps instead of the epochs')
    ap.add_argument('--warmup-epochs', type=float, help='warm-up epochs (default: the config\'s)')
    ap.add_argument('--batch-size', type=int, help='images per step (default: the config\'s)')
    ap.add_argument('--probe-epochs', type=int, help='linear-probe epochs (default: the preset\'s)')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--log-every', type=int, default=50)
    ap.add_argument('--load-ours', metavar='FILE', help='probe our trained weights (dist/scripts/twin/export-weights.js) instead of training')
    ap.add_argument('--check-tol', type=float, default=1e-4, help='--load-ours: largest allowed |twin - ours| of the check features')
    ap.add_argument('--step-check', metavar='DIR', help='the whole-step check: K steps from our initial weights (dist/scripts/twin/step-check.js), compared with ours')
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    t0 = time.time()
    with open(os.path.join(a.data, 'meta.json')) as f:
        meta = json.load(f)
    if a.step_check is not None:
        return step_check(a, meta)
    if a.run not in meta['runs']:
        fail(f"{a.data}/meta.json has no run '{a.run}' (runs: {', '.join(meta['runs'])})")
    cfg = copy.deepcopy(meta['runs'][a.run])
    check_config(cfg, a.run)
    data, opt_cfg = cfg['data'], cfg['optimizer']
    if a.epochs is not None:
        data['epochs'] = a.epochs
        data.pop('steps', None)
    if a.steps is not None:
        data['steps'] = a.steps
    if a.batch_size is not None:
        data['batchSize'] = a.batch_size
    if a.warmup_epochs is not None:
        opt_cfg['warmupEpochs'] = a.warmup_epochs
    probe = copy.deepcopy(meta['probe'])
    if a.probe_epochs is not None:
        for spec in probe['linear']:
            spec['epochs'] = a.probe_epochs
    shape = meta['imageShape']
    torch.manual_seed(a.seed)
    model = BlockwiseModel(cfg)
    ours = None
    if a.load_ours is not None:
        ours_header, ours_tensors = read_ours(a.load_ours)
        if ours_header['method'] != cfg['method']:
            fail(f"--load-ours: {a.load_ours} holds a '{ours_header['method']}' run, --run {a.run} is '{cfg['method']}'")
        ours = {'file': os.path.abspath(a.load_ours), 'source': ours_header['source'], 'step': ours_header['step'], 'tensors': len(load_ours(model, ours_tensors))}
    train_images, _ = load_set(a.data, 'train', shape) if ours is None else (torch.zeros(0), None)
    lars = Lars(model.parameters(), opt_cfg['momentum'], opt_cfg['eta'], opt_cfg['weightDecay'], opt_cfg['biasLrMultiplier'])
    batch = data['batchSize']
    per_epoch = len(train_images) // batch
    if per_epoch < 1 and ours is None:
        fail(f'{len(train_images)} training images do not fill one batch of {batch}')
    total = data['steps'] if data.get('steps') is not None else js_round(data['epochs'] * per_epoch)
    warmup = js_round(opt_cfg['warmupEpochs'] * per_epoch)
    if ours is not None:
        total = warmup = 0  # our weights are probed as they are: no training
    elif warmup >= total:
        fail(f"{opt_cfg['warmupEpochs']} warm-up epochs ({warmup} steps) do not fit in {total} steps; lower --warmup-epochs")
    lr_at = warmup_cosine(opt_cfg['baseLr'] * batch / 256, warmup, total, opt_cfg['finalLrFraction'])
    losses_cfg = [(s.get('lambda', 0.0051), s.get('invarianceTarget', 1.0), s.get('eps', 1e-5)) for s in cfg['loss']]
    loss_blocks = [len(cfg['model']['partition']) - 1] if cfg['method'] == 'end-to-end' else list(range(len(cfg['model']['partition'])))
    views = data['views']
    view_gen = torch.Generator().manual_seed(1_000_003 * (a.seed + 1) + 7)
    log = []
    os.makedirs(a.out, exist_ok=True)
    order = None
    model.train()
    for s in range(total):
        epoch, k = divmod(s, per_epoch)
        if k == 0:
            order = torch.randperm(len(train_images), generator=torch.Generator().manual_seed(10_007 * a.seed + epoch))
        x = train_images[order[k * batch:(k + 1) * batch]].float() / 255
        v1 = make_view(x.clone(), views['view1'], view_gen)
        v2 = make_view(x, views['view2'], view_gen)
        _, z1 = model(v1)
        _, z2 = model(v2)
        block_losses = [barlow_twins(z1[b], z2[b], *losses_cfg[b]) for b in loss_blocks]
        values = [l.item() for l in block_losses]
        if not all(math.isfinite(v) for v in values):
            fail(f'step {s}: block losses {values} are not finite')
        for p in model.parameters():
            p.grad = None
        sum(block_losses).backward()
        lr = lr_at(s)
        lars.step(lr)
        if s % a.log_every == 0 or s == total - 1:
            log.append([s, lr] + values)
            print(f"{a.run} seed {a.seed} step {s + 1}/{total} lr {lr:.4f} losses {' '.join(f'{v:.2f}' for v in values)}", flush=True)
    train_seconds = time.time() - t0

    probe_images, probe_labels = load_set(a.data, 'probe-train', shape)
    eval_images, eval_labels = load_set(a.data, 'eval', shape)
    classes = len(meta['classNames'])
    if ours is not None:
        ours['check'] = check_ours(model, ours_tensors, eval_images, views['view1'], probe['evalCropFraction'], a.check_tol)
    # Only the linear probes are twinned (the preset's kNN probe is not: summary.csv has no probe column).
    ftrain = features(model, probe_images, views['view1'], probe['evalCropFraction'], probe['batchSize'])
    feval = features(model, eval_images, views['view1'], probe['evalCropFraction'], probe['batchSize'])
    rows = []
    for kind in probe['features']:
        for (stage, tr), (_, te) in zip(ftrain[kind], feval[kind]):
            for spec in probe['linear']:
                if spec.get('augmented', False):
                    fail(f"probe '{spec['name']}': augmented linear probes are not implemented in the twin")
                top1 = linear_probe(tr, probe_labels, te, eval_labels, classes, spec, probe['seed'])
                rows.append({'impl': 'pytorch' if ours is None else 'ours-trained-pytorch-probe', 'run': a.run, 'seed': a.seed, 'block': stage + 1, 'features': kind, 'top1': top1})
                print(f"{a.run} seed {a.seed}: block {stage + 1} {kind} {spec['name']} top-1 {100 * top1:.2f}%", flush=True)
    header = 'impl,run,seed,block,features,top1\n'
    write_atomic(os.path.join(a.out, 'summary.csv'), header + ''.join(f"{r['impl']},{r['run']},{r['seed']},{r['block']},{r['features']},{r['top1']:.6f}\n" for r in rows))
    cols = ['step', 'lr'] + [f'loss_b{b + 1}' for b in loss_blocks]
    write_atomic(os.path.join(a.out, 'losses.csv'), ','.join(cols) + '\n' + ''.join(','.join(f'{v:.6g}' for v in r) + '\n' for r in log))
    write_atomic(os.path.join(a.out, 'run.json'), json.dumps({'args': vars(a), 'argv': sys.argv, 'steps': total, 'warmupSteps': warmup, 'stepsPerEpoch': per_epoch,
                                                            'config': cfg, 'probe': probe, 'trainSeconds': train_seconds,
                                                            'seconds': time.time() - t0, 'torch': torch.__version__, 'loadOurs': ours}, indent=2) + '\n')


if __name__ == '__main__':
    main()
