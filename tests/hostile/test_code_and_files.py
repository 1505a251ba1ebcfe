"""Items 2-4: trust belongs to one file, an ONNX file reaches no other file, a pasted command runs no shell."""

import io
import pickle
import shlex
import subprocess

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from payloads import SHELL_PAYLOAD
from streamlit.testing.v1 import AppTest
from test_models import _TouchesAFile

from fairdash.engine.spec import AuditSpec
from fairdash.errors import InvalidInputError
from fairdash.intake.models import load_model


def _app() -> AppTest:
    return AppTest.from_file("../../app.py", default_timeout=120).run()


def _upload(at: AppTest, key: str, name: str, content: bytes) -> AppTest:
    return at.file_uploader(key=key).set_value((name, content, "application/octet-stream")).run()


def test_trust_given_to_one_pickle_does_not_pass_to_the_next(tmp_path, people, people_model):
    marker = tmp_path / "pwned"
    at = _app()
    at.segmented_control(key="source").set_value("upload").run()
    _upload(at, "data", "people.csv", people.to_csv(index=False).encode())
    harmless = io.BytesIO()
    pickle.dump(people_model, harmless)
    _upload(at, "model", "model.pkl", harmless.getvalue())
    at.checkbox(key="trust_pickle").check().run()
    assert not at.exception and not at.error  # the trusted file loads
    _upload(at, "model", "other.pkl", pickle.dumps(_TouchesAFile(marker)))
    assert not at.exception
    assert not marker.exists()  # the new file was not opened
    assert at.checkbox(key="trust_pickle").value is False
    assert any("was not opened" in error.value for error in at.error)


def _model_with_external_data(tmp_path, location: str) -> bytes:
    weights = helper.make_tensor("w", TensorProto.FLOAT, [1], [0.0])
    weights.data_location = TensorProto.EXTERNAL
    weights.ClearField("float_data")
    for key, value in (("location", location), ("offset", "0"), ("length", "4")):
        entry = weights.external_data.add()
        entry.key, entry.value = key, value
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "w"], ["probability"])],
        "leak",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 1])],
        [helper.make_tensor_value_info("probability", TensorProto.FLOAT, [None, 1])],
        initializer=[weights],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]).SerializeToString()


def test_an_onnx_file_cannot_read_the_servers_files(tmp_path, monkeypatch):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.float32(0.75).tobytes())
    monkeypatch.chdir(tmp_path)  # onnxruntime resolves external data against the working folder
    content = _model_with_external_data(tmp_path, "secret.bin")
    with pytest.raises(InvalidInputError, match="external data"):
        load_model(content, name="leak.onnx")


def test_an_onnx_file_with_its_weights_inside_still_loads():
    weights = helper.make_tensor("w", TensorProto.FLOAT, [1], [0.25])
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "w"], ["probability"])],
        "plain",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 1])],
        [helper.make_tensor_value_info("probability", TensorProto.FLOAT, [None, 1])],
        initializer=[weights],
    )
    content = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]).SerializeToString()
    onnx.checker.check_model(onnx.ModelProto.FromString(content))
    model = load_model(content, name="plain.onnx")
    import pandas as pd

    assert model.scores(pd.DataFrame({"x": [0.5]}), positive_label=1, features=["x"]) == pytest.approx([0.75])


def test_the_command_to_paste_runs_no_shell(tmp_path):
    from fairdash.cli import audit_command

    spec = AuditSpec(target=SHELL_PAYLOAD, positive_label="it's; rm -rf ~", sensitive=("a b", "`id`"), score="$(id)")
    command = audit_command(spec, model_file="m $(touch pwned2).pkl", thresholds=0.5)
    # The command as bash reads it, with the program swapped for one that prints its arguments.
    printed = subprocess.run(
        ["bash", "-c", command.replace("python -m fairdash", "printf '%s\\n'", 1)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()
    assert printed == shlex.split(command.replace("\\\n", " "))[3:]  # what a POSIX shell parser reads
    assert printed[printed.index("--target") + 1] == SHELL_PAYLOAD
    assert printed[printed.index("--model") + 1] == "m $(touch pwned2).pkl"
    assert printed[printed.index("--sensitive") + 1] == "a b,`id`"


def test_the_report_page_shows_the_quoted_command(people):
    at = _app()
    at.segmented_control(key="source").set_value("upload").run()
    at.radio(key="score_mode").set_value("column").run()
    table = people.rename(columns={"hired": SHELL_PAYLOAD})
    _upload(at, "data", "people.csv", table.to_csv(index=False).encode())
    at.selectbox(key="target").set_value(SHELL_PAYLOAD).run()
    at.switch_page("pages/report.py").run()
    assert not at.exception
    command = at.code[0].value
    assert f"--target '{SHELL_PAYLOAD}'" in command
