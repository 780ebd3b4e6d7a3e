"""The workspace over time: the ledger of recorded states, ``plausible update`` and ``plausible watch``."""
