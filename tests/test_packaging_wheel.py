"""The wheel installs dreamreel.core / .editor / .resources (never a top-level `core`)."""

import subprocess
import sys
import zipfile

import pytest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    import dreamreel.core

    root = __import__("pathlib").Path(dreamreel.core.__file__).resolve().parent.parent
    out = tmp_path_factory.mktemp("wheel")
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(root)]
    result = subprocess.run(cmd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    (path,) = out.glob("dreamreel-*.whl")
    return path


def test_wheel_holds_namespaced_packages_and_resources(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.startswith("dreamreel-")}
    assert tops == {"dreamreel"}
    for needed in ("dreamreel/core/project.py", "dreamreel/core/formats/__init__.py", "dreamreel/core/engine/base.py",
                   "dreamreel/core/cli/main.py", "dreamreel/editor/__init__.py",
                   "dreamreel/resources/examples/song.ogg", "dreamreel/resources/examples/example.dreamreel"):
        assert needed in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry).decode()
    assert "dreamreel = dreamreel.core.cli.main:main" in text
    assert "dreamreel-editor = dreamreel.editor.app:main" in text


def test_installed_wheel_imports_from_its_own_files(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    # -S: no site-packages, so the editable install cannot answer; project.py needs only stdlib.
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import dreamreel.core.project as p; "
            "import dreamreel.resources as r; print(p.__file__); print(r.EXAMPLES_DIR)")
    out = subprocess.run([sys.executable, "-S", "-c", code, str(target)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    project_file, examples = out.stdout.split("\n")[:2]
    assert project_file.startswith(str(target))
    assert (__import__("pathlib").Path(examples) / "song.ogg").exists()
