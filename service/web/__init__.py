"""The web UI: server-rendered pages (Jinja2) for the secretariat, the departments and the
analysts, under ``/ui``, served by the same process and database as the API.

Every page calls the same domain functions as the API handlers (petitions, review, reports,
modelops); the access matrix is the API's (``auth.permissions``). Every asset is shipped inside
the package: nothing is loaded from outside the machine.
"""
