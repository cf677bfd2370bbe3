"""The items export: an example of a feature's kind of background job, with its route, its work and its result.

A route accepts the export and queues it as a job; a worker reads the items a batch at a time and renders them; the
job's status and result are the ``jobs`` routes'.
"""

URL = "/api/v1/items/exports"
