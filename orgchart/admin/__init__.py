"""Django admin of orgchart. Every page goes through the access policy (non-superusers see and
edit only their subtree; a row outside it is missing, 404) and every write calls a service."""

from orgchart.admin import accounts, people, tree

__all__ = ["accounts", "people", "tree"]
