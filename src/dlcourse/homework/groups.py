"""Project groups of ``group_min``–``group_max`` people (2–3 in the example course).

Groups students formed themselves come from a CSV (``group,netid``); everyone left is matched:
first into the formed groups that are still too small, then into new groups as even in size
as possible, then into formed groups with room. Sizes outside the limits are errors with the
row to fix; a class that cannot be split within the limits (one student, limits 2–3) is an
error too, never a silent group of one. The same inputs and seed give the same groups.
"""

from __future__ import annotations

import io
import math
import random
from pathlib import Path

from dlcourse.homework.csv_input import csv_rows
from dlcourse.util.csv_files import csv_writer


class GroupError(ValueError):
    """Groups that cannot be formed as asked; the message names the row or the numbers."""


def read_roster(path: Path) -> list[str]:
    """NetIDs from a roster CSV's ``netid`` column."""
    try:
        return [row["netid"].lower() for _, row in csv_rows(path, {"netid"}) if row["netid"]]
    except ValueError as error:
        raise GroupError(str(error)) from error


def read_groups(path: Path, students: set[str], group_max: int) -> dict[str, list[str]]:
    """Formed groups from ``group,netid`` rows; every problem with its row number."""
    groups: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    problems = []
    try:
        rows = csv_rows(path, {"group", "netid"})
    except ValueError as error:
        raise GroupError(str(error)) from error
    for number, row in rows:
        group, netid = row["group"], row["netid"].lower()
        if not group or not netid:
            problems.append(f"{path}: row {number}: group and netid are both needed")
        elif netid not in students:
            problems.append(f"{path}: row {number}: {netid} is not on the roster")
        elif netid in seen:
            problems.append(f"{path}: row {number}: {netid} is already in row {seen[netid]}")
        else:
            seen[netid] = number
            groups.setdefault(group, []).append(netid)
    for name, members in groups.items():
        if len(members) > group_max:
            problems.append(
                f"{path}: group {name!r} has {len(members)} members, more than {group_max}"
            )
    if problems:
        raise GroupError("\n".join(problems))
    return groups


def form_groups(
    students: list[str],
    formed: dict[str, list[str]],
    group_min: int,
    group_max: int,
    seed: int = 0,
) -> dict[str, list[str]]:
    """Every student in exactly one group of ``group_min``–``group_max``; formed groups kept."""
    placed = {netid for members in formed.values() for netid in members}
    alone = sorted(set(students) - placed)
    random.Random(seed).shuffle(alone)
    groups = {name: list(members) for name, members in formed.items()}
    for members in groups.values():  # formed groups that are too small come first
        while len(members) < group_min and alone:
            members.append(alone.pop())
    short = [name for name, members in groups.items() if len(members) < group_min]
    if short:
        raise GroupError(
            f"group {short[0]!r} stays below {group_min} members: nobody is left to join it; "
            "merge it with another group"
        )
    room = [name for name, members in groups.items() if len(members) < group_max]
    while alone and room and len(alone) < math.ceil(len(alone) / group_max) * group_min:
        # too few left for new groups of group_min: formed groups with room take them
        groups[room[0]].append(alone.pop())
        if len(groups[room[0]]) >= group_max:
            room.pop(0)
    if alone:
        count = math.ceil(len(alone) / group_max)
        if len(alone) < count * group_min:
            raise GroupError(
                f"{len(alone)} students cannot be split into groups of {group_min}–{group_max}"
            )
        number = 1
        for index in range(count):
            size = len(alone) // (count - index)  # as even as possible
            while f"group-{number:02d}" in groups:
                number += 1
            groups[f"group-{number:02d}"] = [alone.pop() for _ in range(size)]
    return {name: sorted(members) for name, members in sorted(groups.items())}


def groups_csv(groups: dict[str, list[str]]) -> str:
    """``group,netid`` rows; through the guarded writer, so no cell can start a formula."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(["group", "netid"])
    writer.writerows([name, netid] for name, members in groups.items() for netid in members)
    return buffer.getvalue()
