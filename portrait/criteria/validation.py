def validate_criteria(tree) -> None:
    """Placeholder replaced by the criteria language implementation."""
