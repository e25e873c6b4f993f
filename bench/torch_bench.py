"""PyTorch side of `npm run bench`: ms per training step of the bench model (docs: bench/NOTES.md).

Bench model (shared/reference/cpu-backend.md): CIFAR-style ResNet, stem 3x3 conv 16 channels + BN + ReLU, one
BasicBlock per stage (widths 16/32/64/128, strides 1/2/2/2), BN in training mode, global average pool, linear
to 10 classes. One step = forward, cross-entropy, backward, plain SGD update, on a fixed random batch.

Usage: /usr/bin/python3 bench/torch_bench.py --steps 20 --warmup 3 --threads 2 --batch 64
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


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--steps', type=int, default=20)
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--size', type=int, default=32)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = BenchNet()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(a.batch, 3, a.size, a.size)
    y = torch.randint(0, 10, (a.batch,))
    times, losses = [], []
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        dt = (time.perf_counter() - t0) * 1000
        losses.append(loss.item())
        if i >= a.warmup:
            times.append(dt)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({'route': 'pytorch', 'threads': a.threads, 'msPerStep': times, 'peakRssMB': peak_mb,
                      'losses': losses}))


if __name__ == '__main__':
    main()
