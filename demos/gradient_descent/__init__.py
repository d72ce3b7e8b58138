"""Gradient descent on small 1-D and 2-D losses: surfaces, optimisers, runs.

The lecture (seed 001) writes gradient descent as ``w_{t+1} = w_t − η ∇L(w_t)``
and notes that it reaches, most of the time, a *local* minimum that depends on
``w_0`` and ``η``. Here every loss is written with torch operations, so the
gradient comes from autograd ("différentiation automatique"), and every
optimiser is a plain update rule (the rule is the teaching point, not
``torch.optim``).

Public API: :func:`run` (one optimiser) and :func:`run_many` (several side by
side, one autograd call per step for all of them, which keeps a slider change
cheap), :data:`SURFACES`, :data:`OPTIMIZERS`, :func:`make_surface`,
:func:`loss_grid` and :func:`gradient_field` for the plots.
"""
from __future__ import annotations

from demos.lazy import lazy_package

__getattr__, __dir__ = lazy_package(__name__, {
    "descent": ("EXPLOSION", "HIMMELBLAU_MINIMA", "MAX_COORDINATE", "OPTIMIZERS", "SURFACES", "SURFACES_1D",
                "SURFACES_2D", "Adam", "GD", "Momentum", "Nesterov", "Optimizer", "Run", "SGD", "Surface",
                "gradient_field", "loss_grid", "make_surface", "quadratic", "run", "run_many"),
})

__all__ = ["EXPLOSION", "HIMMELBLAU_MINIMA", "MAX_COORDINATE", "OPTIMIZERS", "SURFACES", "SURFACES_1D", "SURFACES_2D",
           "Adam", "GD", "Momentum", "Nesterov", "Optimizer", "Run", "SGD", "Surface", "gradient_field", "loss_grid",
           "make_surface", "quadratic", "run", "run_many"]
