"""Parts of a programme: the objectives of a group, an owner or a tag, and the order and
nesting of groups that every report shows.

A group may be nested with ` > ` (spaces around it): `group = "Axis 1 > Recommendation 3"`
is the group "Recommendation 3" inside "Axis 1". `--group "Axis 1"` selects both "Axis 1"
and everything inside it; `--group "Axis 1 > Recommendation 3"` only that one. (A bare `/`
or `>` stays part of a name: "R&D/innovation", "<b>" are single groups.)

`[program] groups = [...]` orders the groups (a listed group brings its sub-groups along);
groups not listed follow, in the order they first appear.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from mibtrack.errors import UsageError
from mibtrack.model import Objective, Project

SEPARATOR = " > "


def group_path(group: str | None) -> tuple[str, ...]:
    """`"Axis 1 > Recommendation 3"` → `("Axis 1", "Recommendation 3")`; no group → ()."""
    if not group:
        return ()
    return tuple(part.strip() for part in group.split(SEPARATOR) if part.strip())


def within(group: str | None, wanted: str) -> bool:
    """The objective's group is `wanted` or nested inside it."""
    path, prefix = group_path(group), group_path(wanted)
    return bool(prefix) and path[: len(prefix)] == prefix


@dataclass(frozen=True, slots=True)
class Part:
    """`--group G --owner O --tag T`: each given criterion must hold."""

    group: str | None = None
    owner: str | None = None
    tag: str | None = None

    def __bool__(self) -> bool:
        return any((self.group, self.owner, self.tag))

    def accepts(self, objective: Objective) -> bool:
        if self.group is not None and not within(objective.group, self.group):
            return False
        if self.owner is not None and (objective.owner or "").casefold() != \
                self.owner.casefold():
            return False
        return self.tag is None or self.tag in objective.tags

    def described(self) -> dict[str, str]:
        """The criteria given, for the report's header and JSON."""
        return {name: value for name, value in (("group", self.group), ("owner", self.owner),
                                                ("tag", self.tag)) if value is not None}


def check_part(project: Project, part: Part) -> Part:
    """Refuse (exit 2) a part that selects no objective, naming what exists."""
    if not part or any(part.accepts(o) for o in project.objectives):
        return part
    for name, value, known in (
            ("group", part.group, {g for o in project.objectives for g in _prefixes(o.group)}),
            ("owner", part.owner, {o.owner for o in project.objectives if o.owner}),
            ("tag", part.tag, {t for o in project.objectives for t in o.tags})):
        if value is not None and not any(
                (within(o.group, value) if name == "group" else
                 (o.owner or "").casefold() == value.casefold() if name == "owner" else
                 value in o.tags) for o in project.objectives):
            shown = ", ".join(sorted(known)) or "none declared"
            raise UsageError(f"no objective has {name} {value!r}", f"{name}s: {shown}")
    raise UsageError("no objective matches all of " + ", ".join(
        f"--{k} {v!r}" for k, v in part.described().items()), "drop one of the filters")


def _prefixes(group: str | None) -> list[str]:
    path = group_path(group)
    return [SEPARATOR.join(path[: n]) for n in range(1, len(path) + 1)]


@dataclass(frozen=True, slots=True)
class Section:
    """The objectives of one group (or, without a group, of one kind) in report order."""

    path: tuple[str, ...]
    """The group's path, outermost first; () for objectives without a group."""
    kind: str | None
    """For objectives without a group: their kind (reports title them by kind)."""
    results: tuple[Any, ...]
    """Its objectives' results, in declaration order."""
    new_heads: tuple[tuple[int, str], ...]
    """Headings to print before it: (depth from 0, name) of each enclosing group not yet
    shown by an earlier section, then its own."""


def sections(results: Iterable[Any], order: Sequence[str] = ()) -> tuple[Section, ...]:
    """Results grouped by their group path (by kind without one), groups ordered as
    `[program] groups` says, else by first appearance; nested groups kept together."""
    members: dict[tuple[tuple[str, ...], str | None], list[Any]] = {}
    for r in results:
        path = group_path(r.group)
        members.setdefault((path, None if path else r.kind), []).append(r)
    listed = [group_path(g) for g in order]
    appearance: dict[tuple[str, ...], int] = {}
    for path, kind in members:
        if not path:
            appearance.setdefault(("", kind or ""), len(appearance))
        for n in range(1, len(path) + 1):
            appearance.setdefault(path[:n], len(appearance))

    def rank(path: tuple[str, ...]) -> int:
        for index, wanted in enumerate(listed):
            if path[: len(wanted)] == wanted or wanted[: len(path)] == path:
                return index
        return len(listed)

    def key(item: tuple[tuple[str, ...], str | None]) -> tuple[tuple[int, int], ...]:
        path, kind = item
        if not path:  # by kind, where its first objective appears, after listed groups
            return ((len(listed), appearance[("", kind or "")]),)
        # level by level: the listed rank, then the first appearance
        return tuple((rank(path[: n]), appearance[path[: n]]) for n in range(1, len(path) + 1))

    shown: set[tuple[str, ...]] = set()
    out = []
    for (path, kind) in sorted(members, key=key):
        heads = []
        for n in range(1, len(path) + 1):
            if path[:n] not in shown:
                shown.add(path[:n])
                heads.append((n - 1, path[n - 1]))
        out.append(Section(path, kind, tuple(members[(path, kind)]), tuple(heads)))
    return tuple(out)


Predicate = Callable[[Objective], bool]
