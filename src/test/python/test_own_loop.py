"""examples/own-loop: a TF Java program trained dynconv's CondConv and DynamicConv layers in a loop
of its own and exported them with TF Java's SavedModel exporter. Python TensorFlow loads that
export with the example's own loader script and reproduces the logits the Java program computed.
"""
import importlib.util


def test_python_reproduces_the_java_programs_logits(project_root, interop_dir):
    script = project_root / "examples" / "own-loop" / "load_in_python.py"
    spec = importlib.util.spec_from_file_location("load_in_python", script)
    loader = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loader)
    difference, routing = loader.main(interop_dir / "own-loop")
    assert difference < 1e-5
    assert routing == ["net/cond", "net/dyn"]
