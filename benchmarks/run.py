"""Benchmarks on the 809-cable corpus: one command, a table, and BENCHMARKS.md.

    python benchmarks/run.py [--corpus ../shared/corpus/cablegate] [--pdf-sample 60] [--jobs-sample 160]

Every figure is measured by this script in this run; ratios compare against a
baseline measured in the same process (or the same command), because the
machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import compileall
import io
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from pypdf import PdfReader

from redact import Context, decide, load_policy, parse
from redact.parse import read_items
from redact.pipeline import allowed_text
from redact.render import build_view, render_html, render_pdf
from redact.verify import verify_bytes, withheld_items

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 11, 23)
# The baseline: a plain `re` paragraph splitter that also reads each paragraph's number and marking.
PARAGRAPH = re.compile(r"^[ \t]*(?:\*\*)?(?:\[\d+\]\(#\))?(?:¶|\ufffd)?[ \t]*(\d{1,3})\.(?:\*\*)?[ \t]*"
                       r"(\([^()\n]{1,40}\))?", re.M)


def split_paragraphs(text: str) -> list[tuple[str, str | None, str]]:
    leads = list(PARAGRAPH.finditer(text))
    return [(m.group(1), m.group(2), text[m.end():leads[i + 1].start() if i + 1 < len(leads) else len(text)])
            for i, m in enumerate(leads)]


def best_of(repeats: int, action) -> float:
    """The fastest of a few runs: the least disturbed by other load on the machine."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def bench_parse(texts: list[str], size: int) -> dict[str, float]:
    """Three passes taken in turn, five rounds, the fastest of each: the regex splitter, the grammar
    stage (Lark lexer + LALR parser -> each paragraph's number, marking and text, and the header
    lines: what the splitter produces), and the whole parse into the document model (grammar stage
    plus assembly: portions, inheritance, headings, header fields read into dates and reasons).
    In turn, so that a moment of other load on a shared machine falls on one pass of one kind,
    not on all passes of the baseline (the splitter's pass is a tenth of a second)."""
    def regex_split() -> None:
        for text in texts:
            split_paragraphs(text)

    def grammar() -> None:
        for text in texts:
            read_items(text)

    def whole_parse() -> None:
        for text in texts:
            parse(text)

    parse(texts[0])  # build the parsers once, outside the timing
    regex_time, grammar_time, parse_time = (min(times) for times in zip(
        *((best_of(1, regex_split), best_of(1, grammar), best_of(1, whole_parse)) for _ in range(5)), strict=True))
    return {"regex_mbs": size / regex_time / 1e6, "grammar_mbs": size / grammar_time / 1e6,
            "parse_mbs": size / parse_time / 1e6, "grammar_ratio": regex_time / grammar_time,
            "ratio": regex_time / parse_time}


def bench_parse_steps(texts: list[str]) -> dict[str, float]:
    """Where the whole parse's time goes: each step over the corpus alone, in turn, five rounds, the
    fastest of each. Lines: run-on paragraph starts and header fields put on lines of their own
    (redact.lines). Lexer: the grammar's tokens (the LALR driver). Reading: the tokens made into
    items. Assembly: the items joined into header fields and portions, the header's values read.
    The rest: the whole parse less those steps (the document's kind told, line numbers mapped back,
    its layout, and what the steps cost run together rather than each over the whole corpus)."""
    import importlib

    steps = importlib.import_module("redact.parse")  # the module (the package's `parse` is the function)
    split = [steps.split_run_on_lines(text).text for text in texts]
    kinds = [steps.detect_type(text) for text in split]
    readers = [steps._reader(kind) for kind in kinds]

    def lines() -> None:
        for text in texts:
            steps.split_run_on_lines(text)

    def tokens() -> None:
        for text, reader in zip(split, readers, strict=True):
            reader.tokens(text)

    def items() -> None:
        for text, reader in zip(split, readers, strict=True):
            reader.items(text)

    def assembled() -> None:
        for text, kind in zip(split, kinds, strict=True):
            steps._parse_lines(text, "<text>", None, kind)

    def whole() -> None:
        for text in texts:
            parse(text)

    timed = [min(times) for times in zip(*((best_of(1, lines), best_of(1, tokens), best_of(1, items),
                                           best_of(1, assembled), best_of(1, whole)) for _ in range(5)), strict=True)]
    t_lines, t_tokens, t_items, t_assembled, t_whole = timed
    # Differences of separate timings: noise can make one negative, and it is shown as measured.
    return {"lines": t_lines, "lexer": t_tokens, "reading": t_items - t_tokens, "assembly": t_assembled - t_items,
            "rest": t_whole - t_lines - t_assembled, "whole": t_whole}


