"""Every page that trains a stored experiment compares, at full scale, that experiment's run with its stored results,
and the run it compares is that experiment's alone.

Static (no kernel): in the quick profile the comparison never executes (it sits under `if profile == "full":`), so
nbval cannot see a wrong one, and a full build takes the book's 30-45 min. The bug this guards against was real: the
exercises page of 7.3 merged exercise 7.6's run into exercise 7.5's dict (`results.update(run(...))`) and compared
the merged dict with exercise 7.6's stored results, so `make book PROFILE=full` stopped there ("不是同一组配置"); and
the 7.2 exercises page trained at full scale without comparing at all.

What a page's code must do, read in execution order:
- a run of stored experiment E is bound to a name and nothing else: `X = run(experiment_configs("E", ...), ...)`
  (or `dict(run(...))`), or for 7.2's sweeps `X = recipe.sweep(..., out_dir=runs_dir("E"))`;
- later, with X still bound to that run and not mutated (`X.update(...)`, `X[k] = ...`), the page calls
  `same_as_stored("E", X)`, or `recipe.compare_with_stored(X, B)` with `B = recipe.stored_sweep("E")`.
"""

import ast
import json
import re
from pathlib import Path

import pytest

from nndl.sections.experiments import EXPERIMENTS

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MUTATORS = {"update", "pop", "popitem", "clear", "setdefault", "__setitem__", "__delitem__"}


def code_of(path):
    """A notebook's code cells joined in order, IPython magics and shell lines blanked."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    lines = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code").splitlines()
    return "\n".join("" if re.match(r"\s*[%!]", line) else line for line in lines)


def _name(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _first_string(call):
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def _trained_experiment(value):
    """E when `value` is `run(experiment_configs("E", ...), ...)`, `dict(` of it `)`, or `sweep(..., out_dir=runs_dir("E"))`."""
    if not isinstance(value, ast.Call):
        return None
    if _name(value.func) == "dict" and len(value.args) == 1:
        value = value.args[0]
        if not isinstance(value, ast.Call):
            return None
    if _name(value.func) == "run" and value.args and isinstance(value.args[0], ast.Call) \
            and _name(value.args[0].func) == "experiment_configs":
        return _first_string(value.args[0])
    if _name(value.func) == "sweep":
        out_dir = [k.value for k in value.keywords if k.arg == "out_dir"]
        if out_dir and isinstance(out_dir[0], ast.Call) and _name(out_dir[0].func) == "runs_dir":
            return _first_string(out_dir[0])
    return None


def _stored_experiment(value):
    if isinstance(value, ast.Call) and _name(value.func) in ("stored", "stored_sweep"):
        return _first_string(value)
    return None


def problems(code):
    """What is wrong with the full-scale comparisons in `code` (a page's code cells): a list of sentences."""
    tree = ast.parse(code)
    found, bound, runs = [], {}, []  # bound: name -> ("run" | "stored", experiment) while it holds that, untouched
    approved = set()  # id() of the run/sweep calls that are the whole value of an assignment to a name
    events = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            events.append((node.lineno, node.col_offset, 0, node))
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.Delete, ast.Call)):
            events.append((node.lineno, node.col_offset, 1, node))
    for line, _, _, node in sorted(events, key=lambda e: e[:3]):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    trained, kept = _trained_experiment(node.value), _stored_experiment(node.value)
                    bound.pop(target.id, None)
                    if trained is not None and len(node.targets) == 1:
                        bound[target.id] = ("run", trained)
                        runs.append([trained, target.id, line, False])
                        approved.add(id(node.value.args[0] if _name(node.value.func) == "dict" else node.value))
                    elif kept is not None:
                        bound[target.id] = ("stored", kept)
                elif isinstance(target, (ast.Subscript, ast.Attribute)) and isinstance(target.value, ast.Name):
                    bound.pop(target.value.id, None)
                else:  # a tuple target rebinds every name in it
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            bound.pop(name.id, None)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.Delete)):
            for target in ([node.target] if not isinstance(node, ast.Delete) else node.targets):
                base = target.value if isinstance(target, (ast.Subscript, ast.Attribute)) else target
                if isinstance(base, ast.Name):
                    bound.pop(base.id, None)
        else:  # a call
            func = _name(node.func)
            if isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS \
                    and isinstance(node.func.value, ast.Name):
                bound.pop(node.func.value.id, None)
            if (func == "run" and node.args and isinstance(node.args[0], ast.Call)
                    and _name(node.args[0].func) == "experiment_configs") or \
                    (func == "sweep" and any(k.arg == "out_dir" for k in node.keywords)):
                if id(node) not in approved:
                    found.append(f"line {line}: a run that is not assigned, whole, to a name of its own; the page "
                                 "cannot compare it with its stored results")
            if func == "same_as_stored":
                experiment = _first_string(node)
                held = node.args[1].id if len(node.args) > 1 and isinstance(node.args[1], ast.Name) else None
                if held is None or bound.get(held) != ("run", experiment):
                    found.append(f"line {line}: same_as_stored({experiment!r}, {held}) compares something other "
                                 f"than the untouched run of {experiment!r} (it holds {bound.get(held)})")
                else:
                    _mark(runs, experiment, held)
            if func == "compare_with_stored":
                names = [a.id if isinstance(a, ast.Name) else None for a in node.args[:2]]
                live, book = (bound.get(n) for n in names) if len(names) == 2 else (None, None)
                if not (live and book and live[0] == "run" and book[0] == "stored" and live[1] == book[1]):
                    found.append(f"line {line}: compare_with_stored({', '.join(map(str, names))}) does not compare "
                                 f"an untouched run with the stored results of the same experiment ({live}, {book})")
                else:
                    _mark(runs, live[1], names[0])
    for experiment, name, line, compared in runs:
        if not compared:
            found.append(f"line {line}: the run of {experiment!r} bound to {name} is never compared with its "
                         "stored results")
    return found


