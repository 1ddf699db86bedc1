from divgenbench.metrics import metric_info


def test_metric_info_matches_the_spec_table():
    # SPEC §1: IDS lower is better; ASC, SDI, PVS higher; they are the ranked ones
    expected = {"ids": ("IDS", "id", "lower"), "asc": ("ASC", "style", "higher"),
                "sdi": ("SDI", "layout", "higher"), "pvs": ("PVS", "tonal", "higher")}
    ranked = metric_info(ranked_only=True)
    assert {key: (i.name, i.dimension, i.direction) for key, i in ranked.items()} == expected
    assert ranked["ids"].range == (-1.0, 1.0) and ranked["sdi"].range == (0.0, 1.0)


def test_spec_8_extras_are_unranked_and_follow_the_four():
    info = metric_info()
    assert list(info)[:4] == ["ids", "asc", "sdi", "pvs"]
    assert info["slc"].dimension == "style" and info["slc"].direction == "higher"
    assert info["scd-id"].direction == "lower" and info["prdc-recall-tonal"].range == (0.0, 1.0)
    assert {key for key in info if key.startswith(("scd-", "vendi-"))} == {
        f"{m}-{d}" for m in ("scd", "vendi") for d in ("id", "style", "tonal")}
    assert len([key for key in info if key.startswith("prdc-")]) == 12
    assert not any(i.ranked for key, i in info.items() if key not in {"ids", "asc", "sdi", "pvs"})
