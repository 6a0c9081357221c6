"""The library's messages in command-line terms: ``data=X_train`` becomes ``--data FILE``.

The library speaks to Python users; its errors and warnings name keyword
arguments (``approximation='fit'``, ``trust=True``, ``interval=(-3.0, 3.0)``).
At the command line's error boundary every such mention that has an option
is rewritten into that option, so the advice can be typed as it reads.
"""

from __future__ import annotations

import re

__all__ = ["OPTIONS", "command_line_terms"]

#: Library argument -> command-line option, for the arguments the commands offer.
OPTIONS = {
    "approximation": "--approximation",
    "data": "--data",
    "interval": "--interval",
    "max_order": "--max-order",
    "taylor_orders": "--taylor-orders",
    "taylor_center": "--taylor-center",
    "trust": "--trust",
}

_NAMES = "|".join(sorted(OPTIONS, key=len, reverse=True))
#: ``name=value``: a quoted word, a parenthesised pair, a list, a number or an identifier.
_ASSIGNMENT = re.compile(
    rf"(?<![\w.\-])(?P<name>{_NAMES})="
    r"(?P<value>'[^']*'|\"[^\"]*\"|\([^()]*\)|\[[^\[\]]*\]|\.\.\.|-?\w+(?:\.\w+)*)"
)
#: The template's "The 'name' parameter of caller" (caller optional).
_PARAMETER = re.compile(rf"\b[Tt]he '(?P<name>{_NAMES})' parameter(?: of [\w.]+)?")
#: The library's own pointer to the command line, redundant once translated.
_ASIDE = re.compile(r" \(command line: [^)]*\)")


def _value(name: str, value: str) -> str:
    """The option's argument as typed on a command line."""
    if name == "trust":
        return ""
    if name == "data":
        return " FILE"
    if value[:1] in "'\"":
        value = value[1:-1]
    elif value[:1] in "([":
        parts = [part.strip() for part in value[1:-1].split(",")]
        value = ",".join(part.upper() if part.isidentifier() else part for part in parts)
    elif value == "..." or value.isidentifier():
        value = name.split("_")[-1].upper()
    return f" {value}"


def _assignment(match: re.Match[str]) -> str:
    name = match["name"]
    return OPTIONS[name] + _value(name, match["value"])


#: Names with an underscore mentioned bare ("Drop taylor_center."): unambiguous, so translated.
_BARE = re.compile(r"(?<![\w.'\"=-])(?P<name>max_order|taylor_orders|taylor_center)(?![\w'\"=])")
#: The data check's sentence, about an array, for a file.
_DATA_SHAPE = re.compile(
    r"\b(?:fit_)?data has shape \((?P<rows>\d+), (?P<columns>\d+)\) but the network has "
    r"(?P<inputs>\d+) inputs; pass an array of shape \(n_samples, \d+\)"
)
_DATA_SUBJECT = re.compile(r"^(?:fit_)?data (?=has |must )")
#: A framework's detail in parentheses that repeats the file the message already names.
_QUOTED_FILE = re.compile(r"^'(?P<file>[^']+)'")


def _data_shape(match: re.Match[str]) -> str:
    return (
        f"--data has {match['rows']} rows of {match['columns']} columns but the network has "
        f"{match['inputs']} inputs; pass a file with {match['inputs']} columns, one sample per row"
    )


def _named_once(text: str) -> str:
    """``text`` without a parenthesised detail that names its file a second time."""
    named = _QUOTED_FILE.match(text)
    if named is None:
        return text
    file = named["file"]
    name = file.rsplit("/", 1)[-1]
    pattern = re.compile(r" \((?:[^()]|\([^()]*\))*\)")
    rest = pattern.sub(
        lambda detail: "" if file in detail[0] or name in detail[0] else detail[0],
        text[named.end() :],
    )
    return text[: named.end()] + rest


