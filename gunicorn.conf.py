"""gunicorn settings (read by `gunicorn wsgi:app` from the working directory).

The master imports the app (``preload_app``) and builds the match index before it forks the workers, so the
workers share the index's memory copy-on-write, and a worker's first request needs no build. A large
catalogue's build happens in the master, where no worker timeout applies.
"""
import gc
import os

bind = os.environ.get("CIVILMATCH_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("CIVILMATCH_WORKERS", "2"))
# Threaded workers keep a client's connection open between requests (a case system or a proxy sends many):
# the sync worker closes every connection and then waits for the client to close its end, time in which it
# serves no one. Two threads let a worker read the next request while another one waits on the database.
worker_class = "gthread"
threads = int(os.environ.get("CIVILMATCH_THREADS", "2"))
keepalive = int(os.environ.get("CIVILMATCH_KEEPALIVE", "5"))
preload_app = True
timeout = 60


def when_ready(server):
    """Runs in the master after the app is loaded, before any worker is forked."""
    app = server.app.wsgi()
    from web.extensions import db

    index = app.extensions["civilmatch.match_index"]
    with app.app_context():
        index.fresh(db.session).match("Mor på 30 med en dreng på 8 i Aarhus har brug for lektiehjælp")  # loads
        # the need parser's lexicons once, here, instead of in every worker's first request
    db.engine(app).dispose()      # connections are not shared across fork: each worker opens its own
    gc.collect()
    gc.freeze()                   # the collector then leaves the shared objects' pages alone in the workers
    server.log.info("match index built before forking: %d offers", len(index.engine))
