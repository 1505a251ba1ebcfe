"""ONNX classifiers seen as scikit-learn-like estimators (``predict_proba`` on a DataFrame, ``classes_``).

An ONNX file is a graph of standard operators, run by onnxruntime: loading one runs no code from the
file, so, like skops, it needs no opt-in. Any framework can export to it (scikit-learn through
skl2onnx, XGBoost and LightGBM through onnxmltools, PyTorch through ``torch.onnx``).

Two input layouts are understood: one input per column, named after the column and shaped
``[rows, 1]`` (what skl2onnx makes of a pipeline with a ColumnTransformer), or a single numeric
matrix ``[rows, features]``, fed with the columns the user chooses, in that order.

A model from an upload is run within bounds, since a 400-byte graph can ask for any amount of work:

- no ``Loop`` operator, whose number of rounds the file sets (10**13, or "until a condition"), is
  accepted; ``Scan`` and ``If`` are (a Scan runs once per slice of a tensor that exists, an If runs
  one branch once), so skl2onnx's exports, a KNeighbors model's Scan among them, load;
- one scoring call stops after :data:`SCORING_SECONDS` seconds (onnxruntime's terminate flag);
- the tensors a model computes share :data:`MEMORY_BYTES` bytes (a capped onnxruntime arena), and
  onnxruntime does not pre-compute constant parts of the graph while loading it (that would run
  outside both bounds).
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Iterator

import numpy as np
import pandas as pd

from fairdash.errors import InvalidInputError, ModelError

__all__ = ["SCORING_SECONDS", "MEMORY_BYTES", "OnnxClassifier"]

# ONNX element types -> the numpy type to feed.
_INPUT_TYPES = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(string)": object,
    "tensor(bool)": np.bool_,
}
# Operators of the ONNX-ML domain that record the class labels, in the order they are trusted.
_LABELLED_OPERATORS = ("ZipMap", "LinearClassifier", "TreeEnsembleClassifier", "TreeEnsemble", "SVMClassifier")

SCORING_SECONDS = 60.0
"""How long one scoring call of an ONNX model may run before it is stopped."""
MEMORY_BYTES = 2 * 1024**3
"""The memory all ONNX models scoring at once may hold in tensors (onnxruntime's CPU arena)."""

_LOOP_REFUSED = (
    "The ONNX model {name} contains a Loop operator, whose number of rounds the file itself sets (it can run "
    "for ever), so fairdash does not run it. Export the model without a loop (scikit-learn, XGBoost and LightGBM "
    "classifiers export without one), or score the table yourself and audit that column (--score)."
)
_TOO_SLOW = (
    "The ONNX model {name} did not finish scoring {rows:,} rows within {seconds:g} seconds, the time fairdash gives "
    "a model, and was stopped. Score fewer rows, or score the table yourself and audit that column (--score)."
)
_TOO_BIG = (
    "The ONNX model {name} asked for more memory than fairdash gives a model while scoring ({gib:g} GiB), and was "
    "stopped. Score fewer rows, or score the table yourself and audit that column (--score)."
)


def _parse(content: bytes, name: str) -> Any:
    """The model's graph as data (``onnx.ModelProto``): parsing reads no other file and runs nothing."""
    import onnx

    try:
        return onnx.ModelProto.FromString(content)
    except Exception as error:  # not a protobuf at all
        raise InvalidInputError(f"The file {name} is not an ONNX model onnxruntime can run ({_first_line(error)}).") from None


def _refuse_external_data(model: Any, name: str) -> None:
    """Refuse a model whose tensors live in other files ("external data"): onnxruntime would read them
    from paths the file names, relative to the server's working folder, so a model could read the
    server's files. An uploaded model must hold all its weights itself."""
    import onnx

    external = [
        tensor.name or "(unnamed)"
        for tensor in _tensors(model)
        if tensor.data_location == onnx.TensorProto.EXTERNAL or len(tensor.external_data)
    ]
    if external:
        raise InvalidInputError(
            f"The ONNX model {name} keeps {len(external)} tensor(s) in other files (external data, e.g. {external[0][:60]!r}); "
            "fairdash loads only models that hold all their weights. Save it with onnx.save_model(model, path, "
            "save_as_external_data=False)."
        )


def _refuse_unbounded(model: Any, name: str) -> None:
    """Refuse a graph whose work the file can make endless: a Loop runs as many rounds as a number in the
    file says (or until a condition it computes), and onnxruntime cannot tell how many before it runs."""
    if any(node.op_type == "Loop" for node in _nodes(model)):
        raise InvalidInputError(_LOOP_REFUSED.format(name=name))


def _graphs(model: Any) -> Iterator[Any]:
    """The main graph and every subgraph (the bodies of If, Loop and Scan), at any depth, in functions too."""

    def with_subgraphs(graph: Any) -> Iterator[Any]:
        yield graph
        yield from in_nodes(graph.node)

    def in_nodes(nodes: Any) -> Iterator[Any]:
        for node in nodes:
            for attribute in node.attribute:
                if attribute.HasField("g"):
                    yield from with_subgraphs(attribute.g)
                for graph in attribute.graphs:
                    yield from with_subgraphs(graph)

    yield from with_subgraphs(model.graph)
    for function in model.functions:
        yield from in_nodes(function.node)


def _nodes(model: Any) -> Iterator[Any]:
    """Every node of the model: in its graph, its subgraphs and its local functions."""
    for graph in _graphs(model):
        yield from graph.node
    for function in model.functions:
        yield from function.node


def _tensors(model: Any) -> Iterator[Any]:
    """Every tensor in the model: initializers and constant attributes, in subgraphs and functions too."""
    for graph in _graphs(model):
        yield from graph.initializer
        for sparse in graph.sparse_initializer:
            yield sparse.values
            yield sparse.indices
    for node in _nodes(model):
        for attribute in node.attribute:
            if attribute.HasField("t"):
                yield attribute.t
            yield from attribute.tensors
            if attribute.HasField("sparse_tensor"):
                yield attribute.sparse_tensor.values
                yield attribute.sparse_tensor.indices
            for sparse in attribute.sparse_tensors:
                yield sparse.values
                yield sparse.indices


@functools.cache
def _capped_allocator() -> None:
    """Register, once per process, the CPU arena that sessions built by :func:`_session` share: its cap is
    what bounds the memory a model computes. It is onnxruntime's own process-wide setting, used only by
    sessions that ask for it (``session.use_env_allocators``)."""
    import onnxruntime

    memory = onnxruntime.OrtMemoryInfo("Cpu", onnxruntime.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0, onnxruntime.OrtMemType.DEFAULT)
    onnxruntime.create_and_register_allocator(memory, onnxruntime.OrtArenaCfg(MEMORY_BYTES, -1, -1, -1))


def _session(content: bytes) -> Any:
    """An onnxruntime session within the bounds above."""
    import onnxruntime

    _capped_allocator()
    options = onnxruntime.SessionOptions()
    options.add_session_config_entry("session.use_env_allocators", "1")
    # Optimizing would compute the graph's constant parts now, with neither the time nor the memory bound.
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.log_severity_level = 4  # a stopped or failed run is reported by the exception; keep stderr clean
    return onnxruntime.InferenceSession(content, options, providers=["CPUExecutionProvider"])


class OnnxClassifier:
    """A binary classifier in ONNX format.

    ``classes_`` are read from the graph's classifier or ZipMap operator when it records them;
    otherwise they are unknown (None) and, as for a scikit-learn estimator without ``classes_``, the
    second probability column is taken as the positive class. ``feature_names_in_`` is set when
    the model takes one input per column. ``time_limit`` is the seconds one scoring call may take
    (:data:`SCORING_SECONDS` unless changed on the object).
    """

    time_limit: float = SCORING_SECONDS

    def __init__(self, content: bytes, name: str) -> None:
        graph = _parse(content, name)
        _refuse_external_data(graph, name)
        _refuse_unbounded(graph, name)
        try:
            self._session = _session(content)
        except Exception as error:  # a damaged file, an operator this onnxruntime lacks
            raise InvalidInputError(f"The file {name} is not an ONNX model onnxruntime can run ({_first_line(error)}).") from None
        self.name = name
        self._inputs = self._session.get_inputs()
        if not self._inputs:
            raise ModelError(f"The ONNX model {name} takes no input, so it cannot score a table.")
        unknown = [f"{item.name} ({item.type})" for item in self._inputs if item.type not in _INPUT_TYPES]
        if unknown:
            raise ModelError(f"The ONNX model {name} takes inputs fairdash cannot build from a table: {', '.join(unknown)}.")
        self._per_column = len(self._inputs) > 1 or _width(self._inputs[0]) == 1
        if self._per_column:
            self.feature_names_in_ = np.array([item.name for item in self._inputs], dtype=object)
        self._output = _probability_output(self._session.get_outputs(), name)
        self.classes_ = _class_labels(graph)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probabilities, one column per class (in ``classes_`` order where known)."""
        X = pd.DataFrame(X)
        output = self._run(self._feeds(X), len(X))
        if isinstance(output, list):  # ZipMap: one {class: probability} per row, keys in the classes' order
            return np.array([tuple(row.values()) for row in output], dtype=float).reshape(len(output), -1)
        probabilities = np.asarray(output, dtype=float)
        if probabilities.ndim == 1 or probabilities.shape[1] == 1:  # one column: the positive class's probability
            positive = probabilities.reshape(-1)
            return np.column_stack([1 - positive, positive])
        return probabilities

    def _run(self, feeds: dict[str, np.ndarray], rows: int) -> Any:
        """The probability output, or :class:`ModelError` when the run outgrows :data:`SCORING_SECONDS`
        or :data:`MEMORY_BYTES`."""
        import onnxruntime

        options = onnxruntime.RunOptions()
        options.log_severity_level = 4
        options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")  # give memory back after each run
        timer = threading.Timer(self.time_limit, setattr, (options, "terminate", True))
        timer.daemon = True
        timer.start()
        try:
            return self._session.run([self._output.name], feeds, options)[0]
        except Exception as error:
            if options.terminate:
                raise ModelError(_TOO_SLOW.format(name=self.name, rows=rows, seconds=self.time_limit)) from None
            if "smaller than requested bytes" in str(error):  # the arena's refusal (bfc_arena.cc)
                raise ModelError(_TOO_BIG.format(name=self.name, gib=MEMORY_BYTES / 1024**3)) from None
            raise
        finally:
            timer.cancel()

    def _feeds(self, X: pd.DataFrame) -> dict[str, np.ndarray]:
        if self._per_column:
            names = [item.name for item in self._inputs]
            # By name when the table has the model's columns; by position when the user chose as many.
            columns = names if set(names) <= set(X.columns) else list(X.columns)
            if len(columns) != len(names):
                raise ModelError(
                    f"The ONNX model {self.name} takes {len(names)} columns ({', '.join(names)}); {len(columns)} were given."
                )
            return {item.name: _as_input(X[column], item).reshape(-1, 1) for item, column in zip(self._inputs, columns)}
        item = self._inputs[0]
        width = _width(item)
        if width is not None and X.shape[1] != width:
            raise ModelError(
                f"The ONNX model {self.name} takes {width} feature columns; {X.shape[1]} were chosen. "
                f"Choose its {width} columns, in the order it was trained on."
            )
        dtype = _INPUT_TYPES[item.type]
        try:
            return {item.name: X.to_numpy(dtype=dtype)}
        except (TypeError, ValueError):
            text = [column for column in X.columns if not pd.api.types.is_numeric_dtype(X[column])]
            raise ModelError(
                f"The ONNX model {self.name} takes one numeric matrix; these columns are not numbers: {', '.join(text)}."
            ) from None


def _width(item: Any) -> int | None:
    shape = item.shape
    return shape[1] if len(shape) == 2 and isinstance(shape[1], int) else None


def _as_input(column: pd.Series, item: Any) -> np.ndarray:
    dtype = _INPUT_TYPES[item.type]
    if dtype is object:  # strings, as numpy objects (onnxruntime's string tensors)
        return column.to_numpy(dtype=object).astype(str).astype(object)
    try:
        return column.to_numpy(dtype=dtype)
    except (TypeError, ValueError):
        raise ModelError(
            f"The model's input {item.name!r} takes {item.type}; column {column.name!r} does not convert to it."
        ) from None


def _probability_output(outputs: list[Any], name: str) -> Any:
    """The output holding probabilities: a sequence of maps (ZipMap), else the last float tensor."""
    for output in outputs:
        if output.type.startswith("seq(map("):
            return output
    floats = [output for output in outputs if output.type in ("tensor(float)", "tensor(double)")]
    if not floats:
        raise ModelError(
            f"The ONNX model {name} has no probability output (outputs: {', '.join(o.name + ' ' + o.type for o in outputs)})."
        )
    return floats[-1]


def _class_labels(model: Any) -> list[Any] | None:
    """The class labels the graph records, or None."""
    graph = model.graph
    found: dict[str, list[Any]] = {}
    for node in graph.node:
        if node.op_type not in _LABELLED_OPERATORS:
            continue
        for attribute in node.attribute:
            if attribute.name == "classlabels_strings" and attribute.strings:
                found.setdefault(node.op_type, [label.decode() for label in attribute.strings])
            elif attribute.name == "classlabels_int64s" and attribute.ints:
                found.setdefault(node.op_type, list(attribute.ints))
    return next((found[operator] for operator in _LABELLED_OPERATORS if operator in found), None)


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__
