"""Further training of the shipped attention-sampling model, in resumable chunks (2 CPU cores, ≤ 60 min each).

    python -m demos.attention_sampling.finetune --data ../shared/data/mnist/MNIST/raw \\
        --steps 3000 --k 20 --entropy-bonus -0.3 --lr 3e-4 --minutes 55
    # ... the same command again resumes where the last one stopped; when it has done its steps:
    python -m demos.attention_sampling.finetune --data ... --export assets/attention_sampling.pt

Each invocation trains end to end (as :mod:`demos.attention_sampling.train`'s
sharpening runs: cross-entropy minus ``entropy_bonus`` × the attention's
entropy, cosine-annealed learning rate over all ``--steps``) for at most
``--minutes``, saving everything needed to go on (weights, optimiser,
scheduler, step, random streams, log) to ``--checkpoint`` (git-ignored
``checkpoints/``) every ``--save-every`` steps and when it stops. A session
that ends mid-run loses at most ``--save-every`` steps.

The best weights so far are chosen on **validation** images: Megapixel MNIST
made of MNIST *training* digits at seeds that training never draws (the test
images, seeds 0–999 of the test digits, stay unseen by every choice made here).
``--export`` writes those best weights and appends this fine-tuning to the
model card, with the test error at K = 10, at ``DEFAULT_K`` and at ``--k`` on ``--test-images``.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from demos.attention_sampling import AVERAGE, DEFAULT_K, reader
from demos.attention_sampling.model import AttentionSampler, entropy
from demos.attention_sampling.train import TRAIN_SEEDS, evaluate, megapixel_batch
from demos.cards import read_card, write_card
from demos.mnist.data import load_mnist

CHECKPOINT = Path("checkpoints/attention_sampling/finetune.pt")
VALIDATION_SEEDS = range(TRAIN_SEEDS - 10_000, TRAIN_SEEDS - 10_000 + 200)   # training never draws below TRAIN_SEEDS


def _fresh(args: argparse.Namespace) -> dict:
    model = reader.load_model(args.start) if args.start else reader.load_model()
    return {"settings": _settings(args), "step": 0, "model": model.state_dict(), "optimiser": None,
            "scheduler": None, "rng": np.random.default_rng(args.seed).bit_generator.state,
            "generator": torch.Generator().manual_seed(args.seed).get_state(), "history": [], "seconds": 0.0,
            "best": None}


def _settings(args: argparse.Namespace) -> dict:
    return {"steps": args.steps, "k": args.k, "lr": args.lr, "entropy_bonus": args.entropy_bonus,
            "batch": args.batch, "seed": args.seed, "start": args.start or "shipped"}


def run_chunk(args: argparse.Namespace, train_digits, log=print) -> dict:
    """Train from the checkpoint (or the start weights) until ``--steps`` are done or ``--minutes`` have passed."""
    path = Path(args.checkpoint)
    state = torch.load(path, weights_only=True) if path.exists() else _fresh(args)
    if state["settings"] != _settings(args):
        raise SystemExit(f"{path} was started with other settings ({state['settings']}); "
                         "remove it or use another --checkpoint")
    model = AttentionSampler()
    model.load_state_dict(state["model"])
    optimiser = torch.optim.Adam(model.parameters(), args.lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, max(args.steps, 1))
    if state["optimiser"] is not None:
        optimiser.load_state_dict(state["optimiser"])
        scheduler.load_state_dict(state["scheduler"])
    rng = np.random.default_rng()
    rng.bit_generator.state = state["rng"]
    generator = torch.Generator()
    generator.set_state(state["generator"])
    start, deadline = time.perf_counter(), time.perf_counter() + 60 * args.minutes
    before = state["seconds"]   # what the earlier chunks took
    last = min(args.steps, state["step"] + args.chunk_steps) if args.chunk_steps else args.steps

    def save() -> None:
        state.update(model=model.state_dict(), optimiser=optimiser.state_dict(), scheduler=scheduler.state_dict(),
                     rng=rng.bit_generator.state, generator=generator.get_state(),
                     seconds=before + time.perf_counter() - start)
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(state, path.with_suffix(".tmp"))
        path.with_suffix(".tmp").replace(path)   # a run killed while saving keeps the previous checkpoint

    while state["step"] < last and time.perf_counter() < deadline:
        model.train()
        seeds = TRAIN_SEEDS + rng.integers(0, 2**31 - TRAIN_SEEDS, args.batch)
        low, high, labels, _ = megapixel_batch(seeds, train_digits)
        logits, attention, _ = model(low, high, args.k, generator)
        loss = F.cross_entropy(logits.float(), labels)
        optimiser.zero_grad(set_to_none=True)
        (loss - args.entropy_bonus * entropy(attention)).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        scheduler.step()
        state["step"] += 1
        step = state["step"]
        if step % args.eval_every == 0 or step == args.steps:
            error = evaluate(model, VALIDATION_SEEDS[:args.validation_images], args.k, train_digits)
            record = {"stage": "finetune", "step": step, "loss": round(loss.item(), 4),
                      "validation_error": round(error, 4),
                      "seconds": round(before + time.perf_counter() - start, 1)}
            state["history"].append(record)
            log(json.dumps(record))
            if state["best"] is None or error <= state["best"]["validation_error"]:
                state["best"] = {"step": step, "validation_error": error,
                                 "model": {k: v.clone() for k, v in model.state_dict().items()}}
        if step % args.save_every == 0:
            save()
    save()
    done = state["step"] >= args.steps
    log(json.dumps({"step": state["step"], "of": args.steps, "done": done,
                    "best": None if state["best"] is None else {k: v for k, v in state["best"].items() if k != "model"},
                    "next": "the same command resumes" if not done else "--export writes the best weights"}))
    return state


def export(args: argparse.Namespace, test_digits) -> dict:
    """Write the best weights of the checkpoint to ``--export`` and append the fine-tuning to its card."""
    state = torch.load(args.checkpoint, weights_only=True)
    if state["best"] is None:
        raise SystemExit("no evaluated step in the checkpoint yet: train first")
    model = AttentionSampler()
    model.load_state_dict(state["best"]["model"])
    model.eval()
    errors = {f"k{k}": evaluate(model, range(args.test_images), k, test_digits)
              for k in sorted({10, DEFAULT_K, args.k})}
    out = Path(args.export)
    card = read_card(out) or {}
    torch.save(model.state_dict(), out)
    history = card.setdefault("history", [])
    exported = {(r.get("run"), r.get("stage"), r.get("step")) for r in history}   # an earlier chunk's export
    history.extend({**r, "run": "finetune"} for r in state["history"]
                   if ("finetune", r["stage"], r["step"]) not in exported)
    card["finetune"] = {"settings": state["settings"], "best_step": state["best"]["step"],
                        "validation_error": state["best"]["validation_error"],
                        "validation": f"{args.validation_images} images of MNIST training digits from seed "
                                      f"{VALIDATION_SEEDS.start} (never drawn in training)",
                        "train_seconds": round(state["seconds"], 1), "test_errors": errors}
    card.update(test_error=errors[f"k{DEFAULT_K}"], k=DEFAULT_K, average=AVERAGE,    # what the page states
                test_images=args.test_images)
    write_card(out, card)
    print(json.dumps(card["finetune"]))
    return card


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="folder with the MNIST idx files (default: the weights catalogue)")
    parser.add_argument("--start", help="weights to start from (default: the shipped model)")
    parser.add_argument("--checkpoint", default=str(CHECKPOINT))
    parser.add_argument("--steps", type=int, default=3000, help="steps of the whole fine-tuning (all chunks)")
    parser.add_argument("--k", type=int, default=10, help="patches per image while training")
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--entropy-bonus", type=float, default=-0.3, help="negative: sharpen the attention")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--minutes", type=float, default=55, help="stop this chunk after so long (resumable)")
    parser.add_argument("--chunk-steps", type=int, default=0, help="stop this chunk after so many steps (0: no limit)")
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--save-every", type=int, default=50)
    parser.add_argument("--export", help="write the best weights here (and their card) instead of training")
    parser.add_argument("--test-images", type=int, default=1000)
    parser.add_argument("--validation-images", type=int, default=len(VALIDATION_SEEDS))
    args = parser.parse_args(argv)
    if args.export:
        export(args, load_mnist("test", args.data))
    else:
        run_chunk(args, load_mnist("train", args.data))


if __name__ == "__main__":
    main()
