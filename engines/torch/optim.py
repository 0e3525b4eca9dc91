"""lep's optimiser and schedule (src/Lep/Training/AdamW.cs, CosineSchedule.cs), written out the same way so that a
run here takes the same steps as `lep train --engine local`."""
import math

import torch


def learning_rate(step, o):
    """Linear warm-up to the peak, then cosine decay to peak × min_lr_ratio at the last step."""
    peak, warmup = o["learning_rate"], o["warmup_steps"]
    if warmup > 0 and step < warmup:
        return peak * (step + 1) / warmup
    decay_steps = max(1, o["steps"] - warmup - 1)
    progress = min(max((step - warmup) / decay_steps, 0.0), 1.0)
    low = peak * o["min_lr_ratio"]
    return low + (peak - low) * 0.5 * (1 + math.cos(math.pi * progress))


class AdamW:
    """Decoupled weight decay on matrices only (dim ≥ 2); an optional row mask per parameter drops the gradient,
    update and decay of every other row (training only a vocabulary's new rows)."""

    def __init__(self, params, o, row_mask=None):
        self.params = params  # [(name, parameter)]
        self.o = o
        self.m = [torch.zeros_like(p) for _, p in params]
        self.v = [torch.zeros_like(p) for _, p in params]
        self.mask = None if row_mask is None else row_mask.to(torch.float32).unsqueeze(1)
        self.step = 0

    def clip(self, max_norm, chunk=1 << 24):
        """Masks the gradients, clips their global norm (float64, like lep) to max_norm (≤ 0: off); returns the norm."""
        total = 0.0
        with torch.no_grad():
            for _, p in self.params:
                if p.grad is None:
                    continue
                if self.mask is not None:
                    p.grad.mul_(self.mask)
                flat = p.grad.reshape(-1)
                for s in range(0, flat.numel(), chunk):
                    total += flat[s:s + chunk].double().pow(2).sum().item()
            norm = math.sqrt(total)
            if max_norm > 0 and norm > max_norm:
                scale = max_norm / (norm + 1e-6)
                for _, p in self.params:
                    if p.grad is not None:
                        p.grad.mul_(scale)
        return norm

    def update(self, lr):
        o = self.o
        self.step += 1
        bias1 = 1 - o["beta1"] ** self.step
        bias2 = 1 - o["beta2"] ** self.step
        with torch.no_grad():
            for (_, p), m, v in zip(self.params, self.m, self.v):
                if p.grad is None:
                    continue
                g = p.grad
                m.mul_(o["beta1"]).add_(g, alpha=1 - o["beta1"])
                v.mul_(o["beta2"]).addcmul_(g, g, value=1 - o["beta2"])
                update = (m / bias1) / ((v / bias2).sqrt_() + o["epsilon"])
                if o["weight_decay"] > 0 and p.dim() >= 2:
                    update = update + p * o["weight_decay"]
                if self.mask is not None:
                    update = update * self.mask
                p.sub_(update * lr)
                del update

    def state(self):
        return [(f"{k}.{name}", t) for (name, _), m, v in zip(self.params, self.m, self.v) for k, t in (("m", m), ("v", v))]

    def load(self, tensors, step):
        with torch.no_grad():
            for (name, _), m, v in zip(self.params, self.m, self.v):
                m.copy_(tensors["m." + name])
                v.copy_(tensors["v." + name])
        self.step = step
