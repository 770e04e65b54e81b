"""The benchmark scenarios; each is ``run(context) -> list[Row]``."""
