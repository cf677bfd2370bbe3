"""The table of combinations covers every pair of answers of cookiecutter.json, and each check takes what it needs."""

from __future__ import annotations

import importlib.util
import itertools
import json
from dataclasses import fields
from pathlib import Path
from types import ModuleType

from .baking import HOSTILE_ANSWERS
from .combinations import (
    BROWSER_ROWS,
    CONTAINER_ROWS,
    OPTIONS,
    PRE_COMMIT_ROWS,
    TABLE,
    TEXT_OPTIONS,
    Combination,
)

TEMPLATE = Path(__file__).resolve().parents[1]


def pre_gen_hook() -> ModuleType:
    """The pre-generation hook, imported by path: it lives outside any package."""
    spec = importlib.util.spec_from_file_location("pre_gen_project", TEMPLATE / "hooks" / "pre_gen_project.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REQUIREMENTS = pre_gen_hook().REQUIREMENTS


def refused_together(answers: dict[str, object]) -> bool:
    """Whether the hook refuses these answers together: one of them needs another answer to one of the others."""
    return any(
        answers.get(field) == value and other in answers and answers[other] not in allowed
        for (field, value), (other, allowed, _) in REQUIREMENTS.items()
    )


def template_prompts() -> dict[str, object]:
    """The prompts of cookiecutter.json, with their defaults."""
    context = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
    return {key: value for key, value in context.items() if not key.startswith("_")}


def answer_values() -> dict[str, tuple[object, ...]]:
    """Each option of the table and its possible answers: the template's choices, yes or no, and for the free-text
    options, whether a row answers any of their prompts."""
    values: dict[str, tuple[object, ...]] = {}
    for prompt, default in template_prompts().items():
        if isinstance(default, list):
            values[prompt] = tuple(default)
        elif isinstance(default, bool):
            values[prompt] = (True, False)
    return values | {option: (False, True) for option in TEXT_OPTIONS}


def answers_of(row: Combination) -> dict[str, object]:
    """The row's answer to every option of ``answer_values``."""
    texts = {option: any(prompt in row.texts for prompt in prompts) for option, prompts in TEXT_OPTIONS.items()}
    return row.choices | texts


def test_every_prompt_is_an_option_of_the_table() -> None:
    """A new prompt must become a column of the table (a choice or yes/no) or join a free-text option."""
    prompts = template_prompts()
    fixed = [prompt for prompt, default in prompts.items() if isinstance(default, (list, bool))]
    columns = [column.name for column in fields(Combination) if column.name not in {"texts", "label"}]
    assert columns == fixed == list(OPTIONS), "a choice or yes/no prompt is a column of combinations.Combination"
    free_text = sorted(prompt for prompt in prompts if prompt not in fixed)
    assert sorted(itertools.chain.from_iterable(TEXT_OPTIONS.values())) == free_text, "add it to TEXT_OPTIONS"


def test_every_row_gives_answers_of_the_template_and_a_readable_id_of_its_own() -> None:
    values = answer_values()
    for row in TABLE:
        assert all(row.choices[option] in values[option] for option in OPTIONS), row.id
        assert set(row.texts) <= set(itertools.chain.from_iterable(TEXT_OPTIONS.values())), row.id
        assert bool(row.texts) == bool(row.label), f"{row.id}: a row with text answers names them in its id"
        assert not refused_together(row.choices), f"{row.id}: the pre-generation hook refuses these answers"
    assert len({row.id for row in TABLE}) == len(TABLE)
    first = TABLE[0]
    assert first.choices == {option: answers[0] for option, answers in OPTIONS.items()}
    assert not first.texts, "the first row is the template's defaults"


def test_the_table_holds_every_pair_of_answers_of_two_options() -> None:
    values = answer_values()
    rows = [answers_of(row) for row in TABLE]
    missing = [
        f"{first}={first_value} with {second}={second_value}"
        for first, second in itertools.combinations(values, 2)
        for first_value, second_value in itertools.product(values[first], values[second])
        if not any(row.get(first) == first_value and row.get(second) == second_value for row in rows)
        and not refused_together({first: first_value, second: second_value})
    ]
    assert missing == [], "give these pairs to rows of tests/combinations.py (add a row only if no row can take one)"


def test_every_hostile_answer_goes_through_the_full_checks() -> None:
    unbaked = [
        name
        for name, answers in HOSTILE_ANSWERS.items()
        if not any(answers.items() <= dict(row.texts).items() for row in TABLE)
    ]
    assert unbaked == []


def test_each_check_selects_the_rows_it_needs() -> None:
    def seen(rows: list[Combination], *options: str) -> set[tuple[object, ...]]:
        return {tuple(row.choices[option] for option in options) for row in rows}

    def every(*options: str) -> set[tuple[object, ...]]:
        return set(itertools.product(*(OPTIONS[option] for option in options)))

    assert seen(BROWSER_ROWS, "framework", "server") == every("framework", "server")
    assert seen(CONTAINER_ROWS, "docker") == {(True,)}
    assert seen(CONTAINER_ROWS, "framework", "server") == every("framework", "server")
    assert seen(CONTAINER_ROWS, "framework", "database") == every("framework", "database")
    assert seen(PRE_COMMIT_ROWS, "framework") == every("framework")
    assert seen(PRE_COMMIT_ROWS, "ci") == every("ci") - {("none",)}
