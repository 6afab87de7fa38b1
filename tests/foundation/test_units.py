from app.units import human_size


def test_sizes_read_the_same_everywhere():
    assert human_size(None) == "-"
    assert human_size(512) == "512 B"
    assert human_size(1536) == "1.5 KB"
    assert human_size(24 * 1024**3) == "24.0 GB"
    assert human_size(3 * 1024**4) == "3072.0 GB"
