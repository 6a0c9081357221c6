"""Words for the figures of a study: the results' column names and cells as a reader says them."""

from __future__ import annotations

import textwrap
from itertools import groupby
from typing import Any

__all__ = [
    "column_words",
    "conversion_words",
    "metric_words",
    "panel_title",
    "tick_label",
    "value_words",
]

#: Metrics of the results, in words.
METRICS = {
    "mse_network_polynomial": "MSE (network vs polynomial)",
    "mse_polynomial_y": "MSE (polynomial vs response)",
    "mse_network_y": "MSE (network vs response)",
    "r2_network_polynomial": "R² (polynomial against network)",
}
#: Columns of the results and the grid keys of the presets, in words.
COLUMNS = {
    "activation": "activation",
    "constraint": "weight constraint",
    "conversion": "conversion",
    "depth": "hidden layers",
    "epochs": "epochs",
    "learning_rate": "learning rate",
    "max_order": "max order Q",
    "n": "rows",
    "n_features": "features",
    "noise_sd": "noise sd",
    "setting": "setting",
    "taylor_order": "Taylor order q",
    "width": "width",
}
#: Short names for the conversion settings, as the papers write them.
SYMBOLS = {"taylor_order": "q", "max_order": "Q"}
#: The multiplication sign of repeated list items ("softplus" three times).
TIMES = "\u00d7"
#: Characters a tick label keeps on one line before it wraps.
TICK_WIDTH = 18


def metric_words(metric: str) -> str:
    """An axis label for a metric column.

    Examples
    --------
    >>> metric_words("mse_network_polynomial")
    'MSE (network vs polynomial)'
    >>> metric_words("train_seconds")
    'train seconds'
    """
    return METRICS.get(metric, metric.replace("_", " "))


def column_words(column: str) -> str:
    """A column of the results in words.

    Examples
    --------
    >>> column_words("taylor_order"), column_words("batch_size")
    ('Taylor order q', 'batch size')
    """
    return COLUMNS.get(column, column.replace("_", " "))


def value_words(value: Any) -> str:
    """A cell in words: a list cell ``'a|a|b'`` (one item per layer) as ``a`` followed by
    the multiplication sign and 2, then ``b``.

    Examples
    --------
    >>> value_words("softplus|softplus|softplus") == "softplus \u00d73"
    True
    >>> value_words("tanh|softplus"), value_words(0.5), value_words("none")
    ('tanh, softplus', '0.5', 'none')
    """
    text = str(value)
    if "|" not in text:
        return text
    runs = [(item, len(list(group))) for item, group in groupby(text.split("|"))]
    return ", ".join(item if count == 1 else f"{item} {TIMES}{count}" for item, count in runs)


def tick_label(columns: list[str] | tuple[str, ...], key: tuple[Any, ...]) -> str:
    """The tick of one box: its values in words, separated by commas (the axis label names
    the columns); a long one wraps.

    Examples
    --------
    >>> tick_label(["activation"], ("tanh",))
    'tanh'
    >>> tick_label(["depth", "width"], (3, 50))
    '3, 50'
    """
    text = ", ".join(value_words(k) for k in key)
    return textwrap.fill(text, TICK_WIDTH * max(1, len(columns)))


def panel_title(panel: str | None, value: Any) -> str:
    """The title of one panel: ``word = value``; a value that already reads ``a = b`` alone.

    Examples
    --------
    >>> panel_title("taylor_order", 3), panel_title("conversion_label", "q = 3, Q = 3")
    ('Taylor order q = 3', 'q = 3, Q = 3')
    >>> panel_title(None, None)
    ''
    """
    if panel is None:
        return ""
    text = value_words(value)
    return text if "=" in text else f"{column_words(panel)} = {text}"


def conversion_words(taylor_order: Any, max_order: Any) -> str:
    """A conversion as the papers write it.

    Examples
    --------
    >>> conversion_words(3, 5)
    'q = 3, Q = 5'
    """
    return f"{SYMBOLS['taylor_order']} = {taylor_order}, {SYMBOLS['max_order']} = {max_order}"
