"""A load manifest names files inside its own folder only, unless told otherwise (issue 12,
item 7; ADR 0029)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from identity_graph.cli.main import cli
from identity_graph.errors import ManifestError
from identity_graph.ingest.manifest import read_manifest
from identity_graph.store.embedded import EmbeddedStore

MAPPING = 'source = "hr"\nid = "REF"\n\n[fields]\nfull_name = "NAME"\n'


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    """tmp/outside.csv, tmp/outside.toml and tmp/loads/{hr.csv, hr.toml}; returns tmp/loads."""
    folder = tmp_path / "loads"
    folder.mkdir()
    for where in (tmp_path / "outside", folder / "hr"):
        where.with_suffix(".csv").write_text("REF,NAME\n1,Ann Lee\n", encoding="utf-8")
        where.with_suffix(".toml").write_text(MAPPING, encoding="utf-8")
    return folder


def manifest(folder: Path, file: str, mapping: str = "hr.toml", rejects: str | None = None) -> Path:
    text = f'[[export]]\nfile = "{file}"\nmapping = "{mapping}"\n'
    if rejects is not None:
        text += f'rejects = "{rejects}"\n'
    path = folder / "load.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_paths_inside_the_manifest_folder_are_read(layout: Path) -> None:
    (entry,) = read_manifest(manifest(layout, "hr.csv", rejects=str(layout / "r" / "hr.csv")))
    assert entry.file == layout / "hr.csv" and entry.rejects == layout / "r" / "hr.csv"


@pytest.mark.parametrize("key", ["file", "mapping", "rejects"])
def test_a_path_that_climbs_out_of_the_manifest_folder_is_refused(layout: Path, key: str) -> None:
    paths = {"file": "hr.csv", "mapping": "hr.toml", "rejects": "hr-rejects.csv"}
    paths[key] = "../outside.csv" if key != "mapping" else "../outside.toml"
    with pytest.raises(ManifestError) as caught:
        read_manifest(manifest(layout, paths["file"], paths["mapping"], paths["rejects"]))
    (problem,) = caught.value.problems
    assert f"{key} '../outside" in problem and "outside the manifest's folder" in problem
    assert "--allow-paths-outside-manifest" in problem


def test_etc_passwd_is_refused_written_relative_or_absolute(layout: Path) -> None:
    climb = "../" * (len(layout.parts) + 2) + "etc/passwd"
    for path in (climb, "/etc/passwd"):
        with pytest.raises(ManifestError, match="outside the manifest's folder"):
            read_manifest(manifest(layout, path))


def test_a_link_inside_the_folder_to_a_file_outside_is_refused(layout: Path) -> None:
    os.symlink(layout.parent / "outside.csv", layout / "link.csv")
    with pytest.raises(ManifestError, match="outside the manifest's folder"):
        read_manifest(manifest(layout, "link.csv"))


def test_the_explicit_flag_allows_paths_outside(layout: Path) -> None:
    (entry,) = read_manifest(
        manifest(layout, "../outside.csv", "../outside.toml"), allow_outside=True
    )
    assert entry.file.resolve() == (layout.parent / "outside.csv").resolve()


@pytest.mark.embedded
def test_the_cli_refuses_by_default_and_loads_with_the_flag(layout: Path) -> None:
    load_toml = manifest(layout, "../outside.csv", "../outside.toml")
    store = layout / "s.idgraph.db"
    EmbeddedStore(store).close()  # an existing store: this test is about the manifest only
    runner = CliRunner()
    refused = runner.invoke(cli, ["--store", str(store), "load", "--manifest", str(load_toml)])
    assert refused.exit_code == 2 and "outside the manifest's folder" in refused.output
    allowed = runner.invoke(
        cli,
        [
            "--store",
            str(store),
            "load",
            "--manifest",
            str(load_toml),
            "--allow-paths-outside-manifest",
        ],
    )
    assert allowed.exit_code == 0, allowed.output
