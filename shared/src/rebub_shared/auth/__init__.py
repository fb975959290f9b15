"""Identity: OIDC access tokens checked on every route, bound to one institution.

``settings`` (the ``auth`` group), ``jwks`` (the issuer's keys), ``tokens`` (checking a token,
the ``Principal``), ``guard`` (FastAPI: ``install_auth``, ``requires``), ``audit`` (the record of
privileged actions). The permissions themselves are data: ``rebub_shared.permissions``.
"""
