"""The unit registry's cache: the YAML stays the source, a changed file is read again."""
from tracker.parsing import registry

YAML = "units:\n  - code: SYT\n    name: Sở Y tế\n    aliases: [Sở Y tế tỉnh]\n"


def test_cache_is_written_then_read_and_follows_the_yaml(tmp_path, monkeypatch):
    src, cache = tmp_path / "units.yaml", tmp_path / "cache"
    src.write_text(YAML, encoding="utf-8")
    first = registry.load_yaml_units(src, cache_dir=cache)
    assert first == [{"code": "SYT", "name": "Sở Y tế", "aliases": ["Sở Y tế tỉnh"]}]
    assert len(list(cache.iterdir())) == 1

    def no_yaml(*a, **k):
        raise AssertionError("the cache should have been read")
    import yaml
    monkeypatch.setattr(yaml, "load", no_yaml)
    assert registry.load_yaml_units(src, cache_dir=cache) == first
    monkeypatch.undo()

    src.write_text(YAML.replace("Sở Y tế\n", "Sở Y tế và Dân số\n"), encoding="utf-8")
    assert registry.load_yaml_units(src, cache_dir=cache)[0]["name"] == "Sở Y tế và Dân số"


def test_a_broken_or_unwritable_cache_falls_back_to_the_yaml(tmp_path):
    src = tmp_path / "units.yaml"
    src.write_text(YAML, encoding="utf-8")
    cache = tmp_path / "cache"
    registry.load_yaml_units(src, cache_dir=cache)
    for f in cache.iterdir():
        f.write_bytes(b"\x00garbage")
    assert registry.load_yaml_units(src, cache_dir=cache)[0]["code"] == "SYT"
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    assert registry.load_yaml_units(src, cache_dir=blocked)[0]["code"] == "SYT"
