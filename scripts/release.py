"""The release workflow's checks and edits (.github/workflows/release.yml), kept here so
they are tested rather than written as shell in YAML.

    python scripts/release.py version v1.2.3          # GITHUB_OUTPUT lines: version, major
    python scripts/release.py notes CHANGELOG.md v1.2.3   # the release's changelog section
    python scripts/release.py pin-image action.yml ghcr.io/org/repo:1.2.3@sha256:<64 hex>

Exit 0 on success; 1 with a message naming the file and what to do otherwise.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TAG = re.compile(r"v(?P<version>(?P<major>0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*))")
# What GitHub Container Registry names look like (lower case), with the tag and the digest:
# the digest makes a release commit name exactly one image, whatever happens to the tag.
IMAGE = re.compile(r"ghcr\.io/[a-z0-9][a-z0-9._-]*/[a-z0-9][a-z0-9._/-]*"
                   r":[0-9]+\.[0-9]+\.[0-9]+@sha256:[0-9a-f]{64}")
# The one line `main` builds from; a release commit replaces it.
DOCKERFILE_IMAGE_LINE = re.compile(r"^(?P<indent>\s+)image:\s*[\"']?Dockerfile[\"']?\s*$",
                                   re.MULTILINE)


class ReleaseError(Exception):
    pass


def version_outputs(tag: str, pyproject: Path) -> str:
    """`version=1.2.3` and `major=v1` when `tag` is the version pyproject.toml declares."""
    match = TAG.fullmatch(tag)
    if not match:
        raise ReleaseError(f"tag {tag!r}: release tags look like v1.2.3")
    declared = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    if declared != match["version"]:
        raise ReleaseError(f"{pyproject.name}: version is {declared}, the tag says "
                           f"{match['version']}; set the version, commit, and tag again")
    return f"version={match['version']}\nmajor=v{match['major']}\n"


def release_notes(changelog: Path, tag: str) -> str:
    """The body of the `## [1.2.3]` section: a release is not cut without its notes."""
    match = TAG.fullmatch(tag)
    if not match:
        raise ReleaseError(f"tag {tag!r}: release tags look like v1.2.3")
    text = changelog.read_text(encoding="utf-8")
    heading = re.compile(rf"^## \[{re.escape(match['version'])}\][^\n]*\n", re.MULTILINE)
    found = heading.search(text)
    if not found:
        raise ReleaseError(f"{changelog.name}: no '## [{match['version']}]' section; move "
                           "the [Unreleased] entries under it before tagging")
    following = re.compile(r"^## \[", re.MULTILINE).search(text, found.end())
    body = text[found.end():following.start() if following else len(text)].strip()
    if not body:
        raise ReleaseError(f"{changelog.name}: the [{match['version']}] section is empty")
    return body + "\n"


def pin_image(action_yml: Path, image: str) -> None:
    """Point `runs.image` at the released image, so a consumer's job pulls it instead of
    building the Dockerfile."""
    if not IMAGE.fullmatch(image):
        raise ReleaseError(f"image {image!r}: expected ghcr.io/<owner>/<name>:<x.y.z>"
                           "@sha256:<digest>")
    text = action_yml.read_text(encoding="utf-8")
    lines = DOCKERFILE_IMAGE_LINE.findall(text)
    if len(lines) != 1:
        raise ReleaseError(f"{action_yml.name}: expected one 'image: Dockerfile' line under "
                           f"runs, found {len(lines)}")
    pinned = DOCKERFILE_IMAGE_LINE.sub(
        lambda line: f"{line['indent']}image: docker://{image}", text)
    action_yml.write_text(pinned, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    version = commands.add_parser("version", help="check the tag against pyproject.toml")
    version.add_argument("tag")
    version.add_argument("--pyproject", type=Path, default=ROOT / "pyproject.toml")
    notes = commands.add_parser("notes", help="print the tag's CHANGELOG section")
    notes.add_argument("changelog", type=Path)
    notes.add_argument("tag")
    pin = commands.add_parser("pin-image", help="point action.yml at a released image")
    pin.add_argument("action_yml", type=Path)
    pin.add_argument("image")
    args = parser.parse_args(argv)
    try:
        if args.command == "version":
            sys.stdout.write(version_outputs(args.tag, args.pyproject))
        elif args.command == "notes":
            sys.stdout.write(release_notes(args.changelog, args.tag))
        else:
            pin_image(args.action_yml, args.image)
    except (ReleaseError, OSError) as error:
        print(f"release: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
