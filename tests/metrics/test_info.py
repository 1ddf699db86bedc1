from divgenbench.metrics import metric_info


def test_metric_info_matches_the_spec_table():
    # SPEC §1: IDS lower is better; ASC, SDI, PVS higher
    expected = {"ids": ("IDS", "id", "lower"), "asc": ("ASC", "style", "higher"),
                "sdi": ("SDI", "layout", "higher"), "pvs": ("PVS", "tonal", "higher")}
    info = metric_info(ranked_only=True)  # the four SPEC scores are the ranked ones; others are unranked
    assert {key: (i.name, i.dimension, i.direction) for key, i in info.items()} == expected
    assert info["ids"].range == (-1.0, 1.0) and info["sdi"].range == (0.0, 1.0)
    assert list(metric_info())[:4] == list(expected)
