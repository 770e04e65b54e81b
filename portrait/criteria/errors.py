class CriteriaError(ValueError):
    """A criteria tree is invalid; ``path`` names the offending node (``all[2].any[0].op``)."""

    def __init__(self, path: str, message: str):
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)
