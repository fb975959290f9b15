"""DSI feed files (Alma user XML, CSV): whole-file pre-check, then streaming parse.

Typical use by the importer::

    check = check_feed(path)            # FeedRefusedError -> refuse the file, write nothing
    for item in read_feed(path, "ub"):
        if isinstance(item, Reject): ...  # count it, keep the line for the report
        else: ...                         # item.record: a valid PatronRecord

See :mod:`patron_sync.adapters.feeds.feed` for the two-pass trade-off and
:mod:`rebub.demo.feeds` for synthetic feeds (benchmark, demo).
"""
