"""``jwt.warnings``: the warning classes PyJWT users filter on."""

__all__ = ["RemovedInPyjwt3Warning"]


class RemovedInPyjwt3Warning(DeprecationWarning):
    """An argument or behaviour that PyJWT 3 removes (Bulwark warns where PyJWT does)."""
