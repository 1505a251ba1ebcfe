import io
import pathlib
import pickle

import joblib
import numpy as np
import pytest
import skops.io
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.svm import LinearSVC

from fairdash.errors import FairdashError, InvalidInputError, ModelError, UntrustedModelError
from fairdash.intake.models import ScoreModel, load_model, untrusted_types

FEATURES = ["age", "income", "sex", "race"]


class _TouchesAFile:
    """Unpickling this creates a file: a stand-in for a malicious pickle."""

    def __init__(self, marker: pathlib.Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


def test_pickle_is_refused_unopened_without_trust(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(_TouchesAFile(marker)))
    with pytest.raises(UntrustedModelError, match="runs code from the file"):
        load_model(path)
    assert not marker.exists()
    # The same file with trust does run its code: the test above really guards something.
    with pytest.raises(ModelError, match="not a model"):
        load_model(path, trust_pickle=True)
    assert marker.exists()


def test_trusted_joblib_loads_and_scores(people, people_model):
    buffer = io.BytesIO()
    joblib.dump(people_model, buffer)
    model = load_model(buffer.getvalue(), name="m.joblib", trust_pickle=True)
    assert model.feature_names == tuple(FEATURES)
    expected = people_model.predict_proba(people[FEATURES])[:, list(people_model.classes_).index("yes")]
    np.testing.assert_allclose(model.scores(people, positive_label="yes"), expected)


def test_skops_pipeline_loads_without_trust(people, people_model):
    model = load_model(skops.io.dumps(people_model), name="m.skops")
    assert model.method == "predict_proba"
    np.testing.assert_allclose(model.scores(people, positive_label="no"), people_model.predict_proba(people[FEATURES])[:, 0])


def test_skops_untrusted_types_must_be_accepted(people):
    X = people[["age", "income"]]
    fitted = HistGradientBoostingClassifier(max_iter=5).fit(X, people["hired"])
    content = skops.io.dumps(fitted)
    needed = untrusted_types(content, name="m.skops")
    assert needed  # HistGradientBoosting carries a type skops does not trust by default
    with pytest.raises(UntrustedModelError) as refused:
        load_model(content, name="m.skops")
    assert list(refused.value.untrusted_types) == needed
    model = load_model(content, name="m.skops", trusted_types=needed)
    np.testing.assert_allclose(model.scores(people, positive_label="yes"), fitted.predict_proba(X)[:, 1])


def test_the_command_line_names_the_trust_type_flag_in_words_that_run(people, tmp_path, capsys):
    """Refused, the message gives the exact command-line words (--trust-type TYPE for each type); pasted back, they load."""
    import shlex

    from fairdash.cli import main

    X = people[["age", "income"]]
    skops.io.dump(HistGradientBoostingClassifier(max_iter=5).fit(X, people["hired"]), tmp_path / "m.skops")
    people.to_csv(tmp_path / "people.csv", index=False)
    audit = [
        "audit",
        "--data",
        str(tmp_path / "people.csv"),
        "--target",
        "hired",
        "--positive-label",
        "yes",
        "--sensitive",
        "sex",
        "--model",
        str(tmp_path / "m.skops"),
        "--features",
        "age,income",
        "--no-explain",
    ]
    assert main(audit) == 2
    error = capsys.readouterr().err
    needed = untrusted_types(tmp_path / "m.skops")
    words = " ".join(f"--trust-type {name}" for name in needed)
    assert needed and f"(on the command line: {words})" in error
    assert main(audit + shlex.split(error.split("(on the command line: ")[1].split(")")[0])) == 0


def test_decision_function_is_turned_to_the_positive_class(people):
    X = people[["age", "income"]]
    svm = LinearSVC().fit(X, people["hired"])
    model = ScoreModel.wrap(svm)
    assert model.method == "decision_function"
    np.testing.assert_allclose(model.scores(people, positive_label="yes", features=["age", "income"]), svm.decision_function(X))
    np.testing.assert_allclose(model.scores(people, positive_label="no", features=["age", "income"]), -svm.decision_function(X))


def test_predict_only_model_gives_zero_one_scores(people):
    class Rule:
        def predict(self, X):
            return np.where(X["income"] > 50, "yes", "no")

    scores = ScoreModel.wrap(Rule()).scores(people, positive_label="yes", features=["income"])
    assert set(np.unique(scores)) <= {0.0, 1.0}
    assert scores.tolist() == (people["income"] > 50).astype(float).tolist()


def test_missing_columns_are_named(people, people_model):
    model = ScoreModel.wrap(people_model)
    with pytest.raises(ModelError, match="lacks: 'income', 'race'"):
        model.scores(people.drop(columns=["income", "race"]), positive_label="yes")


def test_wrong_positive_label_and_failing_model(people, people_model):
    model = ScoreModel.wrap(people_model)
    with pytest.raises(ModelError, match="not one of the classes"):
        model.scores(people, positive_label="maybe")
    broken = people.assign(income="lots")
    with pytest.raises(ModelError, match="could not score"):
        model.scores(broken, positive_label="yes")


@pytest.mark.parametrize(
    ("content", "name", "error", "message"),
    [
        (b"", "m.skops", InvalidInputError, "empty"),
        (b"not a zip", "m.skops", InvalidInputError, "not a readable skops file"),
        (b"\x80\x04garbage", "m.pkl", InvalidInputError, "could not be loaded"),
        (b"abc", "m.h5", InvalidInputError, "extension '.h5'"),
        (b"", "m.onnx", InvalidInputError, "empty"),
        (b"not protobuf", "m.onnx", InvalidInputError, "not an ONNX model onnxruntime can run"),
    ],
)
def test_bad_model_files(content, name, error, message):
    with pytest.raises(error, match=message) as raised:
        load_model(content, name=name, trust_pickle=True)
    assert isinstance(raised.value, FairdashError)


def test_a_non_model_is_refused():
    with pytest.raises(ModelError, match="not a model"):
        load_model(skops.io.dumps({"a": 1}), name="m.skops")


# ---- ONNX: safe to load, from any framework -------------------------------------------------------


@pytest.mark.parametrize("positive_label", ["yes", "no"])
def test_onnx_pipeline_scores_equal_sklearns(people, people_model, people_onnx, positive_label):
    model = load_model(people_onnx, name="people.onnx")
    assert model.feature_names == ("age", "income", "sex", "race")  # one input per column
    assert model.classes == ["no", "yes"]
    expected = people_model.predict_proba(people[FEATURES])[:, list(people_model.classes_).index(positive_label)]
    # onnxruntime computes in float32.
    np.testing.assert_allclose(model.scores(people, positive_label=positive_label), expected, atol=1e-5)


def test_onnx_matrix_model_takes_the_chosen_columns_and_reads_its_classes_from_the_graph(people):
    from skl2onnx import to_onnx
    from sklearn.linear_model import LogisticRegression

    X = people[["age", "income"]]
    fitted = LogisticRegression().fit(X, people["hired"])
    content = to_onnx(fitted, X=X.to_numpy(np.float32)[:1], options={"zipmap": False}, target_opset=18).SerializeToString()
    model = load_model(content, name="matrix.onnx")
    assert model.feature_names is None and model.classes == ["no", "yes"]
    np.testing.assert_allclose(
        model.scores(people, positive_label="no", features=["age", "income"]), fitted.predict_proba(X)[:, 0], atol=1e-5
    )
    with pytest.raises(ModelError, match="choose the feature columns"):
        model.scores(people, positive_label="yes")
    with pytest.raises(ModelError, match="takes 2 feature columns; 3 were chosen"):
        model.scores(people, positive_label="yes", features=["age", "income", "score"])
    with pytest.raises(ModelError, match="not numbers: sex"):
        model.scores(people, positive_label="yes", features=["age", "sex"])


def test_an_onnx_model_whose_inputs_no_table_gives_is_refused_plainly():
    from onnx import TensorProto, helper

    image = helper.make_tensor_value_info("image", TensorProto.FLOAT16, [None, 3, 32, 32])
    graph = helper.make_graph(
        [helper.make_node("Identity", ["image"], ["out"])],
        "vision",
        [image],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT16, [None, 3, 32, 32])],
    )
    content = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9).SerializeToString()
    with pytest.raises(ModelError, match=r"cannot build from a table: image \(tensor\(float16\)\)"):
        load_model(content, name="vision.onnx")


