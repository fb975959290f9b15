"""desk: the web desk of one institution (a backend-for-frontend) and the network team's view."""
