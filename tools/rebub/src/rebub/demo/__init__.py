"""``rebub demo``: the whole network at work on realistic synthetic data, ending with a report."""
