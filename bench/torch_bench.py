"""PyTorch side of `npm run bench`: ms per training step (docs: bench/NOTES.md), two tasks.

`--task resnet`, the bench model (shared/reference/cpu-backend.md): CIFAR-style ResNet, stem 3x3 conv 16
channels + BN + ReLU, one BasicBlock per stage (widths 16/32/64/128, strides 1/2/2/2), BN in training mode,
global average pool, linear to 10 classes. One step = forward, cross-entropy, backward, plain SGD update (lr
0.01), on a fixed random batch.

`--task blockwise-bt`: one simultaneous blockwise Barlow Twins step on the same backbone without its
classifier, cut into 4 blocks (stem + layer1, layer2, layer3, layer4) with stop-gradient between them, each
block with a CbE head (1x1 conv to 512 channels without bias, BN, ReLU, global average pool) and a projector
512-512-512 (Linear without bias, BN, ReLU, Linear, BN, ReLU, Linear), Barlow Twins loss (lambda 0.0051) per
block on two views, summed; SGD momentum 0.9, weight decay 1e-6, lr 0.01. No feature noise. The tfjs side
builds the same with lib/train's BlockwiseSslModel and sslTrainStep.

Usage: /usr/bin/python3 bench/torch_bench.py --task resnet --steps 20 --warmup 3 --threads 2 --batch 64
Prints one JSON line: {"route": "pytorch", "msPerStep": [...], "peakRssMB": ..., "losses": [...]}.
"""
import argparse
import json
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    """torchvision's BasicBlock: conv3x3-BN-ReLU-conv3x3-BN plus identity or 1x1-conv-BN shortcut, ReLU."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (x if self.shortcut is None else self.shortcut(x)))


class BenchNet(nn.Module):
    def __init__(self, widths=(16, 32, 64, 128), strides=(1, 2, 2, 2), classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(widths[0])
        blocks, cin = [], widths[0]
        for w, s in zip(widths, strides):
            blocks.append(BasicBlock(cin, w, s))
            cin = w
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.blocks(F.relu(self.bn(self.stem(x))))
        return self.fc(x.mean(dim=(2, 3)))


class BlockwiseBarlowTwins(nn.Module):
    """BenchNet's backbone in 4 training blocks, each with a CbE head and a projector."""

    def __init__(self, head_width=512, projector=(512, 512, 512)):
        super().__init__()
        net = BenchNet()
        self.blocks = nn.ModuleList([
            nn.Sequential(net.stem, net.bn, nn.ReLU(), net.blocks[0]), net.blocks[1], net.blocks[2], net.blocks[3]])
        self.heads = nn.ModuleList([
            nn.Sequential(nn.Conv2d(c, head_width, 1, bias=False), nn.BatchNorm2d(head_width), nn.ReLU())
            for c in (16, 32, 64, 128)])
        self.projectors = nn.ModuleList([self._projector((head_width,) + tuple(projector)) for _ in range(4)])
        self.bn_z = nn.BatchNorm1d(projector[-1], affine=False)

    @staticmethod
    def _projector(widths):
        layers = []
        for i in range(len(widths) - 2):
            layers += [nn.Linear(widths[i], widths[i + 1], bias=False), nn.BatchNorm1d(widths[i + 1]), nn.ReLU()]
        layers.append(nn.Linear(widths[-2], widths[-1], bias=False))
        return nn.Sequential(*layers)

    def embeddings(self, x):
        zs, h = [], x
        for k in range(4):
            h = self.blocks[k](h if k == 0 else h.detach())
            zs.append(self.projectors[k](self.heads[k](h).mean(dim=(2, 3))))
        return zs

    def barlow_twins(self, z1, z2, lambd=0.0051):
        c = self.bn_z(z1).T @ self.bn_z(z2) / z1.shape[0]
        on_diag = (torch.diagonal(c) - 1).pow(2).sum()
        off_diag = c.pow(2).sum() - torch.diagonal(c).pow(2).sum()
        return on_diag + lambd * off_diag

    def forward(self, v1, v2):
        return sum(self.barlow_twins(a, b) for a, b in zip(self.embeddings(v1), self.embeddings(v2)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--task', choices=['resnet', 'blockwise-bt'], default='resnet')
    p.add_argument('--steps', type=int, default=20)
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--size', type=int, default=32)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    if a.task == 'resnet':
        model = BenchNet()
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        x = torch.randn(a.batch, 3, a.size, a.size)
        y = torch.randint(0, 10, (a.batch,))
        objective = lambda: F.cross_entropy(model(x), y)
    else:
        model = BlockwiseBarlowTwins()
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-6)
        v1, v2 = torch.randn(a.batch, 3, a.size, a.size), torch.randn(a.batch, 3, a.size, a.size)
        objective = lambda: model(v1, v2)
    times, losses = [], []
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = objective()
        loss.backward()
        opt.step()
        dt = (time.perf_counter() - t0) * 1000
        losses.append(loss.item())
        if i >= a.warmup:
            times.append(dt)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({'route': 'pytorch', 'task': a.task, 'threads': a.threads, 'msPerStep': times, 'peakRssMB': peak_mb,
                      'losses': losses}))


if __name__ == '__main__':
    main()
