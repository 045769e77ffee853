"""gunicorn.conf.py builds the match index in the master, before the workers fork, so a worker's first match
finds it built (and every worker shares it)."""
import gc
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class _Server:
    def __init__(self, app):
        self.app = type("Loaded", (), {"wsgi": staticmethod(lambda: app)})()
        self.log = type("Log", (), {"info": staticmethod(lambda *a: None)})()


def test_the_master_builds_the_index_before_forking(app, factory):
    org = factory.org("Sorgforeningen Kolding")
    factory.offer(org, title="Sorggruppe for børn", areas=["Kolding"], tags=["sorg"])
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["preload_app"] is True and conf["bind"].startswith("127.0.0.1")
    index = app.extensions["civilmatch.match_index"]
    assert index.version is None
    try:
        conf["when_ready"](_Server(app))
    finally:
        gc.unfreeze()
    assert index.version is not None and len(index.engine) == 1
