"""House rules that keep the code navigable: explicit __all__, exceptions documented, hooks documented."""

import importlib
import inspect
import pkgutil
from pathlib import Path

import nadzor

ROOT = Path(__file__).resolve().parent.parent


def _modules():
    for info in pkgutil.walk_packages(nadzor.__path__, "nadzor."):
        name = info.name
        if name.endswith("__main__") or ".web.static" in name:
            continue
        yield name


def test_every_public_module_declares_all_and_its_names_exist():
    missing, broken = [], []
    for name in _modules():
        module = importlib.import_module(name)
        if Path(module.__file__).name == "__init__.py" and not hasattr(module, "__all__"):
            continue  # packages that only hold modules
        if not hasattr(module, "__all__"):
            missing.append(name)
            continue
        broken += [f"{name}.{n}" for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"modules without __all__: {missing}"
    assert not broken, f"__all__ names that do not exist: {broken}"


def test_exceptions_say_when_they_are_raised():
    from nadzor import exceptions

    for name in exceptions.__all__:
        cls = getattr(exceptions, name)
        assert inspect.isclass(cls) and issubclass(cls, exceptions.NadzorError)
        assert (cls.__doc__ or "").startswith("Raised if"), f"{name} needs a 'Raised if ...' docstring"


def test_every_hook_is_documented():
    from nadzor import hookspecs

    doc = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    hooks = [n for n, f in vars(hookspecs).items() if callable(f) and n.startswith("register_")]
    assert hooks
    for hook in hooks:
        assert f"## {hook}(" in doc, f"hook {hook} is not documented in docs/plugins.md"
