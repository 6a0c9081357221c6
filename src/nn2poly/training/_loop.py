"""The training loop: mini-batches, optimiser, constraint, early stopping, progress."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from .._validation import invalid_value
from ._constraints import L1Constraint, L2Constraint

__all__ = ["OPTIMIZERS", "TrainingHistory", "make_optimizer", "train"]

OPTIMIZERS = ("sgd", "momentum", "adam", "rmsprop")


def make_optimizer(
    name: str, parameters: Any, learning_rate: float, weight_decay: float
) -> torch.optim.Optimizer:
    """A torch optimiser by name: ``sgd``, ``momentum`` (SGD with momentum 0.9), ``adam``,
    ``rmsprop``."""
    if name == "sgd":
        return torch.optim.SGD(parameters, lr=learning_rate, weight_decay=weight_decay)
    if name == "momentum":
        return torch.optim.SGD(
            parameters, lr=learning_rate, momentum=0.9, weight_decay=weight_decay
        )
    if name == "adam":
        return torch.optim.Adam(parameters, lr=learning_rate, weight_decay=weight_decay)
    if name == "rmsprop":
        return torch.optim.RMSprop(parameters, lr=learning_rate, weight_decay=weight_decay)
    raise invalid_value("optimizer", name, f"one of {OPTIMIZERS}", caller="make_optimizer")


@dataclass
class TrainingHistory:
    """Loss per epoch and where the best validation loss was."""

    loss: list[float] = field(default_factory=list)
    validation_loss: list[float] = field(default_factory=list)
    best_epoch: int = 0
    stopped_early: bool = False


class _Progress:
    """A rich progress bar, or nothing when not verbose."""

    def __init__(self, verbose: bool, epochs: int, description: str) -> None:
        self.bar = None
        if verbose:
            from rich.markup import escape
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self.bar = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[status]}"),
                TimeElapsedColumn(),
                transient=False,
            )
            self.task = self.bar.add_task(escape(description), total=epochs, status="")

    def __enter__(self) -> _Progress:
        if self.bar is not None:
            self.bar.start()
        return self

    def update(self, loss: float, validation_loss: float | None) -> None:
        if self.bar is not None:
            status = f"loss {loss:.4g}"
            if validation_loss is not None:
                status += f"  val {validation_loss:.4g}"
            self.bar.update(self.task, advance=1, status=status)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _mean_loss(
    model: torch.nn.Module, loss_fn: Callable, X: torch.Tensor, y: torch.Tensor
) -> float:
    model.eval()
    with torch.no_grad():
        value = float(loss_fn(model(X), y))
    model.train()
    return value


def train(
    model: torch.nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    X_valid: torch.Tensor | None,
    y_valid: torch.Tensor | None,
    optimizer: torch.optim.Optimizer,
    constraint: L1Constraint | L2Constraint | None,
    epochs: int,
    batch_size: int,
    n_iter_no_change: int,
    gradient_clip: float | None,
    generator: torch.Generator,
    verbose: bool,
    description: str,
) -> TrainingHistory:
    """Train ``model`` in place; with validation data, restore the best weights at the end."""
    history = TrainingHistory()
    n_samples = X.shape[0]
    n_batches = math.ceil(n_samples / batch_size)
    best_loss, best_state, waited = math.inf, None, 0
    model.train()
    with _Progress(verbose, epochs, description) as progress:
        for epoch in range(epochs):
            order = torch.randperm(n_samples, generator=generator)
            total = 0.0
            for batch in range(n_batches):
                index = order[batch * batch_size : (batch + 1) * batch_size]
                optimizer.zero_grad()
                loss = loss_fn(model(X[index]), y[index])
                loss.backward()
                if gradient_clip is not None:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), gradient_clip)
                optimizer.step()
                if constraint is not None:
                    constraint(model)
                total += float(loss.detach()) * index.shape[0]
            history.loss.append(total / n_samples)
            validation_loss = None
            if X_valid is not None and y_valid is not None:
                validation_loss = _mean_loss(model, loss_fn, X_valid, y_valid)
                history.validation_loss.append(validation_loss)
                if validation_loss < best_loss:
                    best_loss, waited, history.best_epoch = validation_loss, 0, epoch
                    best_state = copy.deepcopy(model.state_dict())
                else:
                    waited += 1
            else:
                history.best_epoch = epoch
            progress.update(history.loss[-1], validation_loss)
            if not math.isfinite(history.loss[-1]):
                raise FloatingPointError(
                    f"The training loss became {history.loss[-1]} at epoch {epoch + 1}; lower "
                    "learning_rate, set gradient_clip, or scale X and y."
                )
            if X_valid is not None and waited >= n_iter_no_change:
                history.stopped_early = True
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return history
