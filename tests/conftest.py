"""Suite-wide: the longest tests start first, one on each worker.

The suite runs on two pytest-xdist workers (pyproject.toml, `--dist worksteal`): each gets half of
the list, in order, and a worker that runs out takes tests from the end of the other's queue. A
long test left near the end would keep one worker busy alone, so the few that take half a minute
or more on a 2-core machine (subprocesses that import TensorFlow or JAX, real trainings in the
app) go to the front of each half, alternately. Only the order changes: every test runs.
"""

from __future__ import annotations

LONG = (  # by their last measured length, longest first
    "test_app_session.py::test_stop_resume_live_generation_and_quit",
    "test_app_budget.py::test_a_budget_typed_in_the_form_trains_for_that_long",
    "test_crash_safety.py::test_sigkill_at_random_moments",
    "test_backends.py::test_a_model_folder_moves_between_backends",
    "test_app_chart.py::test_chart_shows_epochs_best_and_resumed_history",
    "test_backends.py::test_two_processes_train_like_one_process_on_both_shares",
    "test_app_flow.py::test_train_stop_generate",
    "test_benchmarks_smoke.py::test_benchmarks_quick_smoke",
    "test_app_walkthrough.py::test_a_three_line_seed_comes_back_from_the_history",
    "test_backends.py::test_a_sampled_softmax_word_run_learns_on_jax",
    "test_budget.py::test_a_budget_run_stops_at_the_budget_with_its_best_epoch",
    "test_cli.py::test_train_generate_evaluate",
    "test_backends.py::test_a_process_that_dies_stops_the_other_with_one_line",
    "test_backends.py::test_two_devices_train_like_one",
    "test_budget.py::test_on_jax_the_rate_set_from_the_clock_is_the_rate_applied",
    "test_budget.py::test_resume_takes_a_new_budget_or_epochs",
    "test_docs_examples.py::test_the_python_blocks_of_a_page_run",
    "test_notebook.py::test_the_example_notebook_runs_in_a_jupyter_kernel",
    "test_python_api.py::test_train_returns_the_model_and_calls_on_event_in_the_callers_thread",
)


def _rank(item) -> int:
    for i, name in enumerate(LONG):
        if name in item.nodeid:
            return i
    return len(LONG)


def pytest_collection_modifyitems(session, config, items) -> None:
    ranked = sorted((item for item in items if _rank(item) < len(LONG)), key=_rank)
    rest = [item for item in items if _rank(item) == len(LONG)]  # in their usual order
    first, second = ranked[0::2], ranked[1::2]
    half = len(items) // 2  # worksteal's first share for the first of two workers
    cut = max(half - len(first), 0)
    items[:] = first + rest[:cut] + second + rest[cut:]
