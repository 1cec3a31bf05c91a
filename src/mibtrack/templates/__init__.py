"""The projects `mibtrack init` writes: `mib` (the Marseille Immunology Biocluster) or `blank`."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from ..errors import UsageError

TEMPLATES = ("mib", "blank")
GITIGNORE = ".mibtrack/\nledger/*.pending\n"
GITATTRIBUTES = "ledger/*.jsonl -text\nledger/quarantine/* -text\n"


def template_text(name: str) -> str:
    return files(__package__).joinpath(f"{name}.toml").read_text(encoding="utf-8")


def write_project(root: Path, name: str) -> list[Path]:
    """objectives.toml and an empty ledger/ in `root`; never overwrites anything.

    An objectives.toml already there (written before the ledger existed) is kept, once it
    parses: init then only adds the ledger, so a programme can declare its objectives first.
    """
    from ..objectives import OBJECTIVES_FILE, decode_text, parse_project, read_bytes
    from ..project import LEDGER_DIR

    objectives, ledger = root / OBJECTIVES_FILE, root / LEDGER_DIR
    if ledger.exists() and any(ledger.iterdir()):
        raise UsageError(f"{root} is already a project: {ledger} holds files",
                         "init never overwrites a ledger")
    if not root.is_dir() and not root.parent.is_dir():
        raise UsageError(f"{root.parent} is not a folder", "create it first")
    keep = objectives.exists()
    if keep:  # refused before anything is written when it does not parse (exit 3)
        parse_project(decode_text(read_bytes(objectives), objectives), objectives)
    created = [ledger] if keep else [objectives, ledger]
    try:
        root.mkdir(exist_ok=True)
        ledger.mkdir(exist_ok=True)
        if not keep:
            with objectives.open("x", encoding="utf-8") as out:
                out.write(template_text(name))
        # for git: the cache stays out of commits; feed bytes are never converted
        for dotfile, lines in ((".gitignore", GITIGNORE), (".gitattributes", GITATTRIBUTES)):
            path = root / dotfile
            if not path.exists():
                path.write_text(lines, encoding="utf-8")
                created.append(path)
    except OSError as exc:
        raise UsageError(f"cannot write in {root} ({exc.strerror})") from None
    return created