def parse_steps_text(steps: dict[str, float], regex_mbs: float, size: int) -> list[str]:
    """The table of bench_parse_steps and what the 0.10 target leaves for a pass."""
    names = {"lines": "lines split (redact.lines)", "lexer": "lexer and LALR driver (tokens)",
             "reading": "tokens read into items", "assembly": "assembly and header values",
             "rest": "the whole less the steps' sum (the kind told, line numbers, layout; the timings' noise)"}
    rows = [f"| {label} | {steps[key]:.3f} s | {steps[key] / steps['whole']:.0%} |" for key, label in names.items()]
    budget = size / (regex_mbs * 1e6) / 0.10
    return ["| step | time a pass | share of the whole parse |", "|---|---|---|", *rows,
            f"| whole parse (measured on its own) | {steps['whole']:.3f} s | 100% |", "",
            f"At 0.10 of the splitter a whole pass may take {budget:.3f} s; it takes {steps['whole']:.3f} s. "
            f"The lexer alone takes {steps['lexer'] / budget:.0%} of that budget and the assembly "
            f"{steps['assembly'] / budget:.0%}."]


# The parse before the header-field work of issue #13 (run-on lines, field shapes, tag lists):
# the throughput that work must keep within 10% of.
BEFORE_HEADER_FIELDS = "edaf612"


