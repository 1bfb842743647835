"""Text from the knowledge base as it is shown: YAML folded blocks on one line."""


def one_line(text: str) -> str:
    """``text`` with every run of white space (newlines included) as one space."""
    return " ".join(text.split())
