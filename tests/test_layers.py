"""Imports point one way, down these layers (STYLE.md, "Layout"):

1. The project: config's settings, URLs and entry points, and the sign-in backend
   (config.auth), which read from every app.
2. following: subscriptions and alerts. It delivers its notices to conversation's inbox,
   so it sits over conversation.
3. conversation: comments and the inbox.
4. archive: works, chapters, tags, series, kudos, bookmarks, reading.
5. accounts: readers, their preferences and consents.
6. The vocabulary: archive.vocabulary (ratings, warnings, categories, consent items), which
   every layer above speaks. It stays in archive/, whose words it holds, but imports
   nothing of the project, so it is a layer of its own below accounts.
7. Infrastructure that knows no domain: the rest of config (paths, clients, cache, limits,
   middleware, sessions, the admin's input checks, and config.views, the site's own pages
   for health, errors and 429s that the limits and middleware answer with), jobs, limits.

A module may import from its own layer and the layers below it, anywhere in the module
(imports inside functions count). When a lower layer has news for a higher one, the higher
one listens: it hands the lower a function or a part when it loads (archive.writing.news,
accounts.account.add_part), and the lower calls whatever it was handed. Models naming each
other by string ("archive.Tag") are relations, not imports, and are not checked here.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["config", "accounts", "archive", "conversation", "following", "jobs", "limits"]

# Top first. A module is in the layer of the longest of these names that it starts with.
LAYERS = [
    ["config.settings", "config.urls", "config.wsgi", "config.asgi", "config.auth"],
    ["following"],
    ["conversation"],
    ["archive"],
    ["accounts"],
    ["archive.vocabulary"],
    ["config", "jobs", "limits"],
]


def project_modules():
    """{dotted name: path} of every module of the project's packages."""
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


MODULES = project_modules()


def layer_of(module):
    """The module's layer, 0 at the top; None for what is not the project's."""
    found = [
        (len(name), index)
        for index, names in enumerate(LAYERS)
        for name in names
        if module == name or module.startswith(name + ".")
    ]
    return max(found)[1] if found else None


def imported(module, source):
    """(line, module) for each import in `source`, the code of `module`, resolved to the
    project module it reads (`from archive import news` reads archive.news)."""
    is_package = MODULES.get(module, Path()).name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield node.lineno, submodule if submodule in MODULES else base


def upward_imports(module, source):
    """The imports of `module` (its code is `source`) from a layer above its own."""
    own = layer_of(module)
    problems = [
        f"{module}:{line} imports {target}"
        for line, target in imported(module, source)
        if (layer := layer_of(target)) is not None and layer < own
    ]
    return list(dict.fromkeys(problems))  # once for `from x import a, b`


def test_imports_point_down_the_layers():
    upward = [
        problem
        for module, path in sorted(MODULES.items())
        for problem in upward_imports(module, path.read_text())
    ]
    assert upward == []


def test_every_module_of_the_project_has_a_layer():
    assert [module for module in MODULES if layer_of(module) is None] == []


def test_an_import_up_the_layers_is_found_wherever_it_is():
    source = "from archive.models import Work\n\ndef f():\n    from following import updates\n"
    assert upward_imports("accounts.forms", source) == [
        "accounts.forms:1 imports archive.models",
        "accounts.forms:4 imports following.updates",
    ]
    assert upward_imports("following.views", source) == []


def test_the_vocabulary_and_infrastructure_sit_below_the_apps():
    assert upward_imports("accounts.models", "from archive.vocabulary import Rating") == []
    assert upward_imports("archive.vocabulary", "import accounts.models") == [
        "archive.vocabulary:1 imports accounts.models"
    ]
    assert upward_imports("config.paths", "from config import auth") == [
        "config.paths:1 imports config.auth"
    ]
    assert upward_imports("jobs.queue", "from config import clients") == []
