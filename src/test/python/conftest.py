import json
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def interop_dir():
    d = os.environ.get("INTEROP_DIR")
    if not d:
        pytest.fail("INTEROP_DIR is not set; run these tests through 'mvn verify'")
    return pathlib.Path(d)


@pytest.fixture(scope="session")
def project_root():
    return ROOT


def load_json(path):
    with open(path) as f:
        return json.load(f)
