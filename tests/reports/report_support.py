"""What the report tests share besides fixtures: hostile user text and the evidence."""

from __future__ import annotations

import json

from support import SMALL_TOML

#: Text a user could type into objectives.toml that must come out literally and harmlessly.
SCRIPT = "<script>alert(1)</script>"
MARKUP = "[bold red]loud[/bold red]"
ANSI = "\x1b[31mred"
HOSTILE_TITLE = f"=HYPERLINK(\"x\") {SCRIPT} {MARKUP} {ANSI} | *em* # [a](b)"
HOSTILE_NOTE = f"@SUM(A1) note {SCRIPT} {MARKUP} {ANSI} | *em*"
HOSTILE_SOURCE = f"-2+3 said {SCRIPT} {MARKUP} {ANSI}"

HOSTILE_TOML = SMALL_TOML + f"""
[[objectives]]
id = "evil"
title = {json.dumps(HOSTILE_TITLE, ensure_ascii=False)}
kind = "target"
metric = "jobs"
target = 50
due = 2025-12-31
group = "@group <b>bold</b>"
owner = "+owner"
source = {json.dumps(HOSTILE_SOURCE, ensure_ascii=False)}
"""

#: Observations for the small programme: (metric, value, date).
EVIDENCE = (
    ("jobs", "10", "2024-03-31"), ("jobs", "25", "2024-06-30"), ("jobs", "31", "2024-09-30"),
    ("jobs", "40", "2024-12-31"), ("jobs", "52", "2025-03-31"),
    ("funding_eur", "1.5M", "2024-02-15"), ("funding_eur", "2M", "2024-11-30"),
)

AS_OF = "2025-04-30"
