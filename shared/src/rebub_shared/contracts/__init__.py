"""The network's published events: one module per topic family, the payloads subscribers read.

Every payload is a CloudEvents ``data`` (see ``rebub_shared.cloudevents``); the AsyncAPI documents
and the event catalog are generated from these models, so their docstrings are the documentation.
"""