def load_parse_at(commit: str, workdir: Path):
    """``redact.parse.parse`` as it was at ``commit``, importable beside this one: the package and
    its grammar taken out of git into ``workdir``, the package renamed (it imports relatively)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "redact", "grammar"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(workdir)], input=archive, check=True)
    name = f"redact_{commit}"
    (workdir / "redact").rename(workdir / name)
    sys.path.insert(0, str(workdir))
    import importlib
    module = importlib.import_module(f"{name}.parse")
    grammar = importlib.import_module(f"{name}.resources").data_dir("grammar")
    if grammar != workdir / "grammar":  # an installed redact's grammar would be this commit's, not that one's
        raise RuntimeError(f"the old parser would read {grammar}")
    return module.parse


def bench_parse_before(texts: list[str]) -> dict[str, float]:
    """This parse against the parse of BEFORE_HEADER_FIELDS, in one process, document by document in
    turn (three passes), so that both see the same machine load."""
    with tempfile.TemporaryDirectory() as workdir:
        before = load_parse_at(BEFORE_HEADER_FIELDS, Path(workdir))
        for text in texts[:30]:
            before(text), parse(text)
        old = new = 0.0
        for _ in range(3):
            for text in texts:
                started = time.perf_counter()
                before(text)
                middle = time.perf_counter()
                parse(text)
                new += time.perf_counter() - middle
                old += middle - started
    return {"old": old / 3, "new": new / 3, "ratio": old / new}


def bench_html(texts: list[str], policy) -> float:
    def pipeline() -> None:
        for text in texts:
            document = parse(text, doc_id="X")
            decisions = decide(document, policy, Context(as_of=AS_OF))
            view = build_view(document, decisions, policy_name=policy.name, policy_sha256=policy.sha256,
                              as_of=AS_OF, reviewer="bench")
            render_html(view)

    return len(texts) / best_of(2, pipeline)


def bench_pdf(texts: list[str], policy) -> dict[str, float]:
    """Our PDF step (render with shared fonts + verify) against a plain weasyprint render of the same HTML."""
    from weasyprint import HTML

    prepared = []
    for text in texts:
        document = parse(text, doc_id="X")
        decisions = decide(document, policy, Context(as_of=AS_OF))
        view = build_view(document, decisions, policy_name=policy.name, policy_sha256=policy.sha256,
                          as_of=AS_OF, reviewer="bench")
        html = render_html(view)  # the self-contained release HTML: what the plain render gets
        lean = render_html(view, inline_stylesheet=False)  # what redact renders, with the parsed sheet
        withheld = withheld_items(document, decisions)
        allowed = allowed_text(document, decisions, view)
        prepared.append((html, lean, view.title, withheld, allowed))
    render_pdf(prepared[0][1], title="warm-up", as_of=AS_OF)
    HTML(string=prepared[0][0]).write_pdf()
    pages = 0
    plain = ours = verify = 0.0
    for html, lean, title, withheld, allowed in prepared:
        started = time.perf_counter()
        HTML(string=html).write_pdf()
        plain += time.perf_counter() - started
        started = time.perf_counter()
        data = render_pdf(lean, title=title, as_of=AS_OF)
        rendered = time.perf_counter()
        assert verify_bytes(data, "pdf", withheld, allowed).ok
        ours += time.perf_counter() - started
        verify += time.perf_counter() - rendered
        pages += len(PdfReader(io.BytesIO(data)).pages)
    return {"pages": pages, "plain_pps": pages / plain, "ours_pps": pages / ours, "ratio": plain / ours,
            "verify_share": verify / ours, "cables": len(texts)}


def bench_jobs(corpus: Path, sample: int) -> dict[str, float]:
    files = sorted(corpus.glob("*.txt"))[:sample]
    work = Path(tempfile.mkdtemp(prefix="redact-bench-"))
    inputs = work / "in"
    inputs.mkdir()
    for path in files:
        shutil.copy(path, inputs / path.name)
    redact = [sys.executable, "-m", "redact"]
    results = {}
    try:
        results.update(_best_runs(lambda jobs, out: [*redact, "run", str(inputs), "--out", str(out), "--format",
                                                     "html,pdf", "--as-of", AS_OF.isoformat(), "--jobs", str(jobs)],
                                  work))
    finally:
        shutil.rmtree(work)
    return results


def _best_runs(command, work: Path, repeats: int = 3) -> dict[str, float]:
    """Wall time of ``command(jobs, out)`` with `--jobs 1` and `--jobs 2`, taken in turn (1, 2, 1,
    2, ...) into a new output directory each time: the fastest of each, as in best_of (a shared
    machine's other load falls on one run, not on one setting); and ``speedup``, the median of the
    ratios of the runs taken one after the other."""
    fastest, runs = _fastest_in_turn({f"jobs{jobs}": (lambda out, jobs=jobs: command(jobs, out))
                                      for jobs in (1, 2)}, work, repeats)
    return {**fastest, "speedup": _paired_ratio(runs["jobs1"], runs["jobs2"])}


def _fastest_in_turn(commands: dict, work: Path, repeats: int = 3) -> tuple[dict[str, float], dict[str, list[float]]]:
    """Wall time of each named ``command(out)``, each in a fresh process, taken in turn ``repeats``
    times into a new output directory each time: the fastest of each, and every run's."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for attempt in range(repeats):
        for name, command in commands.items():
            out = work / f"out-{name}-{attempt}"
            started = time.perf_counter()
            subprocess.run(command(out), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - started)
            shutil.rmtree(out, ignore_errors=True)
    return {name: min(taken) for name, taken in times.items()}, times


def _paired_ratio(slower: list[float], faster: list[float]) -> float:
    """The median of ``slower[i] / faster[i]``: runs taken one right after the other saw about the
    same load on a shared machine, where the fastest of each may come from different spells."""
    return statistics.median(a / b for a, b in zip(slower, faster, strict=True))


# A plain weasyprint render of every HTML file in a folder, in one process: the baseline of (i).
PLAIN_RENDER = ("import pathlib, sys\n"
                "from weasyprint import HTML\n"
                "out = pathlib.Path(sys.argv[2]); out.mkdir()\n"
                "for page in sorted(pathlib.Path(sys.argv[1]).glob('*.html')):\n"
                "    HTML(filename=str(page)).write_pdf(str(out / (page.stem + '.pdf')))\n")


# The cables of (i)'s second, short run: what both commands cost before their documents (start-up,
# imports, the first document's warm-up), told apart from what each cable costs.
FEW = 2


def bench_pdf_command(paths: list[Path]) -> dict[str, float]:
    """What a user runs for PDF: `redact run DIR --format pdf --jobs 1` against a plain weasyprint
    render, in one fresh process, of the self-contained release HTML redact writes for the same
    cables (made once beforehand, untimed); in turn, three times each, the fastest of each. Both
    also on the first FEW cables alone, to tell the fixed cost from the cost of each cable."""
    work = Path(tempfile.mkdtemp(prefix="redact-pdf-"))
    inputs, pages, few_inputs, few_pages = work / "in", work / "html", work / "in-few", work / "html-few"
    for folder in (inputs, few_inputs, few_pages):
        folder.mkdir()
    for path in paths:
        shutil.copy(path, inputs / path.name)
    redact = [sys.executable, "-m", "redact"]
    try:
        subprocess.run([*redact, "run", str(inputs), "--out", str(pages), "--format", "html", "--as-of",
                        AS_OF.isoformat()], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for path in paths[:FEW]:
            shutil.copy(path, few_inputs / path.name)
            shutil.copy(pages / f"{path.stem}.release.html", few_pages)

        def ours(folder: Path) -> Callable[[Path], list[str]]:
            return lambda out: [*redact, "run", str(folder), "--out", str(out), "--format", "pdf", "--as-of",
                                AS_OF.isoformat(), "--jobs", "1"]

        results, runs = _fastest_in_turn({
            "plain": lambda out: [sys.executable, "-c", PLAIN_RENDER, str(pages), str(out)],
            "redact": ours(inputs),
            "plain_few": lambda out: [sys.executable, "-c", PLAIN_RENDER, str(few_pages), str(out)],
            "redact_few": ours(few_inputs)}, work)
    finally:
        shutil.rmtree(work)
    results["cables"] = len(paths)
    results["ratio"] = _paired_ratio(runs["plain"], runs["redact"])
    return results


def pdf_overhead(command: dict[str, float], pdf: dict[str, float], html_rate: float, startup: float) -> str:
    """What the PDF command does beyond a plain render, per cable, from this run's own figures; and
    the difference told into what both pay once (the FEW-cable runs) and what each cable adds."""
    cables = command["cables"]
    beyond = (command["redact"] - command["plain"]) * 1000 / cables
    verify = pdf["verify_share"] * pdf["pages"] / pdf["ours_pps"] * 1000 / pdf["cables"]
    more = f"{beyond:.0f} ms a cable more" if beyond >= 0 else f"{-beyond:.0f} ms a cable less"
    fixed = command["redact_few"] - command["plain_few"]
    each = ((command["redact"] - command["redact_few"]) - (command["plain"] - command["plain_few"])) \
        * 1000 / (cables - FEW)
    if each < 0 < fixed:
        even = (f"; at these rates the command is as fast as the plain render from "
                f"{FEW + fixed * 1000 / -each:.0f} cables on")
    else:
        even = ""
    split = (f" Told apart by the same two commands on {FEW} cables: the command's fixed cost (interpreter, imports, "
             f"policy, grammar, the first document's warm-up) is {fixed:.2f} s more than the plain process's, and "
             f"each further cable takes {abs(each):.0f} ms {'more' if each >= 0 else 'less'}{even}.")
    return (f"PDF end to end (i): `redact run --format pdf` takes {more} than the plain render "
            f"({command['plain'] * 1000 / cables:.0f} ms a cable, its own start-up included). Beyond the render "
            f"each cable is parsed, decided and rendered to HTML ({1000 / html_rate:.1f} ms, (b)), its PDF's text "
            f"layer, info and attachments are read back and checked ({verify:.1f} ms, (c) and (d)), and it is "
            f"audited; the command starts in {startup:.2f} s ((g)). Our render itself is {pdf['ratio']:.2f}x the "
            f"plain one (c): the fonts and stylesheet are parsed once a process, not once a page." + split)


def bench_run(corpus: Path) -> dict[str, float]:
    """What a user runs: `redact run DIR --format html` on the whole corpus, a fresh process each,
    wall clock from the command's start (interpreter start-up and imports included), `--jobs 1`
    then `--jobs 2`; and the start-up alone (`redact --version`)."""
    count = len(list(corpus.glob("*.txt")))
    work = Path(tempfile.mkdtemp(prefix="redact-run-"))
    redact = [sys.executable, "-m", "redact"]
    results: dict[str, float] = {"documents": count}
    try:
        started = time.perf_counter()
        subprocess.run([*redact, "--version"], check=True, stdout=subprocess.DEVNULL)
        results["startup"] = time.perf_counter() - started
        results.update(_best_runs(lambda jobs, out: [*redact, "run", str(corpus), "--out", str(out), "--format",
                                                     "html", "--as-of", AS_OF.isoformat(), "--jobs", str(jobs)],
                                  work))
    finally:
        shutil.rmtree(work)
    results["rate1"] = count / results["jobs1"]
    results["rate2"] = count / results["jobs2"]
    results.update(_cpu_of_jobs2(corpus))
    return results


# `redact run` run in this wrapper: the CPU seconds of the process itself (the parent) and of its
# workers (the children it waited for), from getrusage, after the command's own exit.
CPU_OF_RUN = ("import resource, runpy, sys\n"
              "sys.argv = ['redact', *sys.argv[1:]]\n"
              "try:\n"
              "    runpy.run_module('redact', run_name='__main__')\n"
              "except SystemExit:\n"
              "    pass\n"
              "me = resource.getrusage(resource.RUSAGE_SELF)\n"
              "workers = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
              "print(me.ru_utime + me.ru_stime, me.ru_stime, workers.ru_utime + workers.ru_stime, file=sys.stderr)\n")


def _cpu_of_jobs2(corpus: Path) -> dict[str, float]:
    """One more `--jobs 2` run (not one of the timed ones), in the CPU_OF_RUN wrapper: where the
    two cores' time goes."""
    work = Path(tempfile.mkdtemp(prefix="redact-cpu-"))
    try:
        done = subprocess.run([sys.executable, "-c", CPU_OF_RUN, "run", str(corpus), "--out", str(work / "out"),
                               "--format", "html", "--as-of", AS_OF.isoformat(), "--jobs", "2"],
                              check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    finally:
        shutil.rmtree(work)
    parent, parent_system, workers = map(float, done.stderr.strip().splitlines()[-1].split())
    return {"parent_cpu": parent, "parent_system": parent_system, "workers_cpu": workers}


def what_limits_jobs2(end_to_end: dict[str, float]) -> str:
    """The least time two cores need for this run's CPU work, when the start-up (`redact --version`
    alone) runs before any worker starts, and what that allows `--jobs 2` against `--jobs 1`."""
    startup, parent, workers = end_to_end["startup"], end_to_end["parent_cpu"], end_to_end["workers_cpu"]
    least = startup + (max(parent - startup, 0.0) + workers) / 2
    return (f"What limits `--jobs 2` (g): in one more such run (not a timed one) the parent process used "
            f"{parent:.2f} s of CPU ({end_to_end['parent_system']:.2f} s of it in the kernel: the group commits' "
            f"fsyncs) and its two workers {workers:.2f} s together; the `--jobs 1` run does all of it in "
            f"{end_to_end['jobs1']:.2f} s. Start-up ({startup:.2f} s, interpreter, imports and policy) runs before "
            f"any worker starts; the rest shares two cores, so the run cannot take less than {startup:.2f} + "
            f"({max(parent - startup, 0.0):.2f} + {workers:.2f}) / 2 = {least:.2f} s: at best "
            f"{end_to_end['jobs1'] / least:.2f}x `--jobs 1` (measured: {end_to_end['speedup']:.2f}x). What stands "
            f"in the way of 1.8x is what two processes cannot share: the start-up, and the parent's work past it "
            f"(the policy read, the executor's hand-over of every document, the group commits, the cross-check "
            f"of the consistency index).")


def bench_stages(paths: list[Path], policy) -> dict[str, float]:
    """Where one document's time goes in `redact run` (HTML), stage by stage, in this process:
    the same calls process_one makes, timed one by one, then process_one itself (which also
    writes the copy through a temporary file with fsync)."""
    from redact.audit import seal
    from redact.consistency import entry_for
    from redact.pipeline import Options, _item_rows, _pieces, process_one, render_outputs
    from redact.read import read_source
    from redact.verify import released_markings

    work = Path(tempfile.mkdtemp(prefix="redact-stages-"))
    key = bytes(32)  # `redact run` gives its workers the index's key: every document is fingerprinted
    options = Options(out_dir=work, formats=("html",), as_of=AS_OF, index_key=key)
    stages = dict.fromkeys(("read", "parse", "decide", "marking check", "render HTML", "verify HTML",
                            "audit record (rows, canonical JSON)", "consistency fingerprints"), 0.0)
    try:
        for path in paths:
            started = time.perf_counter()
            source = read_source(path, max_bytes=options.max_bytes)
            read = time.perf_counter()
            document = parse(source.text, source=source.path, doc_id=path.stem)
            parsed = time.perf_counter()
            decisions = decide(document, policy, Context(as_of=AS_OF))
            decided = time.perf_counter()
            released_markings(document, decisions, policy.ceiling, policy.released_controls)
            checked = time.perf_counter()
            view, rendered = render_outputs(document, decisions, policy, options)
            rendered_at = time.perf_counter()
            allowed = allowed_text(document, decisions, view)
            verify_bytes(rendered["html"], "html", withheld_items(document, decisions), allowed)
            verified = time.perf_counter()
            portions, fields, labels, rule_ids = _item_rows(document, decisions, policy)
            seal([{"type": "document", "labels": labels, "rule_ids": rule_ids, "portions": portions,
                   "fields": fields}])
            logged = time.perf_counter()
            entry_for(source.path, path.stem, _pieces(document, decisions), key)
            indexed = time.perf_counter()
            for name, (start, end) in zip(stages, [(started, read), (read, parsed), (parsed, decided),
                                                   (decided, checked), (checked, rendered_at),
                                                   (rendered_at, verified), (verified, logged),
                                                   (logged, indexed)], strict=True):
                stages[name] += end - start
        started = time.perf_counter()
        for path in paths:
            process_one(str(path), policy, options)
        stages["process_one (all of the above, writing included)"] = time.perf_counter() - started
    finally:
        shutil.rmtree(work)
    return stages


def _child_peak(command: list[str]) -> tuple[float, float]:
    """Wall time and peak RSS (MB) of a command run in a fresh child process."""
    code = ("import resource, subprocess, sys, time\n"
            "started = time.perf_counter()\n"
            "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
            "print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    output = subprocess.run([sys.executable, "-c", code, *command], check=True, capture_output=True,
                            text=True).stdout.split()
    return float(output[0]), int(output[1]) / 1024


TARGET_RATE = 300  # cables per second per core, end to end (issue #21)


def what_stands_in_the_way(stages: dict[str, float], cables: int, end_to_end: dict[str, float]) -> str:
    """The time a cable may take at the target rate, against what each stage takes in this run."""
    budget = 1000 / TARGET_RATE
    per_cable = {name: seconds * 1000 / cables for name, seconds in stages.items() if seconds > 0}
    whole = per_cable.pop("process_one (all of the above, writing included)")
    largest = sorted(per_cable.items(), key=lambda item: -item[1])[:3]
    parts = ", ".join(f"{name} {ms:.1f} ms" for name, ms in largest)
    command = 1000 / end_to_end["rate1"]
    over = [name for name, ms in per_cable.items() if ms > budget] or ["none"]
    together = sum(ms for _, ms in largest)
    return (f"What stands in the way of {TARGET_RATE} cables/s per core: that leaves {budget:.1f} ms a cable; "
            f"in this run one cable takes {whole:.1f} ms in `process_one` and {command:.1f} ms through the whole "
            f"command (`--jobs 1`). The largest stages: {parts} ({together / budget:.1f}x the budget together); "
            f"over the budget on its own: {', '.join(over)}.")


def bench_audit(corpora: list[Path], copies: int) -> dict[str, float]:
    """An archive-sized log: every document of the corpora released `copies` times (text copies,
    each pass into its own directory, one shared --audit log); then `redact audit verify` and
    `redact audit report --format csv` on it, each in a fresh process."""
    work = Path(tempfile.mkdtemp(prefix="redact-audit-"))
    log = work / "audit.jsonl"
    redact = [sys.executable, "-m", "redact"]
    try:
        for copy in range(copies):
            subprocess.run([*redact, "run", *map(str, corpora), "--out", str(work / f"out{copy}"), "--audit", str(log),
                            "--format", "text", "--as-of", AS_OF.isoformat(), "--jobs", "2"], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        documents = sum(line.startswith(b'{"doc_id"') or b'"type":"document"' in line
                        for line in log.open("rb"))
        size = log.stat().st_size
        verify_time, verify_peak = _child_peak([*redact, "audit", "verify", str(log)])
        report_time, report_peak = _child_peak([*redact, "audit", "report", str(log), "--format", "csv",
                                                "-o", str(work / "index.csv")])
    finally:
        shutil.rmtree(work)
    return {"documents": documents, "bytes_per_document": size / documents, "megabytes": size / 1e6,
            "verify_s": verify_time, "verify_mb": verify_peak, "report_s": report_time, "report_mb": report_peak}


def bench_memory(corpus: Path) -> float:
    """Peak RSS (MB) of a whole-corpus HTML+PDF run in a child process (and its workers)."""
    work = Path(tempfile.mkdtemp(prefix="redact-mem-"))
    try:
        return _child_peak([sys.executable, "-m", "redact", "run", str(corpus), "--out", str(work), "--format",
                            "html,pdf", "--as-of", AS_OF.isoformat(), "--jobs", "2"])[1]
    finally:
        shutil.rmtree(work)


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "cablegate")
    parser.add_argument("--pdf-sample", type=int, default=60, help="cables rendered to PDF for (c) and (d)")
    parser.add_argument("--jobs-sample", type=int, default=160, help="cables in the --jobs 1 vs 2 run")
    parser.add_argument("--skip-memory", action="store_true", help="skip the whole-corpus peak RSS run")
    parser.add_argument("--audit-copies", type=int, default=6,
                        help="passes over all corpora for the archive-sized audit log (0 skips it)")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    # The commands timed below start the way an installed redact starts: `pip install .` (README command a)
    # compiles the package's bytecode; an editable install on a machine that sets PYTHONDONTWRITEBYTECODE
    # (this one does) would compile every module again at every start.
    compileall.compile_dir(str(Path(sys.modules["redact"].__file__ or "").parent), quiet=1)
    paths = sorted(args.corpus.glob("*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in paths]
    size = sum(len(t.encode("utf-8")) for t in texts)
    policy = load_policy("public-release")
    step = max(1, len(texts) // args.pdf_sample)
    rows: list[tuple[str, str, str, str]] = []

    parsed = bench_parse(texts, size)
    rows.append(("(a) parse: grammar stage (Lark)", f"{parsed['grammar_mbs']:.1f} MB/s",
                 f"re splitter {parsed['regex_mbs']:.1f} MB/s", f"{parsed['grammar_ratio']:.3f} (target >= 0.100)"))
    rows.append(("(a) parse: whole, into the document model", f"{parsed['parse_mbs']:.1f} MB/s",
                 f"re splitter {parsed['regex_mbs']:.1f} MB/s", f"{parsed['ratio']:.3f} (target >= 0.100)"))
    parse_steps = bench_parse_steps(texts)
    try:
        before = bench_parse_before(texts)
        rows.append((f"(a) parse: whole, against the parse of {BEFORE_HEADER_FIELDS}", f"{before['new']:.2f} s a pass",
                     f"{before['old']:.2f} s a pass", f"{before['ratio']:.2f}x its throughput (target >= 0.90x)"))
    except (subprocess.CalledProcessError, RuntimeError, OSError) as error:
        print(f"(a) against {BEFORE_HEADER_FIELDS}: not measured ({error})", file=sys.stderr)
    html_rate = bench_html(texts, policy)
    rows.append(("(b) parse + decide + HTML", f"{html_rate:.0f} cables/s (1 core)", "-",
                 "target >= 300 cables/s per core"))
    pdf = bench_pdf(texts[::step], policy)
    rows.append(("(c) PDF render + verify", f"{pdf['ours_pps']:.1f} pages/s",
                 f"plain weasyprint {pdf['plain_pps']:.1f} pages/s", f"{pdf['ratio']:.2f}x (target >= 1.0x)"))
    rows.append(("(d) verification share of PDF time", f"{pdf['verify_share']:.0%}", "-", "-"))
    jobs = bench_jobs(args.corpus, args.jobs_sample)
    rows.append(("(e) --jobs 1 vs --jobs 2 (html,pdf)", f"{jobs['jobs2']:.1f} s with 2 jobs",
                 f"{jobs['jobs1']:.1f} s with 1 job", f"{jobs['speedup']:.2f}x (target >= 1.8x)"))
    end_to_end = bench_run(args.corpus)
    rows.append(("(g) `redact run DIR --format html --jobs 1`, whole corpus",
                 f"{end_to_end['rate1']:.0f} cables/s ({end_to_end['jobs1']:.1f} s)",
                 f"start-up {end_to_end['startup']:.2f} s", "target >= 300 cables/s per core"))
    rows.append(("(g) same with `--jobs 2`", f"{end_to_end['rate2']:.0f} cables/s ({end_to_end['jobs2']:.1f} s)",
                 f"{end_to_end['jobs1']:.1f} s with 1 job", f"{end_to_end['speedup']:.2f}x (target >= 1.8x)"))
    pdf_command = bench_pdf_command(paths[::step])
    cables, ours_s, plain_s = pdf_command["cables"], pdf_command["redact"], pdf_command["plain"]
    rows.append(("(i) `redact run DIR --format pdf --jobs 1`", f"{cables / ours_s:.1f} cables/s ({ours_s:.1f} s)",
                 f"plain weasyprint {cables / plain_s:.1f} cables/s ({plain_s:.1f} s)",
                 f"{pdf_command['ratio']:.2f}x (target >= 1.0x)"))
    if not args.skip_memory:
        peak = bench_memory(args.corpus)
        rows.append(("(f) peak RSS, whole corpus, html+pdf, 2 jobs", f"{peak:.0f} MB", "-", "target < 250 MB"))

    if args.audit_copies:
        corpora = [args.corpus.parent / name for name in ("cablegate", "mirror", "sidtoday")
                   if (args.corpus.parent / name).is_dir()]
        audit = bench_audit(corpora, args.audit_copies)
        rows.append((f"(h) audit log of {audit['documents']:.0f} documents", f"{audit['bytes_per_document']:.0f} "
                     f"bytes/document ({audit['megabytes']:.0f} MB)", "-", "target <= 2048 bytes/document"))
        rows.append(("(h) `redact audit verify` on it", f"{audit['verify_s']:.1f} s, {audit['verify_mb']:.0f} MB peak",
                     "-", "target < 250 MB"))
        rows.append(("(h) `redact audit report --format csv` on it",
                     f"{audit['report_s']:.1f} s, {audit['report_mb']:.0f} MB peak", "-", "target < 250 MB"))
    header = ("measure", "result", "baseline (same run)", "ratio / target")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = [" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    table = "\n".join(lines)
    print(table)
    stages = bench_stages(paths, policy)
    whole = stages["process_one (all of the above, writing included)"]
    profile = [f"| {name} | {seconds:.2f} s | {seconds / whole:.0%} | {len(paths) / seconds:.0f} |"
               for name, seconds in stages.items() if seconds > 0]
    print("\n".join(profile))
    in_the_way = what_stands_in_the_way(stages, len(paths), end_to_end)
    print(in_the_way)
    beyond_the_render = pdf_overhead(pdf_command, pdf, html_rate, end_to_end["startup"])
    print(beyond_the_render)
    jobs2_limit = what_limits_jobs2(end_to_end)
    print(jobs2_limit)
    corpus_line = (f"{len(texts)} cables, {size / 1e6:.1f} MB; "
                   f"PDF figures on every {step}th cable ({pdf['pages']} pages)")
    markdown = ["# Benchmarks", "", f"Measured by `python benchmarks/run.py` on {date.today().isoformat()}.", "",
                f"Machine: {machine()}.", "", f"Corpus: {corpus_line}.", "",
                "| " + " | ".join(header) + " |", "|" + "---|" * 4]
    markdown += ["| " + " | ".join(row) + " |" for row in rows]
    markdown += ["", "How each figure is measured:", "",
                 "- (a) the fastest of five passes over the corpus texts in memory (splitter, grammar stage and "
                 "whole parse taken in turn). Baseline: a plain `re` splitter that "
                 "splits at paragraph numbers and reads each paragraph's number and marking. Grammar stage: "
                 "`redact.parse.read_items`, the Lark lexer and LALR parser reading every line shape (each "
                 "paragraph's number, marking and text; header lines; runs of text), which is what the splitter "
                 "does. Whole parse: `redact.parse`, the grammar stage plus assembly into the document model "
                 "(portions, inherited markings, headings, signature, header fields read into dates and "
                 "reasons, problems). Against the parse of " + BEFORE_HEADER_FIELDS + " (the commit before the "
                 "header-field work: run-on lines split, field shapes, tag lists): that commit's package taken out "
                 "of git and imported beside this one, both parsing each cable in turn, three passes.",
                 "- (b) parse, decide (public-release) and render HTML for every cable, one process.",
                 "- (c) baseline: `weasyprint.HTML(string=html).write_pdf()` of the self-contained release HTML; "
                 "redact: its PDF step (fonts and stylesheet parsed once per process) plus verification "
                 "(PDFium text layer; qpdf through pikepdf for info, XMP, outline, annotations, files), same "
                 "cables, same process.",
                 "- (e) wall time of `redact run DIR --format html,pdf` on the first cables, `--jobs 1` and "
                 "`--jobs 2` in turn, three times each, each in a fresh process and a new output directory: the "
                 "fastest of each; the ratio is the median of the three pairs' ratios (a run and the one right "
                 "after it see about the same load on a shared machine).",
                 "- (i) wall time of `redact run DIR --format pdf --jobs 1` on the PDF cables of (c), against a "
                 "plain weasyprint render (`HTML(filename=...).write_pdf()`, one fresh process) of the "
                 "self-contained release HTML redact writes for the same cables, made beforehand; in turn, three "
                 "times each, the fastest of each; the ratio is the median of the three pairs' ratios.",
                 "- (f) `ru_maxrss` of the children of a whole-corpus `redact run --jobs 2` (the largest process: "
                 "the parent or one worker).",
                 "- (g) wall time of `redact run DIR --format html` over the whole corpus directory, each in a "
                 "fresh process (start-up, imports, the audit log, the manifest and every fsync included), "
                 "`--jobs 1` and `--jobs 2` in turn, three times each into a new output directory, the fastest "
                 "of each (the ratio: the median of the three pairs' ratios); start-up is `redact --version` "
                 "alone.",
                 "- (e), (g), (h), (i): before any command is timed, the package's bytecode is compiled, as "
                 "`pip install .` (README command a) compiles it" + (
                     "; this machine sets PYTHONDONTWRITEBYTECODE, under which an editable install would compile "
                     "every module of redact at every start" if sys.flags.dont_write_bytecode else "") + ".",
                 "- (h) every document of the three corpora (cablegate, mirror, sidtoday) released as text "
                 "`--audit-copies` times into one `--audit` log (`--jobs 2`), then `redact audit verify LOG` and "
                 "`redact audit report LOG --format csv -o FILE`, each timed in a fresh process with its "
                 "`ru_maxrss`.",
                 "", "## Where the whole parse spends its time", "",
                 "Each step alone over the corpus texts in memory, in turn, five rounds, the fastest of each "
                 "(timed apart, the steps need not add up to the whole: the last row says by how much).", "",
                 *parse_steps_text(parse_steps, parsed["regex_mbs"], size),
                 "", "## Where `redact run` spends its time (HTML, one process)", "",
                 "Each stage of every cable timed in turn (the calls `process_one` makes), then `process_one` "
                 "itself over the same cables; the rest of (g) is the parent's audit log, manifest and "
                 "start-up.", "", "| stage | time | share of process_one | cables/s alone |", "|---|---|---|---|",
                 *profile, "", in_the_way, "", jobs2_limit, "", beyond_the_render]
    # Sections other benchmark commands wrote (benchmarks/metamorphic.py) are kept, not measured here.
    previous = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
    start = previous.find("\n## Metamorphic")
    kept = previous[start:] if start >= 0 else ""
    args.output.write_text("\n".join(markdown) + "\n" + kept, encoding="utf-8")
    print(f"\nwrote {args.output}")


if __name__ == "__main__":
    main()
