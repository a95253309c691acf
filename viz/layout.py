"""Node positions computed in Python, so the browser draws at once with physics off.

Force-directed layout in vis-network never settles on this graph at useful sizes (users' top
complaint about pyvis, and 15 s to 6 min in our measurements), and a force layout in networkx is
quadratic. This layout is built from what the graph means, in linear time:

- lessons sit on a ring in the guide's order, grouped by theme; themes sit outside their lessons;
- cases are grouped by the set of lessons they evidence, each group at the mean of its lessons:
  single-lesson cases fan out beside their lesson, multi-lesson cases sit inside the ring between
  the lessons they join, so cases that back several lessons stand out by position as well as size;
- tags and places sit on an outer ring near the cases that use them.
"""

from __future__ import annotations

import math
from collections import defaultdict

SPACING = 34.0          # distance between neighbouring case nodes (large graphs)
ROOMY = 58.0            # the same for graphs small enough to read every label
ROOMY_MAX = 500         # cases
MIN_RING = 520.0        # radius of the lesson ring for small graphs
GOLDEN = math.pi * (3 - math.sqrt(5))


def _spiral(n: int, cx: float, cy: float, c: float):
    """n points on a sunflower (Vogel) spiral around (cx, cy): even spacing, no overlap."""
    for i in range(n):
        r = c * math.sqrt(i + 0.5)
        a = i * GOLDEN
        yield cx + r * math.cos(a), cy + r * math.sin(a)


def _separate(centres: list[list[float]], radii: list[float], fixed: list[bool], gap: float, rounds: int = 60) -> None:
    """Push overlapping discs apart (in place); fixed discs do not move."""
    n = len(centres)
    for _ in range(rounds):
        moved = False
        order = sorted(range(n), key=lambda k: centres[k][0] - radii[k])  # sweep along x: near pairs only
        for a in range(n):
            i = order[a]
            right = centres[i][0] + radii[i] + gap
            for b in range(a + 1, n):
                j = order[b]
                if centres[j][0] - radii[j] > right:
                    break
                dx = centres[j][0] - centres[i][0]
                dy = centres[j][1] - centres[i][1]
                d = math.hypot(dx, dy)
                need = radii[i] + radii[j] + gap
                if d >= need:
                    continue
                if d < 1e-6:
                    dx, dy, d = math.cos(i + j), math.sin(i + j), 1.0
                push = (need - d) / 2
                ux, uy = dx / d, dy / d
                if fixed[i] and fixed[j]:
                    continue
                if fixed[i]:
                    centres[j][0] += 2 * push * ux
                    centres[j][1] += 2 * push * uy
                elif fixed[j]:
                    centres[i][0] -= 2 * push * ux
                    centres[i][1] -= 2 * push * uy
                else:
                    centres[i][0] -= push * ux
                    centres[i][1] -= push * uy
                    centres[j][0] += push * ux
                    centres[j][1] += push * uy
                moved = True
        if not moved:
            break


def _outer_ring(items: dict[str, float], radius: float, start: float, span: float) -> dict[str, tuple[float, float]]:
    """Place items (id -> preferred angle) on an arc in angle order, evenly spread over the arc."""
    order = sorted(items, key=lambda k: (items[k] - start) % (2 * math.pi))
    out = {}
    for i, key in enumerate(order):
        a = start + span * (i + 0.5) / max(len(order), 1)
        out[key] = (radius * math.cos(a), radius * math.sin(a))
    return out


def compute(themes: dict[str, int], lessons: dict[str, tuple[int, str]], case_lessons: dict[str, list[str]],
            case_links: dict[str, list[str]], link_kind: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Positions by node id. themes: id -> order; lessons: id -> (order, theme id);
    case_lessons: case -> lesson ids; case_links: case -> tag and place ids; link_kind: id -> 'tag'|'place'."""
    spacing = ROOMY if len(case_lessons) <= ROOMY_MAX else SPACING
    c = spacing * 0.62
    groups: dict[tuple, list[str]] = defaultdict(list)
    for case in sorted(case_lessons):
        groups[tuple(sorted(case_lessons[case]))].append(case)
    single = [g for g in groups if len(g) == 1]
    widest_single = max((c * math.sqrt(len(groups[g])) for g in single), default=0.0)
    n_less = max(len(lessons), 1)
    # The ring must hold every lesson's fan of single-lesson cases side by side.
    ring = max(MIN_RING, n_less * (2 * widest_single + 2 * spacing) / (2 * math.pi),
               c * math.sqrt(len(case_lessons)) * 0.9)
    lesson_order = sorted(lessons, key=lambda x: lessons[x][0])
    angle = {lid: -math.pi / 2 + 2 * math.pi * i / n_less for i, lid in enumerate(lesson_order)}
    pos = {lid: (ring * math.cos(a), ring * math.sin(a)) for lid, a in angle.items()}

    keys, centres, radii, fixed = [], [], [], []
    for lid in lesson_order:  # the lessons are fixed obstacles
        keys.append(None)
        centres.append(list(pos[lid]))
        radii.append(125.0)
        fixed.append(True)
    for g in sorted(groups, key=lambda g: (len(g), g)):
        members = groups[g]
        r = c * math.sqrt(len(members))
        known = [x for x in g if x in pos]
        if not known:
            cx, cy = 0.0, 0.0
        elif len(known) == 1:
            a = angle[known[0]]
            d = ring + 110 + r + spacing
            cx, cy = d * math.cos(a), d * math.sin(a)
        else:
            cx = sum(pos[x][0] for x in known) / len(known) * 0.9
            cy = sum(pos[x][1] for x in known) / len(known) * 0.9
        keys.append(g)
        centres.append([cx, cy])
        radii.append(r)
        fixed.append(len(known) == 1)
    if len(centres) <= 2000:
        _separate(centres, radii, fixed, spacing * 0.6)
    for g, (cx, cy) in zip(keys, centres):
        if g is None:
            continue
        for case, xy in zip(groups[g], _spiral(len(groups[g]), cx, cy, c)):
            pos[case] = xy

    extent = max((math.hypot(*pos[k]) for k in pos), default=ring)
    theme_angles = defaultdict(list)
    for lid in lesson_order:
        theme_angles[lessons[lid][1]].append(angle[lid])
    for tid in themes:
        angs = theme_angles.get(tid) or [0.0]
        a = math.atan2(sum(map(math.sin, angs)), sum(map(math.cos, angs)))
        pos[tid] = ((extent + 120) * math.cos(a), (extent + 120) * math.sin(a))

    # Tags and places: preferred angle is the circular mean of their cases' angles.
    sx, sy = defaultdict(float), defaultdict(float)
    for case, links in case_links.items():
        if case not in pos:
            continue
        x, y = pos[case]
        for link in links:
            sx[link] += x
            sy[link] += y
    tags = {k: math.atan2(sy[k], sx[k]) for k in sx if link_kind.get(k) == "tag"}
    places = {k: math.atan2(sy[k], sx[k]) for k in sx if link_kind.get(k) == "place"}
    total = max(len(tags) + len(places), 1)
    outer = max(extent + 170, total * 38 / (2 * math.pi))
    span_tags = 2 * math.pi * len(tags) / total
    pos.update(_outer_ring(tags, outer, -math.pi / 2, span_tags))
    pos.update(_outer_ring(places, outer + 60, -math.pi / 2 + span_tags, 2 * math.pi - span_tags))
    return {k: (round(x, 1), round(y, 1)) for k, (x, y) in pos.items()}
