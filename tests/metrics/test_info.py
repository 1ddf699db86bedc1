from divgenbench.metrics import metric_info


def test_metric_info_matches_the_spec_table():
    # SPEC §1: IDS lower is better; ASC, SDI, PVS higher
    expected = {"ids": ("IDS", "id", "lower"), "asc": ("ASC", "style", "higher"),
                "sdi": ("SDI", "layout", "higher"), "pvs": ("PVS", "tonal", "higher")}
    info = metric_info()
    assert {key: (i.name, i.dimension, i.direction) for key, i in info.items()} == expected
    assert info["ids"].range == (-1.0, 1.0) and info["sdi"].range == (0.0, 1.0)
    assert metric_info(ranked_only=True) == info  # the four SPEC scores are the ranked ones
