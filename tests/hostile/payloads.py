"""Hostile text used across the corpus: each is a value a real table could hold."""

SCRIPT_PAYLOADS = ("<img src=x onerror=alert(1)>", "</script><script>alert(2)</script>", "<!--<script>")
MARKDOWN_PAYLOADS = ("**bold**", "$x^2$", ":red[red]", "![](http://example.com/x.png)")
SHELL_PAYLOAD = "outcome$(touch pwned)"
