"""Build the blind packet for a second analyst of the DPRK 2015 case.

The packet holds what an independent analyst may see: the seed article (``docs/dprk/article.txt``), the
hypothesis sets (ids, titles, descriptions; no priors) and the current evidence items (ids, summaries,
sources' names, dates, quotes and the reports they quote). It holds no likelihoods, no rationales, no priors
and no review text, so the analyst's judgments cannot lean on the lead's. ``leaks`` checks a packet against
every judgment text of the workspace (run by ``tests/test_dprk_packet.py``).

Run from the repository root::

    PYTHONPATH=src python docs/dprk/packet.py -o /tmp/dprk-packet.md
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

import plausible
from plausible.io.atomic import write_atomic

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "docs" / "dprk" / "article.txt"
SETS = ("dprk-driver", "dprk-openness")
BANNED_WORDS = ("likelihood", "rationale", "prior", "posterior")
"""Words that never appear in a packet: their presence means judgment text slipped in."""


def article_text(path: Path = ARTICLE) -> str:
    """The article without the attribution header (the lines before the dashed line)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    cut = next(i for i, line in enumerate(lines) if line.startswith("# ---"))
    return "\n".join(lines[cut + 1:]).strip()


def build_packet(root: Path = ROOT) -> str:
    """The packet as Markdown, from the workspace at ``root``."""
    ws = plausible.load_workspace(root)
    names = {s.id: s.name for s in ws.sources.values()}
    out = ["# DPRK 2015 case: packet for an independent analyst", "",
           "## The article", "", article_text(root / "docs" / "dprk" / "article.txt"), "",
           "## The hypothesis sets", ""]
    for set_id in SETS:
        hs = ws.sets[set_id]
        out += [f"### {set_id}: {hs.question}", ""]
        if hs.description:
            out += [hs.description, ""]
        for h in hs.hypotheses:
            out += [f"- `{h.id}`: **{h.title}**. {h.description or ''}".rstrip()]
        out.append("")
    out += ["## The evidence items (current, corrections applied)", ""]
    used = {item.id for set_id in SETS for item in ws.items_for(set_id)}
    for item in ws.items:
        if item.id not in used:
            continue
        out += [f"### `{item.id}`", "", f"- summary: {item.summary}",
                f"- source: {names.get(item.source, item.source)}", f"- reported: {item.reported}"]
        if item.observed is not None:
            out.append(f"- observed: {item.observed}")
        if item.origin is not None:
            out.append(f"- reports the same event as the other items of group `{item.origin}`")
        if item.quote:
            out.append(f"- quote: \u201c{item.quote}\u201d")
        out.append(f"- quoted from: {item.document or 'the article'}" + (f" <{item.url}>" if item.url else ""))
        out.append("")
    return "\n".join(out)


def judgment_texts(root: Path = ROOT) -> list[str]:
    """Every rationale and review text of the workspace: none may appear in a packet."""
    texts: list[str] = []
    ws = plausible.load_workspace(root)
    texts += [i.rationale for i in ws.all_items if i.rationale]
    for hs in ws.sets.values():
        texts += [h.rationale for h in hs.hypotheses if h.rationale]
    for path in sorted((root / "analysts").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        texts += [str(t) for t in (data.get("rationales") or {}).values()]
    texts += [s.rationale for s in ws.sources.values() if s.rationale]
    return texts


def leaks(packet: str, root: Path = ROOT) -> list[str]:
    """What in ``packet`` should not be there: banned words, and judgment texts (matched on their first 60 characters)."""
    found = [w for w in BANNED_WORDS if w in packet.lower()]
    flat = " ".join(packet.split())
    for text in judgment_texts(root):
        probe = " ".join(text.split())[:60]
        if len(probe) >= 20 and probe in flat:
            found.append(probe)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, help="write the packet here (default: standard output)")
    args = parser.parse_args(argv)
    packet = build_packet()
    problems = leaks(packet)
    if problems:
        print("packet would leak judgments: " + "; ".join(problems), file=sys.stderr)
        return 2
    if args.output is None:
        sys.stdout.write(packet + "\n")
    else:
        write_atomic(args.output, packet + "\n")
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