def test_an_onnx_model_without_class_labels_scores_its_probability_column(people):
    """A graph with no ONNX-ML classifier (as torch.onnx exports): sigmoid(X @ w + b), one column out."""
    from onnx import TensorProto, helper, numpy_helper

    weights, bias = np.array([[0.05], [-0.02]], dtype=np.float32), np.array([-1.0], dtype=np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["X", "w"], ["margin"]),
            helper.make_node("Add", ["margin", "b"], ["logit"]),
            helper.make_node("Sigmoid", ["logit"], ["probability"]),
        ],
        "logistic",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 2])],
        [helper.make_tensor_value_info("probability", TensorProto.FLOAT, [None, 1])],
        initializer=[numpy_helper.from_array(weights, "w"), numpy_helper.from_array(bias, "b")],
    )
    content = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9).SerializeToString()
    model = load_model(content, name="torch.onnx")
    assert model.classes is None and model.feature_names is None
    X = people[["income", "age"]]
    expected = 1 / (1 + np.exp(-(X.to_numpy() @ weights[:, 0] + bias[0])))
    np.testing.assert_allclose(model.scores(people, positive_label=1, features=["income", "age"]), expected, rtol=1e-5)

    from fairdash.explain.attributions import shap_values

    result = shap_values(model, X.iloc[:20], background=X)  # no labels: the default positive class is the probability column
    assert result.method == "permutation"
    np.testing.assert_allclose(result.base_value + result.values.sum(axis=1), expected[:20], atol=1e-6)
