"""rebub's benchmarks: each measures a service's own cost beside the raw broker and store."""
