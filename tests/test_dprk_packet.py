"""The second analyst's blind packet (docs/dprk/packet.py) holds the case, and no judgment of the lead's."""
from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import yaml

import plausible

ROOT = Path(__file__).resolve().parents[1]


def _packet_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dprk_packet", ROOT / "docs" / "dprk" / "packet.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_packet_has_the_case_and_no_judgments() -> None:
    packet_mod = _packet_module()
    packet = packet_mod.build_packet(ROOT)
    assert packet_mod.leaks(packet, ROOT) == []
    assert "Is North Korea Entering New Age Of Diplomacy?" in packet
    ws = plausible.load_workspace(ROOT)
    for set_id in ("dprk-driver", "dprk-openness"):
        for h in ws.sets[set_id].hypotheses:
            assert f"`{h.id}`" in packet
            assert h.rationale is None or " ".join(h.rationale.split())[:40] not in " ".join(packet.split())
        for item in ws.items_for(set_id):
            assert f"### `{item.id}`" in packet
    superseded = {old for item in ws.all_items for old in item.supersedes}
    assert superseded and not any(f"### `{old}`" in packet for old in superseded)


def test_a_planted_rationale_or_prior_is_caught() -> None:
    packet_mod = _packet_module()
    packet = packet_mod.build_packet(ROOT)
    lead = yaml.safe_load((ROOT / "analysts" / "lead.yaml").read_text(encoding="utf-8"))
    rationale = next(iter(lead["rationales"].values()))
    planted = packet.replace("## The evidence items", rationale + "\n\n## The evidence items")
    assert packet_mod.leaks(planted, ROOT), "a lead rationale planted in the packet must be caught"
    item_rationale = next(i.rationale for i in plausible.load_workspace(ROOT).all_items if i.rationale)
    wrapped = packet + "\n" + "\n".join(item_rationale.split(" "))  # re-wrapped text is still caught
    assert packet_mod.leaks(wrapped, ROOT)
    assert packet_mod.leaks(packet + "\nprior: 0.13\n", ROOT) == ["prior"]
    assert packet.startswith(packet_mod.INSTRUCTIONS)
    assert packet_mod.leaks(packet_mod.INSTRUCTIONS + "likelihood" + packet.removeprefix(packet_mod.INSTRUCTIONS),
                            ROOT) == ["likelihood"]  # only the fixed instructions are exempt
