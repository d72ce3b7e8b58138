"""Training recipe of the shipped attention-sampling model, made for 2 CPU cores.

    python -m demos.attention_sampling.train --data ../shared/data/mnist/MNIST/raw \\
        --out assets/attention_sampling.pt

1. Pretrain the feature network (and an 11-way classifier: 10 digits +
   "nothing") on 50×50 patches holding one MNIST training digit at a random
   offset, or only scribbles: a strong feature network makes the attention's
   learning signal clear from the first step.
2. Warm the attention up towards "where there is thick ink" on the
   low-resolution view (the view's intensity cubed, normalised): no label and
   no box, but a uniform attention over 32,400 cells would rarely sample a
   digit, and the end-to-end signal would be too weak for a short CPU run.
3. Train everything end to end on Megapixel MNIST images made from the MNIST
   training digits, as in the paper: K = 10 patches sampled without
   replacement, the unbiased estimator and its gradient, cross-entropy minus
   a small entropy bonus on the attention, cosine-annealed learning rate.
4. Sharpening runs: the same with the attention's entropy *penalised*. With
   draws without replacement, an attention concentrated on a few cells per
   digit makes K = 10 draws cover every digit, so the estimate varies less
   from one draw to the next (at K = 30 the error was already a third of
   that at K = 10).

The digit boxes are never used in training: the attention finds the digits
from the ink prior and the classification loss alone. Test error is
measured on images made from the MNIST *test* digits.
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from demos.attention_sampling import AVERAGE, DEFAULT_K
from demos.attention_sampling import megapixel_mnist as mm
from demos.attention_sampling.model import PATCH, AttentionSampler, entropy
from demos.cards import write_card
from demos.device import fast_cpu_dtype, pick_device
from demos.mnist.data import load_mnist
from demos.random_init import reset_parameters

TRAIN_SEEDS = 1_000_000       # training images use seeds from here on (and the MNIST training digits)


@dataclass(frozen=True)
class Recipe:
    pretrain_steps: int = 600
    pretrain_batch: int = 256
    pretrain_lr: float = 2e-3
    ink_steps: int = 300          # attention warm-up towards "where there is ink" (no labels, no boxes)
    ink_power: float = 3.0        # ... sharpened: thick digit strokes outweigh the scribbles' thin lines
    steps: int = 1500
    batch: int = 16
    k: int = 10
    lr: float = 1e-3
    anneal: bool = True           # cosine decay of the end-to-end learning rate to 0
    entropy_bonus: float = 1e-4
    # (steps, learning rate, entropy bonus) of each sharpening run after the end-to-end one
    sharpen: tuple[tuple[int, float, float], ...] = ((600, 5e-4, -0.02), (500, 5e-4, -0.1), (500, 5e-4, -0.3))
    clip: float = 1.0
    seed: int = 0


def digit_patches(digits: mm.Digits, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` 50×50 uint8 patches and labels: a digit at a random offset plus scribbles, or (label 10) scribbles only."""
    images, labels = digits
    patches = np.zeros((n, PATCH, PATCH), np.uint8)
    targets = np.full(n, 10, np.int64)
    for i in range(n):
        for _ in range(rng.integers(0, 3)):
            y, x = rng.integers(-mm.DIGIT + 4, PATCH - 4, size=2)
            _paste(patches[i], mm.noise_patch(rng), y, x)
        if rng.random() < 0.75:
            j = rng.integers(len(images))
            y, x = rng.integers(-3, PATCH - mm.DIGIT + 4, size=2)
            _paste(patches[i], images[j], y, x)
            targets[i] = labels[j]
    return patches, targets


def _paste(canvas: np.ndarray, piece: np.ndarray, y: int, x: int) -> None:
    """np.maximum ``piece`` into ``canvas`` at (y, x), clipped at the borders."""
    h, w = piece.shape
    y0, x0, y1, x1 = max(y, 0), max(x, 0), min(y + h, canvas.shape[0]), min(x + w, canvas.shape[1])
    if y1 > y0 and x1 > x0:
        region = canvas[y0:y1, x0:x1]
        np.maximum(region, piece[y0 - y:y1 - y, x0 - x:x1 - x], out=region)


def megapixel_batch(seeds, digits: mm.Digits | None = None, split: str = "test"):
    """(low (B, 1, 180, 180) float, high (B, 1, 1500, 1500) uint8, labels (B,), boxes) for these seeds."""
    samples = [mm.make_sample(int(s), split=split, digits=digits) for s in seeds]
    low = torch.from_numpy(np.stack([mm.low_resolution(im) for im, _, _ in samples]))[:, None]
    high = torch.from_numpy(np.stack([im for im, _, _ in samples]))[:, None]
    labels = torch.tensor([label for _, label, _ in samples])
    return low, high, labels, [boxes for _, _, boxes in samples]


