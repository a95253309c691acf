"""pcmh-kg release VERSION: a frozen, citable release of the graph in releases/VERSION/."""

from __future__ import annotations

from pathlib import Path

from pcmh_kg.build import shapes
from pcmh_kg.cli import EXIT_FAILED, EXIT_USAGE, CommandError, Progress
from pcmh_kg.release import versions, writer

from ._common import add_data_options, data_dir

NAME = "release"
ORDER = 15
HELP = "write a frozen, citable release (dumps, DCAT-AP description, CITATION.cff, RO-Crate, changes, checksums)"
DESCRIPTION = """\
Build the data (public profile: no personal data; SHACL shapes checked) and write release VERSION
to releases/VERSION/ (--out to change):
  pcmh-kg.ttl .nt .jsonld .rdf   the graph; the ontology's owl:versionIRI is <.../ontology/VERSION>
  pcmh-kg.nt.gz                  the N-Triples gzipped, for partners' bulk loaders
  void.ttl                       DCAT-AP + VoID: dcat:version, dcterms:issued, prov:wasRevisionOf the
                                 previous release, one dcat:Distribution per dump with its checksum
  sparql-examples.ttl            the query library in SIB's sparql-examples form
  CHANGES.md, changes.json,      what changed since the previous release: in words, as data (each
  changes.ttl                    change with its words) and as RDF
  CITATION.cff, ro-crate-metadata.json, SHA256SUMS (checked with `sha256sum -c SHA256SUMS`)
VERSION is dated: YYYY.MM, or YYYY.MM.N for a further release in a month (2026.12, 2026.12.1).
An existing release is never written over, and a release must come after the newest one."""


def add_arguments(p) -> None:
    p.add_argument("version", metavar="VERSION", help="the release's version, e.g. 2026.12")
    add_data_options(p)
    p.add_argument("--releases", type=Path, default=Path("releases"), metavar="DIR",
                   help="folder of releases, where the previous release is looked for (default: releases)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR", help="write here (default: releases/VERSION)")
    p.add_argument("--issued", default=None, metavar="DATE", help="date of issue, YYYY-MM-DD (default: today)")


def run(args) -> int:
    say = Progress(args.quiet)
    try:
        versions.check(args.version)
    except versions.VersionError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    try:
        out = writer.cut(args.version, data_dir(args), args.releases, out=args.out, base=args.base,
                         issued=args.issued, log=say)
    except writer.ReleaseError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    except shapes.CheckFailed as exc:
        raise CommandError(f"{exc}; no release was written.", EXIT_FAILED) from None
    except OSError as exc:
        raise CommandError(f"cannot write the release: {exc}") from None
    say(f"wrote release {args.version} to {out}/ (check it: cd {out} && sha256sum -c SHA256SUMS)")
    return 0
