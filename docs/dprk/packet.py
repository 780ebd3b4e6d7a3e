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
"""Words that never appear in a packet's body: their presence means judgment text slipped in."""

INSTRUCTIONS = """\
# DPRK 2015 case: packet for an independent analyst

Instructions. You are the second analyst of this case. Work from this packet alone: the article, the two
hypothesis sets and the evidence items below. Do not open the repository's `analysts/` folder, the
`likelihoods`, `rationale` or `prior` keys of its `evidence/` and `hypotheses/` files, `docs/dprk-case.md`,
the review or the issue: the lead's judgments must not reach you. For every item and every set it bears on,
write P(this report | hypothesis) for each hypothesis, as a number or an ICD 203 term (almost no chance ...
almost certain), with one rationale per item saying why; items of one group report one event, so judge the
group once, under the id the packet names for it. You may also state your own priors per set, with their reasons (base
rates and background known before June 2015, not the items). Commit the result as `analysts/<your-id>.yaml`
(format: `plausible init DIR` writes an example in `DIR/analysts/`) before any pooled result is computed.
Do not revise it afterwards to agree or disagree with the lead.

---
"""
"""The instructions that open every packet (they name the file keys to avoid, so they are not checked)."""


def article_text(path: Path = ARTICLE) -> str:
    """The article without the attribution header (the lines before the dashed line)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    cut = next(i for i, line in enumerate(lines) if line.startswith("# ---"))
    return "\n".join(lines[cut + 1:]).strip()


def build_packet(root: Path = ROOT) -> str:
    """The packet as Markdown, from the workspace at ``root``."""
    ws = plausible.load_workspace(root)
    names = {s.id: s.name for s in ws.sources.values()}
    out = [INSTRUCTIONS, "## The article", "", article_text(root / "docs" / "dprk" / "article.txt"), "",
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
    carriers = group_carriers(root)
    for item in ws.items:
        if item.id not in used:
            continue
        out += [f"### `{item.id}`", "", f"- summary: {item.summary}",
                f"- source: {names.get(item.source, item.source)}", f"- reported: {item.reported}"]
        if item.observed is not None:
            out.append(f"- observed: {item.observed}")
        if item.origin is not None:
            out.append(f"- reports the same event as the other items of group `{item.origin}`; judge the group "
                       f"once, under the id `{carriers.get(item.origin, item.id)}`")
        if item.quote:
            out.append(f"- quote: \u201c{item.quote}\u201d")
        out.append(f"- quoted from: {item.document or 'the article'}" + (f" <{item.url}>" if item.url else ""))
        out.append("")
    return "\n".join(out)


def group_carriers(root: Path = ROOT) -> dict[str, str]:
    """For each origin group, the item id under which it is judged (the tool requires one carrier per group).

    Taken from the ids the lead's file judges (only the ids are read, never the values); a group whose
    carrier is an earlier, corrected item is judged under that item's id.
    """
    ws = plausible.load_workspace(root)
    lead = root / "analysts" / "lead.yaml"
    data = yaml.safe_load(lead.read_text(encoding="utf-8")) if lead.exists() else None
    judged = set((data or {}).get("likelihoods") or {})
    return {item.origin: item.id for item in ws.all_items if item.origin is not None and item.id in judged}


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
    """What in ``packet`` should not be there: banned words, and judgment texts (matched on 60 characters)."""
    body = packet.removeprefix(INSTRUCTIONS)
    found = [w for w in BANNED_WORDS if w in body.lower()]
    flat = " ".join(body.split())
    for text in judgment_texts(root):
        probe = " ".join(text.split())[:60]
        if len(probe) >= 20 and probe in flat:
            found.append(probe)
    return found


def main(argv: list[str] | None = None) -> int:
    """Write the packet (or print it); exit 2 without writing if it would leak a judgment."""
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
