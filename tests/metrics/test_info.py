from divgenbench.metrics import METRIC_INFO


def test_metric_info_matches_the_spec_table():
    # SPEC §1: IDS lower is better; ASC, SDI, PVS higher
    expected = {"ids": ("IDS", "id", "lower"), "asc": ("ASC", "style", "higher"),
                "sdi": ("SDI", "layout", "higher"), "pvs": ("PVS", "tonal", "higher")}
    assert {key: (info.name, info.dimension, info.direction) for key, info in METRIC_INFO.items()} == expected
    assert METRIC_INFO["ids"].range == (-1.0, 1.0) and METRIC_INFO["sdi"].range == (0.0, 1.0)
