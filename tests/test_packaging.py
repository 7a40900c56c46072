"""What the package says about itself: licence and citation."""

from __future__ import annotations

import re
from pathlib import Path

from resetsim.core.provenance import __version__

REPO = Path(__file__).resolve().parents[1]


def test_license_is_mit_for_the_resetsim_developers():
    text = (REPO / "LICENSE").read_text("utf-8")
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 resetsim developers" in text


def test_citation_cff_is_valid_and_carries_the_package_version():
    text = (REPO / "CITATION.cff").read_text("utf-8")
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML is usually there
        assert re.search(r'^cff-version: "?1\.2\.0"?$', text, re.M)
        assert re.search(rf'^version: "?{re.escape(__version__)}"?$', text, re.M)
        assert "references:" in text and "Liu" in text
        return
    cff = yaml.safe_load(text)
    assert cff["cff-version"] == "1.2.0"
    assert {"message", "title", "authors", "version", "license", "type"} <= set(cff)
    assert str(cff["version"]) == __version__
    assert cff["license"] == "MIT" and cff["type"] == "software"
    (paper,) = cff["references"]
    assert paper["authors"] == [
        {
            "family-names": "Liu",
            "given-names": "Ying",
            "affiliation": paper["authors"][0]["affiliation"],
        }
    ]
    assert paper["year"] == 2021 and paper["languages"] == ["zh"]
    assert "doi" not in paper and "doi" not in cff  # none is known: do not invent one
