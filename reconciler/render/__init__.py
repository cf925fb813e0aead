"""Plans, errors and progress as text, Markdown, JSON or HTML. Decides nothing."""
