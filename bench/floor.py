"""The fixed stack's own start-up: the smallest program of mibtrack's shape (a typer app of
two commands, one option, printing a rich table of a pydantic model), timed by bench/run.py
beside the bare import of typer, rich and pydantic. Typer (0.29) builds a pydantic
`TypeAdapter` per option when a command runs, so any typer command pays pydantic's real
import and schema building, which `import pydantic` alone (lazy) does not: this is how close
to the bare import a program on this stack can start."""

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

app = typer.Typer()


class Figure(BaseModel):
    value: int


@app.command()
def status(json: bool = False) -> None:
    table = Table("value")
    table.add_row(str(Figure(value=1).value))
    Console().print(table)


@app.command()
def other() -> None:
    pass


if __name__ == "__main__":
    app()
