"""Study configurations: data, network and conversion settings, a grid and repetitions."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._approximation import MAX_TAYLOR_ORDER
from .._monomials import n_monomials
from .._validation import Interval, Options, Predicate, check_param, invalid_value, validate_params
from ._generate import _POLYNOMIAL_PARAMETERS, _SIMULATE_PARAMETERS

__all__ = ["DATA_DEFAULTS", "NETWORK_DEFAULTS", "STUDY_LIMITS", "StudyConfig", "load_config"]

#: Settings of the simulated data (see :func:`nn2poly.study.simulate`).
DATA_DEFAULTS: dict[str, Any] = {
    "n_features": 3,
    "degree": 2,
    "terms_per_degree": None,
    "coef_range": [-5.0, 5.0],
    "intercept": True,
    "n": 200,
    "distribution": "uniform",
    "mean_range": None,
    "correlation": 0.0,
    "noise_sd": 0.1,
    "test_fraction": 0.25,
    "scale_x": True,
    "scale_y": True,
}

#: Settings of the network and its training (see :class:`nn2poly.MLPRegressor`);
#: ``depth`` and ``width`` build ``hidden_layer_sizes = (width,) * depth``.
NETWORK_DEFAULTS: dict[str, Any] = {
    "depth": 1,
    "width": 10,
    "activation": "tanh",
    "constraint": "l1",
    "optimizer": "adam",
    "learning_rate": 0.001,
    "epochs": 200,
    "batch_size": 32,
}

#: One conversion of every trained network.
CONVERSION_DEFAULTS: dict[str, Any] = {"approximation": "taylor", "max_order": 3, "taylor_order": 8}

#: The largest values a study accepts, checked when the configuration is made: each
#: run simulates, trains and converts in one process, so these bound what one run may
#: allocate or take (``true_terms``: monomials of the true polynomial's degree in its
#: features, all of which the simulation enumerates).
STUDY_LIMITS: dict[str, int] = {
    "n": 10**7,
    "n_features": 1000,
    "degree": 10,
    "true_terms": 10**6,
    "depth": 100,
    "width": 10_000,
    "epochs": 10**6,
    "batch_size": 10**7,
    "max_order": 20,
    "taylor_order": MAX_TAYLOR_ORDER,
}

#: What each data setting accepts: the constraints of random_polynomial and simulate,
#: with the upper bounds of STUDY_LIMITS.
_DATA_VALUES: dict[str, list[Any]] = {
    **_POLYNOMIAL_PARAMETERS,
    **{key: value for key, value in _SIMULATE_PARAMETERS.items() if key != "polynomial"},
    "n_features": [Interval(int, 1, STUDY_LIMITS["n_features"])],
    "degree": [Interval(int, 1, STUDY_LIMITS["degree"])],
    "n": [Interval(int, 4, STUDY_LIMITS["n"])],
}

#: What each network setting accepts (the names are checked by MLPRegressor when it fits).
_NETWORK_VALUES: dict[str, list[Any]] = {
    "depth": [Interval(int, 1, STUDY_LIMITS["depth"])],
    "width": [Interval(int, 1, STUDY_LIMITS["width"])],
    "activation": [str],
    "constraint": [str, None],
    "optimizer": [str],
    "learning_rate": [Interval(float, 0, None, closed="neither")],
    "epochs": [Interval(int, 1, STUDY_LIMITS["epochs"])],
    "batch_size": [Interval(int, 1, STUDY_LIMITS["batch_size"])],
}

_CONVERSION_VALUES: dict[str, list[Any]] = {
    "approximation": [Options({"auto", "taylor", "fit"})],
    "max_order": [Interval(int, 1, STUDY_LIMITS["max_order"])],
    "taylor_order": [Interval(int, 0, STUDY_LIMITS["taylor_order"])],
}

_VALUES_FIX = "StudyConfig's documentation lists what each setting accepts (Notes)."

_NONE_WORDS = ("none", "null")

#: Bytes of a TOML configuration read at most.
MAX_CONFIG_BYTES = 1 << 20


def _normalise(value: Any) -> Any:
    """TOML has no null: the strings 'none'/'null' stand for None; lists stay JSON-like."""
    if isinstance(value, str) and value.lower() in _NONE_WORDS:
        return None
    if isinstance(value, (list, tuple)):
        return [_normalise(item) for item in value]
    if isinstance(value, dict):
        return {key: _normalise(item) for key, item in value.items()}
    return value


def _stable_hash(values: dict[str, Any]) -> int:
    return zlib.crc32(json.dumps(values, sort_keys=True).encode())


def _non_empty_list_of_dicts(value: Any) -> bool:
    return (
        isinstance(value, (list, tuple))
        and bool(value)
        and all(isinstance(item, dict) for item in value)
    )


_CONFIG_PARAMETERS: dict[str, list[Any]] = {
    "name": [
        Predicate(
            lambda value: isinstance(value, str) and bool(value),
            "a non-empty str",
            type_test=lambda value: isinstance(value, str),
        )
    ],
    "data": [dict],
    "network": [dict],
    "grid": [dict],
    "conversions": [
        Predicate(_non_empty_list_of_dicts, "a non-empty list of tables, e.g. [{max_order = 3}]")
    ],
    "repetitions": [Interval(int, 1, None)],
    "seed": [Interval(int, 0, None)],
    "same_data": [bool],
    "record_coefficients": [bool],
}


def _check_value(name: str, value: Any, constraints: list[Any]) -> Any:
    """One setting's value (TOML's "none" read as None) checked against its constraints."""
    return check_param(name, _normalise(value), constraints, caller="StudyConfig", fix=_VALUES_FIX)


def _check_keys(part: str, values: dict[str, Any], known: dict[str, Any], what: str) -> None:
    """Refuse keys of ``values`` that are not in ``known``, listing the known ones."""
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise invalid_value(
            part,
            unknown,
            f"keys that are each {what}",
            caller="StudyConfig",
            fix=f"Unknown keys {unknown}; the known ones are {sorted(known)}.",
        )


@dataclass(frozen=True)
class StudyConfig:
    """A simulation study: every combination of ``grid`` values, ``repetitions`` times.

    Parameters
    ----------
    name : str
        Used in file names and the result rows.
    data, network : dict
        Overrides of :data:`DATA_DEFAULTS` and :data:`NETWORK_DEFAULTS`.
    grid : dict of str to list
        Keys of ``data`` or ``network`` and the values to cross.
    conversions : list of dict
        Each trained network is converted once per entry (keys ``approximation``,
        ``max_order``, ``taylor_order``).
    repetitions : int
        Runs per grid setting; repetition ``r`` of every setting with the same
        data settings sees the same data set (paired comparisons).
    seed : int
        Root of every data and network seed.
    same_data : bool, default=False
        Every repetition uses one data set (repetition 0's) and only the network
        seed changes: the "same data, different networks" mode.
    record_coefficients : bool, default=True
        Also write every recovered coefficient up to the true degree.

    Notes
    -----
    Every value of ``data``, ``network``, ``grid`` and ``conversions`` is
    checked when the configuration is made, with the constraints of
    :func:`~nn2poly.study.simulate`, :class:`~nn2poly.MLPRegressor` and
    :func:`~nn2poly.to_polynomial` (finite numbers, e.g. ``noise_sd >= 0``,
    ``learning_rate > 0``) and these upper bounds (``STUDY_LIMITS``): ``n``
    10**7, ``n_features`` 1000, ``degree`` 10 (and at most 10**6 monomials of
    that degree in those features), ``depth`` 100, ``width`` 10000, ``epochs``
    10**6, ``batch_size`` 10**7, ``max_order`` 20, ``taylor_order`` 1000.

    Examples
    --------
    >>> config = StudyConfig("demo", grid={"activation": ["tanh", "sigmoid"], "width": [4, 8]})
    >>> len(config.settings())
    4
    >>> config.settings()[1]["network"]["width"]
    8
    """

    name: str
    data: dict[str, Any] = field(default_factory=dict)
    network: dict[str, Any] = field(default_factory=dict)
    grid: dict[str, list[Any]] = field(default_factory=dict)
    conversions: list[dict[str, Any]] = field(default_factory=lambda: [dict(CONVERSION_DEFAULTS)])
    repetitions: int = 10
    seed: int = 0
    same_data: bool = False
    record_coefficients: bool = True

    def __post_init__(self) -> None:
        caller = "StudyConfig"
        validate_params(
            {field.name: getattr(self, field.name) for field in dataclasses.fields(self)},
            _CONFIG_PARAMETERS,
            caller=caller,
        )
        for part, defaults in (("data", DATA_DEFAULTS), ("network", NETWORK_DEFAULTS)):
            _check_keys(part, getattr(self, part), defaults, f"a {part} setting")
        _check_keys(
            "grid", self.grid, {**DATA_DEFAULTS, **NETWORK_DEFAULTS}, "a data or network setting"
        )
        for key, values in self.grid.items():
            if not isinstance(values, (list, tuple)) or not values:
                raise invalid_value(
                    f"grid[{key!r}]", values, "a non-empty list of values", caller=caller
                )
        for conversion in self.conversions:
            _check_keys("conversions", conversion, CONVERSION_DEFAULTS, "a conversion setting")
        self._check_values()

    def _check_values(self) -> None:
        """Every setting's value (grid values included) within its constraints and limits."""
        tables = {**_DATA_VALUES, **_NETWORK_VALUES}
        chosen: dict[str, list[Any]] = {}
        for part in ("data", "network"):
            for key, value in getattr(self, part).items():
                chosen[key] = [_check_value(f"{part}[{key!r}]", value, tables[key])]
        for key, values in self.grid.items():
            chosen[key] = [
                _check_value(f"grid[{key!r}][{index}]", value, tables[key])
                for index, value in enumerate(values)
            ]
        for index, conversion in enumerate(self.conversions):
            for key, value in conversion.items():
                _check_value(f"conversions[{index}][{key!r}]", value, _CONVERSION_VALUES[key])
        n_features = max(chosen.get("n_features", [DATA_DEFAULTS["n_features"]]))
        degree = max(chosen.get("degree", [DATA_DEFAULTS["degree"]]))
        if n_monomials(n_features, degree) > STUDY_LIMITS["true_terms"]:
            raise invalid_value(
                "data",
                {"n_features": n_features, "degree": degree},
                f"settings whose true polynomial has at most {STUDY_LIMITS['true_terms']:,} "
                "monomials to draw from",
                caller="StudyConfig",
                fix=f"{n_monomials(n_features, degree):,} monomials of degree <= {degree} in "
                f"{n_features} features; lower the degree or the number of features.",
            )

    # ------------------------------------------------------------------ settings
    def settings(self) -> list[dict[str, Any]]:
        """Every grid combination as ``{"data": {...}, "network": {...}, "grid": {...}}``."""
        keys = list(self.grid)
        out = []
        for values in itertools.product(*(self.grid[key] for key in keys)):
            chosen = {key: _normalise(value) for key, value in zip(keys, values, strict=True)}
            data = {**DATA_DEFAULTS, **_normalise(dict(self.data))}
            network = {**NETWORK_DEFAULTS, **_normalise(dict(self.network))}
            for key, value in chosen.items():
                (data if key in DATA_DEFAULTS else network)[key] = value
            out.append({"data": data, "network": network, "grid": chosen})
        return out

    def full_conversions(self) -> list[dict[str, Any]]:
        """The conversions with defaults filled in."""
        return [{**CONVERSION_DEFAULTS, **conversion} for conversion in self.conversions]

    def data_seed(self, setting: dict[str, Any], repetition: int) -> int:
        """Seed of the data set of one run: shared by settings with the same data."""
        rep = 0 if self.same_data else repetition
        sequence = np.random.SeedSequence([self.seed, rep, _stable_hash(setting["data"])])
        return int(sequence.generate_state(1)[0])

    def network_seed(self, setting: dict[str, Any], repetition: int) -> int:
        """Seed of the network initialisation and batches of one run."""
        sequence = np.random.SeedSequence(
            [self.seed, repetition, _stable_hash(setting["network"]), 1]
        )
        return int(sequence.generate_state(1)[0] % (2**31 - 1))

    def replace(self, **changes: Any) -> StudyConfig:
        """A copy with some fields changed (e.g. ``repetitions``)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready settings (written beside the results)."""
        return dataclasses.asdict(self)


def load_config(path: str | os.PathLike[str]) -> StudyConfig:
    """Read a study from a TOML file.

    The file holds ``name``, ``repetitions``, ``seed``, optional ``same_data``,
    tables ``[data]``, ``[network]``, ``[grid]`` and an array of tables
    ``[[conversions]]``. TOML has no null: write ``"none"`` (e.g. for
    ``constraint`` or ``terms_per_degree`` entries).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> text = '''
    ... name = "mine"
    ... repetitions = 3
    ... [network]
    ... epochs = 50
    ... [grid]
    ... activation = ["tanh", "softplus"]
    ... [[conversions]]
    ... max_order = 3
    ... taylor_order = 5
    ... '''
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "study.toml"
    >>> _ = path.write_text(text)
    >>> load_config(path).settings()[1]["network"]["activation"]
    'softplus'
    """
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise ImportError(
                "Reading TOML on Python 3.10 needs tomli: pip install tomli."
            ) from None

    path = Path(path)
    if not path.is_file():
        raise invalid_value(
            "path",
            str(path),
            "the path of a TOML file",
            caller="load_config",
            fix="No study configuration is there; give a TOML file or a preset name.",
        )
    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise ValueError(
            f"{str(path)!r} holds {path.stat().st_size} bytes, more than a study configuration "
            f"({MAX_CONFIG_BYTES} at most); give the TOML file of a study."
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ValueError(
            f"{str(path)!r} is not valid TOML ({error}); correct the file, or give a preset name."
        ) from None
    known = {f.name for f in dataclasses.fields(StudyConfig)}
    unknown = set(raw) - known
    if unknown:
        raise ValueError(
            f"Unknown keys {sorted(unknown)} in {str(path)!r}; the known ones are "
            f"{sorted(known)}. Correct or remove them."
        )
    raw.setdefault("name", path.stem)
    return StudyConfig(**raw)
