"""Hostile-input review of 2026-12-02 (issue 21), models: an ONNX graph that would run for ever or take all
memory, "probabilities" that are not, a raw gradient-boosting Booster pickled instead of its classifier."""

import numpy as np
import onnx
import pandas as pd
import pytest
from onnx import TensorProto, helper, numpy_helper

from fairdash.cli import main
from fairdash.errors import InvalidInputError, ModelError
from fairdash.intake.models import ScoreModel, load_model


def _onnx(nodes, initializers=(), opset=17) -> bytes:
    """A graph from a two-column matrix ``X`` to one probability column ``Y``."""
    graph = helper.make_graph(
        nodes,
        "hostile",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 2])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["N", 1])],
        list(initializers),
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model.SerializeToString()


def _endless_loop() -> tuple[helper.NodeProto, list]:
    """A Loop of 10**13 rounds (the 395-byte file of the review), giving ``n``."""
    body = helper.make_graph(
        [helper.make_node("Identity", ["c"], ["c2"]), helper.make_node("Add", ["acc", "one"], ["acc2"])],
        "body",
        [
            helper.make_tensor_value_info("i", TensorProto.INT64, []),
            helper.make_tensor_value_info("c", TensorProto.BOOL, []),
            helper.make_tensor_value_info("acc", TensorProto.FLOAT, []),
        ],
        [helper.make_tensor_value_info("c2", TensorProto.BOOL, []), helper.make_tensor_value_info("acc2", TensorProto.FLOAT, [])],
        [numpy_helper.from_array(np.array(1.0, np.float32), "one")],
    )
    constants = [
        numpy_helper.from_array(np.array(10**13, np.int64), "trip"),
        numpy_helper.from_array(np.array(True), "t"),
        numpy_helper.from_array(np.array(0.0, np.float32), "acc0"),
    ]
    return helper.make_node("Loop", ["trip", "t", "acc0"], ["n"], body=body), constants


def _scaled_mean(scale: str) -> list:
    """sigmoid(mean of the row * ``scale``): a probability column from ``X``."""
    return [
        helper.make_node("ReduceMean", ["X"], ["m"], axes=[1], keepdims=1),
        helper.make_node("Mul", ["m", scale], ["z"]),
        helper.make_node("Sigmoid", ["z"], ["Y"]),
    ]


