"""The private-domain SCRM backend: one package per bounded context, shared things in core.

Importing it holds the garbage collector's passes back until the process's first event is
answered (:mod:`chalicelib.core.coldstart`): every Lambda handler's module is in here.
"""

from chalicelib.core.coldstart import defer_collection

defer_collection()
