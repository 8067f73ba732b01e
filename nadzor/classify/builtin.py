"""Built-in classifier plugin: registers the shipped rule files and the ``classify`` analysis step."""

from __future__ import annotations

from nadzor.hookspecs import hookimpl

__all__ = ["register_classifier_rules", "register_analysis_steps", "ClassifyStep"]


@hookimpl
def register_classifier_rules():
    from nadzor.classify.taxonomy import builtin_rule_paths

    return [str(p) for p in builtin_rule_paths()]


class ClassifyStep:
    """Analysis step: classify every process in the store (runs before flags and findings)."""

    name = "classify"
    order = 10

    def run(self, store) -> dict:
        from nadzor.classify.store import classify_store

        return classify_store(store)


@hookimpl
def register_analysis_steps():
    return [ClassifyStep()]
