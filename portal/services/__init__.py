"""Use cases as plain functions.

Views, jobs and commands call these; these use models. A service never reads
the request, the session or the logged-in user: it takes the actor and the
date or time it acts at as arguments.
"""
