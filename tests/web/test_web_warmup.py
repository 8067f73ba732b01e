"""Warming a new app: one in-process request per page type before the first visitor."""

from __future__ import annotations

from nadzor.web.app import create_app
from nadzor.web.warmup import warm_up, warm_up_paths


def test_warm_up_requests_every_page_type_of_the_sample_and_they_answer(sample_db):
    app = create_app(sample_db)
    statuses = warm_up(app, app.state.reader)
    kinds = {path.split("?")[0].rsplit("/", 1)[0] or path for path in statuses}
    assert {"/purchases", "/api/processes", "/buyers", "/api/buyers", "/suppliers", "/api/suppliers"} <= kinds
    assert all(code == 200 for code in statuses.values()), statuses


def test_warm_up_paths_of_an_empty_store_need_no_record(empty_db):
    app = create_app(empty_db)
    paths = warm_up_paths(app.state.reader)
    assert not any(p.startswith(("/purchases/", "/buyers/", "/suppliers/")) for p in paths)
    assert set(warm_up(app, app.state.reader).values()) == {200}
