"""Serve the search playground to a whole room from one process (``make app``).

- :mod:`helpers.room.server`: the tornado server (one model, one index, one cache for everyone);
- :mod:`helpers.room.config`: the room file and a page's URL parameters;
- :mod:`helpers.room.cli`: ``python -m helpers.room``, which prints where students connect;
- :mod:`helpers.room.process`: running a server in a subprocess, for tests and benchmarks;
- :mod:`helpers.room.voila`: the one-kernel-per-visitor Voila baseline.

The page itself is ``helpers/room/static``; what it shows is :meth:`helpers.app.SearchApp.update`.
"""