def _table(tmp_path, n=100):
    path = tmp_path / "t.csv"
    pd.DataFrame(
        {"a": [1.0, 2.0] * (n // 2), "b": [0.0, 1.0] * (n // 2), "y": [0, 1] * (n // 2), "g": ["x"] * (n // 2) + ["z"] * (n // 2)}
    ).to_csv(path, index=False)
    return path


def _audit(tmp_path, model_file, *extra) -> int:
    return main(
        [
            "audit",
            "--data",
            str(_table(tmp_path)),
            "--target",
            "y",
            "--sensitive",
            "g",
            "--model",
            str(model_file),
            "--features",
            "a,b",
            "--no-explain",
            *extra,
        ]
    )


# H7: a Loop's rounds are set by the file; everything else an ONNX model does is bounded in time and memory.


def test_an_onnx_loop_is_refused_at_load_and_the_command_line_exits_2(tmp_path, capsys):
    loop, constants = _endless_loop()
    content = _onnx([loop, *_scaled_mean("n")], constants)
    with pytest.raises(InvalidInputError, match="contains a Loop operator, whose number of rounds the file itself sets"):
        load_model(content, name="loop.onnx")
    (tmp_path / "loop.onnx").write_bytes(content)
    assert _audit(tmp_path, tmp_path / "loop.onnx") == 2
    assert "Loop operator" in capsys.readouterr().err


def test_a_loop_hidden_in_a_branch_of_an_if_is_refused_too():
    loop, constants = _endless_loop()
    branch = helper.make_graph([loop], "then", [], [helper.make_tensor_value_info("n", TensorProto.FLOAT, [])], constants)
    other = helper.make_graph(
        [helper.make_node("Identity", ["one"], ["k"])], "else", [], [helper.make_tensor_value_info("k", TensorProto.FLOAT, [])]
    )
    choose = helper.make_node("If", ["yes"], ["s"], then_branch=branch, else_branch=other)
    content = _onnx(
        [choose, *_scaled_mean("s")],
        [numpy_helper.from_array(np.array(True), "yes"), numpy_helper.from_array(np.array(1.0, np.float32), "one")],
    )
    with pytest.raises(InvalidInputError, match="Loop operator"):
        load_model(content, name="if.onnx")


def test_a_skl2onnx_kneighbors_model_whose_graph_holds_a_scan_still_loads_and_scores():
    from skl2onnx import to_onnx
    from sklearn.neighbors import KNeighborsClassifier

    rng = np.random.default_rng(0)
    table = pd.DataFrame(rng.normal(size=(300, 2)).astype(np.float32), columns=["a", "b"])  # no ties between distances
    fitted = KNeighborsClassifier(5).fit(table.to_numpy(), table["a"] > 0)
    content = to_onnx(fitted, table.to_numpy()[:1], options={"zipmap": False}, target_opset=18).SerializeToString()
    assert "Scan" in {node.op_type for node in onnx.ModelProto.FromString(content).graph.node}
    model = load_model(content, name="knn.onnx")
    scores = model.scores(table, positive_label=True, features=["a", "b"])
    np.testing.assert_allclose(scores, fitted.predict_proba(table.to_numpy())[:, 1], atol=1e-6)


def _running_sum() -> bytes:
    """A Scan over the rows (allowed: its rounds are the rows given), slow enough to outlast a tiny time limit."""
    body = helper.make_graph(
        [helper.make_node("Add", ["s", "x"], ["s2"]), helper.make_node("Identity", ["s2"], ["row"])],
        "body",
        [helper.make_tensor_value_info("s", TensorProto.FLOAT, [2]), helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [
            helper.make_tensor_value_info("s2", TensorProto.FLOAT, [2]),
            helper.make_tensor_value_info("row", TensorProto.FLOAT, [2]),
        ],
    )
    scan = helper.make_node("Scan", ["s0", "X"], ["total", "rows"], body=body, num_scan_inputs=1)
    return _onnx(
        [scan, helper.make_node("ReduceMean", ["rows"], ["m"], axes=[1], keepdims=1), helper.make_node("Sigmoid", ["m"], ["Y"])],
        [numpy_helper.from_array(np.zeros(2, np.float32), "s0")],
    )


def test_scoring_an_onnx_model_stops_at_its_time_limit_with_a_message():
    model = load_model(_running_sum(), name="slow.onnx")
    table = pd.DataFrame({"a": np.ones(2_000_000, np.float32), "b": np.ones(2_000_000, np.float32)})
    assert model.scores(table.head(3), positive_label=1, features=["a", "b"]) == pytest.approx([0.731059, 0.880797, 0.952574])
    model.estimator.time_limit = 0.05  # 2,000,000 rounds take about 2 s
    with pytest.raises(ModelError, match=r"did not finish scoring 2,000,000 rows within 0.05 seconds, .* was stopped"):
        model.scores(table, positive_label=1, features=["a", "b"])


def test_an_onnx_model_that_asks_for_terabytes_is_stopped_before_it_gets_them():
    # The shape is computed from the input's, so only a bound while scoring can catch it.
    nodes = [
        helper.make_node("Shape", ["X"], ["rows"]),
        helper.make_node("Mul", ["rows", "huge"], ["shape"]),
        helper.make_node("ConstantOfShape", ["shape"], ["big"]),
        helper.make_node("ReduceMean", ["big"], ["Y"], axes=[1], keepdims=1),
    ]
    model = load_model(_onnx(nodes, [numpy_helper.from_array(np.array([1, 10**12], np.int64), "huge")]), name="big.onnx")
    with pytest.raises(ModelError, match=r"asked for more memory than fairdash gives a model while scoring \(2 GiB\)"):
        model.scores(pd.DataFrame({"a": [1.0], "b": [2.0]}), positive_label=1, features=["a", "b"])


# H8: "probabilities" outside [0, 1] are not audited at 0.5 as if they were.


class _Percentages:
    """A classifier whose predict_proba gives raw values in the hundreds (as a model returning margins or
    percentages would)."""

    classes_ = np.array([0, 1])

    def predict_proba(self, X):
        raw = X["a"].to_numpy(dtype=float)
        return np.column_stack([-raw, raw])


def test_probabilities_outside_0_1_are_refused_naming_their_range():
    table = pd.DataFrame({"a": [153.2, 402.7, 200.0], "b": [0.0, 1.0, 2.0]})
    with pytest.raises(
        ModelError, match=r"probabilities of the model 'pct' are not within \[0, 1\] \(they range from 153.2 to 402.7\)"
    ):
        ScoreModel.wrap(_Percentages(), name="pct").scores(table, positive_label=1, features=["a", "b"])


def test_an_onnx_model_giving_raw_means_is_refused_and_the_command_line_exits_2(tmp_path, capsys):
    content = _onnx([helper.make_node("ReduceMean", ["X"], ["Y"], axes=[1], keepdims=1)])  # the review's raw.onnx
    (tmp_path / "raw.onnx").write_bytes(content)
    assert _audit(tmp_path, tmp_path / "raw.onnx", "--fail-on", "demographic_parity_ratio<0.8") == 2
    assert "are not within [0, 1] (they range from 0.5 to 1.5)" in capsys.readouterr().err


def test_probabilities_off_by_a_float32_rounding_are_kept_on_the_edge_and_margins_are_not_checked():
    class Rounded(_Percentages):
        def predict_proba(self, X):
            return np.array([[1e-7 + 1, -1e-7], [-1e-8, 1 + 1e-8], [0.75, 0.25]])

    table = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [0.0, 1.0, 2.0]})
    assert ScoreModel.wrap(Rounded()).scores(table, positive_label=1, features=["a", "b"]).tolist() == [0.0, 1.0, 0.25]

    class Margins:
        classes_ = np.array([0, 1])

        def decision_function(self, X):
            return X["a"].to_numpy(dtype=float) * 100

    margins = ScoreModel.wrap(Margins())
    assert margins.method == "decision_function"
    assert margins.scores(table, positive_label=1, features=["a", "b"]).tolist() == [100.0, 200.0, 300.0]


# M8: a raw Booster is named as such, with the class to save instead.


@pytest.fixture(scope="module")
def boosting_table():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    return X, (X["a"] > 0).astype(int)


def test_a_lightgbm_booster_is_named_with_the_classifier_to_save_instead(tmp_path, capsys, boosting_table):
    import joblib
    import lightgbm

    X, y = boosting_table
    booster = lightgbm.train({"objective": "binary", "verbose": -1, "num_threads": 1}, lightgbm.Dataset(X, y), 5)
    joblib.dump(booster, tmp_path / "b.pkl")
    with pytest.raises(ModelError, match=r"is a LightGBM Booster, not a scikit-learn classifier.*\(lightgbm.LGBMClassifier"):
        load_model(tmp_path / "b.pkl", trust_pickle=True)
    assert _audit(tmp_path, tmp_path / "b.pkl", "--trust-pickle") == 2
    assert "LightGBM Booster" in capsys.readouterr().err


def test_an_xgboost_booster_and_catboosts_base_class_are_named_too(boosting_table):
    import catboost
    import xgboost

    X, y = boosting_table
    booster = xgboost.train({"objective": "binary:logistic", "nthread": 1}, xgboost.DMatrix(X, y), 5)
    with pytest.raises(ModelError, match=r"is an XGBoost Booster, not a scikit-learn classifier.*\(xgboost.XGBClassifier"):
        ScoreModel.wrap(booster, name="x.pkl")
    # CatBoost's base class predicts raw values, which were silently compared with the positive label.
    base = catboost.CatBoost({"loss_function": "Logloss", "iterations": 5, "verbose": 0, "thread_count": 1}).fit(X, y)
    with pytest.raises(ModelError, match=r"CatBoost's base class \(catboost.CatBoost\).*catboost.CatBoostClassifier"):
        ScoreModel.wrap(base, name="c.pkl")
    classifier = catboost.CatBoostClassifier(iterations=5, verbose=0, thread_count=1).fit(X, y)
    assert ScoreModel.wrap(classifier).method == "predict_proba"  # the wrapper (a subclass) is welcome