def evaluate(model: AttentionSampler, seeds, k: int = DEFAULT_K, digits: mm.Digits | None = None,
             batch: int = 20, average: str = AVERAGE) -> float:
    """Error rate on the Megapixel MNIST test images of these seeds (MNIST test digits by default), read as the
    page reads them (K patches, features averaged by ``average``)."""
    return error_rates(model, seeds, [(k, average)], digits, batch)[(k, average)]


@torch.inference_mode()
def error_rates(model: AttentionSampler, seeds, readings: list[tuple[int, str]], digits: mm.Digits | None = None,
                batch: int = 20) -> dict[tuple[int, str], float]:
    """Error rate of each reading ``(k, average)`` on the same images, each drawing from its own generator
    seeded 0 (so each equals :func:`evaluate` alone); the images are made once."""
    model.eval()
    seeds = list(seeds)
    wrong = dict.fromkeys(readings, 0)
    generators = {reading: torch.Generator().manual_seed(0) for reading in readings}
    for i in range(0, len(seeds), batch):
        low, high, labels, _ = megapixel_batch(seeds[i:i + batch], digits)
        for k, average in readings:
            logits, _, _ = model(low, high, k, generators[(k, average)], average)
            wrong[(k, average)] += int((logits.argmax(1) != labels).sum())
    return {reading: n / len(seeds) for reading, n in wrong.items()}


def train(train_digits: mm.Digits, test_digits: mm.Digits, recipe: Recipe = Recipe(),
          log: Callable[[dict], None] = print, eval_seeds=range(200),
          pretrained: Path | None = None) -> tuple[AttentionSampler, list[dict]]:
    """Every stage of the recipe; returns the model and the logged records.

    ``pretrained``: where stage 1's result is saved; if that file exists
    already, it is loaded and stage 1 skipped (to try stage-2 settings quickly).
    """
    rng = np.random.default_rng(recipe.seed)
    device = pick_device()
    dtype = fast_cpu_dtype(device)
    # the initial weights from a generator of their own: the process's random stream is left as it was
    init = torch.Generator().manual_seed(recipe.seed)
    model = reset_parameters(AttentionSampler(), init).to(device)
    history: list[dict] = []
    start = time.perf_counter()

    def record(**fields) -> None:
        fields["seconds"] = round(time.perf_counter() - start, 1)
        history.append(fields)
        log(fields)

    # 1. feature network on single patches
    if pretrained is not None and pretrained.exists():
        model.load_state_dict(torch.load(pretrained, map_location=device, weights_only=True))
        recipe = Recipe(**{**asdict(recipe), "pretrain_steps": 0})
    head = reset_parameters(torch.nn.Linear(model.classifier.in_features, 11), init).to(device)
    params = list(model.features.parameters()) + list(head.parameters())
    optimiser = torch.optim.Adam(params, recipe.pretrain_lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, recipe.pretrain_lr,
                                                   total_steps=max(recipe.pretrain_steps, 1))
    model.train()
    for step in range(recipe.pretrain_steps):
        patches, targets = digit_patches(train_digits, recipe.pretrain_batch, rng)
        x = torch.from_numpy(patches)[:, None].to(device).float() / 255
        with torch.autocast(device.type, dtype=dtype, enabled=dtype != torch.float32):
            # the features are L2-normalised: a temperature lets the head reach confident logits
            loss = F.cross_entropy(head(model.features(x) * 10), torch.from_numpy(targets).to(device))
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        schedule.step()
        if step % 100 == 0 or step == recipe.pretrain_steps - 1:
            record(stage="pretrain", step=step, loss=round(loss.item(), 4))
    if recipe.pretrain_steps:
        with torch.no_grad():
            model.classifier.weight.copy_(head.weight[:10] * 10)
            model.classifier.bias.copy_(head.bias[:10])
        if pretrained is not None:
            torch.save(model.state_dict(), pretrained)

    # 1b. optional: start the attention from a label-free prior, "look where there is ink",
    # so that the first end-to-end steps sample some digits instead of empty background
    optimiser = torch.optim.Adam(model.attention.parameters(), 1e-2)
    for step in range(recipe.ink_steps):
        seeds = TRAIN_SEEDS + rng.integers(0, 2**31 - TRAIN_SEEDS, recipe.batch)
        low = megapixel_batch(seeds, train_digits)[0].to(device)
        ink = low.flatten(1) ** recipe.ink_power
        ink = ink / ink.sum(1, keepdim=True).clamp_min(1e-12)
        loss = -(ink * torch.log_softmax(model.attention(low).flatten(1), 1)).sum(1).mean()
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        if step % 50 == 0 or step == recipe.ink_steps - 1:
            record(stage="ink-prior", step=step, loss=round(loss.item(), 4))

    # 2. end to end, as in the paper; then 3. sharpening runs: the same, with the attention's entropy
    # penalised, so that K = 10 draws without replacement cover every digit more surely
    generator = torch.Generator().manual_seed(recipe.seed)
    stages = [("end-to-end", recipe.steps, recipe.lr, recipe.entropy_bonus)]
    stages += [(f"sharpen-{i}", steps, lr, bonus) for i, (steps, lr, bonus) in enumerate(recipe.sharpen, 1)]
    for stage, steps, lr, bonus in stages:
        optimiser = torch.optim.Adam(model.parameters(), lr)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, max(steps, 1)) if recipe.anneal else None
        for step in range(steps):
            model.train()
            seeds = TRAIN_SEEDS + rng.integers(0, 2**31 - TRAIN_SEEDS, recipe.batch)
            low, high, labels, _ = megapixel_batch(seeds, train_digits)
            with torch.autocast(device.type, dtype=dtype, enabled=dtype != torch.float32):
                logits, attention, _ = model(low.to(device), high.to(device), recipe.k, generator)
                loss = F.cross_entropy(logits.float(), labels.to(device))
                objective = loss - bonus * entropy(attention)
            optimiser.zero_grad(set_to_none=True)
            objective.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), recipe.clip)
            optimiser.step()
            if schedule is not None:
                schedule.step()
            if step % 100 == 0 or step == steps - 1:
                evaluated = step % 500 == 0 or step == steps - 1
                error = evaluate(model, eval_seeds, recipe.k, test_digits) if evaluated else None
                record(stage=stage, step=step, loss=round(loss.item(), 4),
                       **({"test_error": round(error, 4)} if error is not None else {}))
    return model.eval().cpu(), history