#: Library functions that are also commands.
_COMMANDS = re.compile(
    r"\b(?:nn2poly\.(?P<name>diagnose|to_polynomial)|(?P<bare>to_polynomial|run_study|plot_study))"
    r"\b(?:\(\))?(?=[\s.,;:)]|$)"
)
COMMANDS = {
    "diagnose": "'nn2poly diagnose'",
    "to_polynomial": "'nn2poly convert'",
    "run_study": "'nn2poly study'",
    "plot_study": "'nn2poly plot'",
}
#: Positional arguments of the commands, named as their help names them.
_ARGUMENT = re.compile(r"\b[Tt]he 'results' parameter of plot_study\b")
#: The template's "Got 'PATH' instead.", after which the same path is "it".
_GOT = re.compile(r"Got (?P<value>'[^']*[/.][^']*') instead\.")


def _command(match: re.Match[str]) -> str:
    return COMMANDS[match["name"] or match["bare"]]


def _once(text: str) -> str:
    """A path the template already quoted ("Got 'x.csv' instead.") is "it" afterwards."""
    got = _GOT.search(text)
    if got is None:
        return text
    head, tail = text[: got.end()], text[got.end() :]
    return head + re.sub(rf"\b(?:in |of )?{re.escape(got['value'])}", _it, tail)


def _it(match: re.Match[str]) -> str:
    preposition = match[0].split("'", 1)[0]
    return f"{preposition}it"


def command_line_terms(text: str) -> str:
    """``text`` with the library's keyword arguments written as command-line options.

    Examples
    --------
    >>> command_line_terms("Use approximation='fit' with data=X_train.")
    'Use --approximation fit with --data FILE.'
    >>> command_line_terms("pass trust=True (command line: --trust); or save as .onnx")
    'pass --trust; or save as .onnx'
    >>> command_line_terms("or interval=(low, high), e.g. interval=(-3.0, 3.0)")
    'or --interval LOW,HIGH, e.g. --interval -3.0,3.0'
    >>> command_line_terms("The 'max_order' parameter of to_polynomial must be an int >= 0.")
    '--max-order must be an int >= 0.'
    >>> command_line_terms("data has shape (1, 3) but the network has 2 inputs; pass an array "
    ...                    "of shape (n_samples, 2), e.g. the training inputs.")
    '--data has 1 rows of 3 columns but the network has 2 inputs; pass a file with 2 columns, \
one sample per row, e.g. the training inputs.'
    >>> command_line_terms("'m.keras' could not be read (File not found: filepath=m.keras.); "
    ...                    "expected a model saved with model.save. Drop taylor_center.")
    "'m.keras' could not be read; expected a model saved with model.save. Drop --taylor-center."
    >>> command_line_terms("The 'results' parameter of plot_study must be a folder. Got 'a/b' "
    ...                    "instead. There is no results.csv in 'a/b'; give the folder "
    ...                    "run_study wrote to.")
    "RESULTS must be a folder. Got 'a/b' instead. There is no results.csv in it; give the \
folder 'nn2poly study' wrote to."
    >>> command_line_terms("The 'tolerance' parameter of diagnose; diagnose it.")
    "The 'tolerance' parameter of diagnose; diagnose it."
    >>> command_line_terms("or check the fidelity on your data with nn2poly.diagnose.")
    "or check the fidelity on your data with 'nn2poly diagnose'."
    >>> command_line_terms("The 'n' parameter of f must be an int; memory_limit=... (bytes)")
    "The 'n' parameter of f must be an int; memory_limit=... (bytes)"
    """
    text = _once(_named_once(_ASIDE.sub("", text)))
    text = _ARGUMENT.sub("RESULTS", text)
    text = _DATA_SUBJECT.sub("--data ", _DATA_SHAPE.sub(_data_shape, text))
    text = _BARE.sub(lambda match: OPTIONS[match["name"]], text)
    text = _PARAMETER.sub(lambda match: OPTIONS[match["name"]], text)
    text = _COMMANDS.sub(_command, text)
    return _ASSIGNMENT.sub(_assignment, text)