def _mark(runs, experiment, name):
    for entry in reversed(runs):
        if entry[:2] == [experiment, name]:
            entry[3] = True
            return


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_full_scale_run_is_compared_with_its_own_stored_results(path):
    assert problems(code_of(path)) == [], f"{path.name} (lines count the code cells joined in order)"


def test_every_stored_experiment_is_compared_on_some_page():
    compared = set()
    for path in NOTEBOOKS:
        compared |= set(re.findall(r"""same_as_stored\(\s*["']([^"']+)""", code_of(path)))
        compared |= set(re.findall(r"""stored_sweep\(\s*["']([^"']+)""", code_of(path)))
    assert set(EXPERIMENTS) <= compared, f"never compared with a page's full-scale run: {set(EXPERIMENTS) - compared}"


GOOD = '''
results = dict(run(experiment_configs("exercise-7.5", profile), out_dir=runs_dir("exercise-7.5")))
results_76 = dict(run(experiment_configs("exercise-7.6", profile), out_dir=runs_dir("exercise-7.6")))
if profile == "full":
    print(same_as_stored("exercise-7.5", results))
    print(same_as_stored("exercise-7.6", results_76))
result = recipe.sweep(profile=profile, out_dir=runs_dir("7.2-batch-size"))
book = recipe.stored_sweep("7.2-batch-size")
if profile == "full":
    print(recipe.compare_with_stored(result, book))
'''


@pytest.mark.parametrize("old, new, complaint", [
    # the bug that was: exercise 7.6's run merged into exercise 7.5's dict, the merged dict compared
    ('results_76 = dict(run(experiment_configs("exercise-7.6", profile), out_dir=runs_dir("exercise-7.6")))',
     'results.update(run(experiment_configs("exercise-7.6", profile), out_dir=runs_dir("exercise-7.6")))',
     "not assigned, whole"),
    ('same_as_stored("exercise-7.6", results_76)', 'same_as_stored("exercise-7.6", results)', "other than"),
    # a dict changed between the run and the comparison
    ('if profile == "full":\n    print(same_as_stored("exercise-7.5"',
     'results["extra"] = 1\nif profile == "full":\n    print(same_as_stored("exercise-7.5"', "other than"),
    # a sweep trained at full scale and never compared (the 7.2 exercises page before)
    ('    print(recipe.compare_with_stored(result, book))', '    pass', "never compared"),
    # the sweep compared with another experiment's stored results
    ('book = recipe.stored_sweep("7.2-batch-size")', 'book = recipe.stored_sweep("7.2-exercises")', "same experiment"),
])
def test_the_check_names_each_wrong_comparison(old, new, complaint):
    assert problems(GOOD) == []
    assert GOOD.count(old) == 1
    found = problems(GOOD.replace(old, new))
    assert found and any(complaint in sentence for sentence in found), found
