"""Ledgers (台账, DESIGN §9): the export engine (``export``), its DRF hook (``api``) and the
template-based import (``imports``). Domain-free: the apps describe their ledgers' columns."""