def _stages(text: str) -> tuple[tuple[int, float, float], ...]:
    """"600:5e-4:-0.02,500:5e-4:-0.1" → ((600, 5e-4, -0.02), (500, 5e-4, -0.1))."""
    try:
        return tuple((int(steps), float(lr), float(bonus))
                     for steps, lr, bonus in (part.split(":") for part in text.split(",") if part.strip()))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected STEPS:LR:BONUS,... ({error})") from None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="folder with the MNIST idx files (default: the weights catalogue)")
    parser.add_argument("--out", default="assets/attention_sampling.pt")
    parser.add_argument("--steps", type=int, default=Recipe.steps)
    parser.add_argument("--pretrain-steps", type=int, default=Recipe.pretrain_steps)
    parser.add_argument("--lr", type=float, default=Recipe.lr)
    parser.add_argument("--anneal", action=argparse.BooleanOptionalAction, default=Recipe.anneal,
                        help="cosine decay of the end-to-end learning rate")
    parser.add_argument("--start", help="a saved model to start from (skips the pretraining)")
    parser.add_argument("--seed", type=int, default=Recipe.seed)
    parser.add_argument("--ink-steps", type=int, default=Recipe.ink_steps)
    parser.add_argument("--ink-power", type=float, default=Recipe.ink_power)
    parser.add_argument("--entropy-bonus", type=float, default=Recipe.entropy_bonus,
                        help="weight of the attention's entropy in the objective (negative: sharpen it)")
    parser.add_argument("--sharpen", type=_stages, default=Recipe.sharpen, metavar="STEPS:LR:BONUS,...",
                        help="the sharpening runs after the end-to-end one ('' for none)")
    parser.add_argument("--test-images", type=int, default=1000)
    parser.add_argument("--eval-images", type=int, default=200,
                        help="test images evaluated every 500 steps and at each stage's end (the log's test_error)")
    args = parser.parse_args(argv)

    recipe = Recipe(steps=args.steps, pretrain_steps=args.pretrain_steps, ink_steps=args.ink_steps,
                    ink_power=args.ink_power, lr=args.lr, anneal=args.anneal,
                    entropy_bonus=args.entropy_bonus, sharpen=args.sharpen, seed=args.seed)
    train_digits, test_digits = load_mnist("train", args.data), load_mnist("test", args.data)
    start = time.perf_counter()
    model, history = train(train_digits, test_digits, recipe, log=lambda r: print(json.dumps(r), flush=True),
                           eval_seeds=range(args.eval_images), pretrained=Path(args.start) if args.start else Path(args.out).with_suffix(".stage1.pt"))
    seconds = time.perf_counter() - start
    error = evaluate(model, range(args.test_images), DEFAULT_K, test_digits)   # what the page will state
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), out)
    summary = {"test_error": error, "test_images": args.test_images, "k": DEFAULT_K, "average": AVERAGE,
               "train_seconds": round(seconds, 1),
               "device": str(pick_device()), "torch": torch.__version__, "recipe": asdict(recipe), "history": history}
    write_card(out, summary)
    print(json.dumps({k: v for k, v in summary.items() if k != "history"}))


if __name__ == "__main__":
    main()
