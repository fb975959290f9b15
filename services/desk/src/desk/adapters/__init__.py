"""The desk's outside world: the OIDC provider, circulation and patron-sync, sessions, policies."""
