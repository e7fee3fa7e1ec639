"""The `kiennghi` command line (messages in Vietnamese): train, evaluate, classify, models."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kiennghi.errors import KienNghiError

app = typer.Typer(
    name="kiennghi",
    help="Phân loại kiến nghị của các hội và cử tri, giao cơ quan chủ trì và phối hợp.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
models_app = typer.Typer(help="Quản lý các phiên bản mô hình.", no_args_is_help=True)
app.add_typer(models_app, name="models")
gate_app = typer.Typer(
    help="Cổng tự động giao: khi nào kiến nghị được giao mà không cần cán bộ duyệt.", no_args_is_help=True
)
app.add_typer(gate_app, name="gate")


def _console() -> Console:
    return Console(stderr=True)


def _settings() -> Any:
    from kiennghi.settings import Settings

    return Settings.from_env()


def _today() -> date:
    """The province's calendar day (KIENNGHI_TIMEZONE): the directory in force is chosen by it."""
    from kiennghi.timezone import local_date

    return local_date(datetime.now(UTC), _settings().zone)


def _fail(message: str, code: int = 1) -> None:
    _console().print(f"[bold red]Lỗi:[/] {message}")
    raise typer.Exit(code)


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except KienNghiError as e:
        _fail(str(e))


@contextmanager
def _progress(console: Console) -> Iterator[Any]:
    """A callback ``(message, done, total)`` shown as a rich progress bar on a terminal."""
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
        transient=True,
    )
    task = bar.add_task("", total=1)

    def update(message: str, done: int, total: int) -> None:
        bar.update(task, description=message, completed=done, total=max(total, 1))
        if not console.is_terminal:
            console.print(f"… {message}")

    with bar:
        yield update


def _load_classifier(version: str | None, console: Console) -> Any:
    from kiennghi.models.registry import open_registry
    from kiennghi.training.bootstrap import open_classifier

    settings = _settings()
    if version is None and open_registry(settings).active_version() is None:
        console.print(
            "Chưa có mô hình nào: đang xây dựng mô hình mặc định từ kho dữ liệu mẫu đi kèm "
            "(chỉ lần đầu, khoảng 30 giây, không cần mạng)…"
        )
        start = time.perf_counter()
        with _progress(console) as progress:
            classifier = open_classifier(settings, progress=progress)
        console.print(
            f"Đã xây dựng và kích hoạt mô hình {classifier.version} "
            f"trong {time.perf_counter() - start:.0f} giây."
        )
        return classifier
    return open_classifier(settings, version)


@app.command()
def classify(
    input: Annotated[Path, typer.Argument(help="Tệp đầu vào .jsonl, .csv hoặc .xlsx có cột 'text'.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Tệp kết quả (.jsonl, .csv, .xlsx).")],
    model: Annotated[
        str | None, typer.Option("--model", help="Phiên bản mô hình (mặc định: đang dùng).")
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Số kiến nghị xử lý mỗi lượt.")] = 1024,
) -> None:
    """Phân loại mọi kiến nghị trong một tệp và ghi lĩnh vực, cơ quan chủ trì, phối hợp."""
    from kiennghi.batch import classify_file
    from kiennghi.io.tabular import file_format

    console = _console()
    with _errors():
        file_format(input)
        file_format(output)
        if not input.is_file():
            _fail(f"Không tìm thấy tệp đầu vào: {input}")
        classifier = _load_classifier(model, console)
        bar = Progress(
            TextColumn("Đang phân loại"),
            BarColumn(),
            TextColumn("{task.completed:,} kiến nghị"),
            TimeElapsedColumn(),
            console=console,
            disable=not console.is_terminal,
            transient=True,
        )
        with bar:
            task = bar.add_task("", total=None)
            summary = classify_file(
                input,
                output,
                classifier,
                batch_size=batch_size,
                on_batch=lambda n: bar.advance(task, n),
                on=_today(),
            )
    console.print(
        f"Đã phân loại {summary.classified:,}/{summary.total:,} kiến nghị bằng mô hình "
        f"{classifier.version}; {summary.needs_review:,} cần cán bộ duyệt; "
        f"{summary.errors:,} dòng lỗi. Kết quả: {output}"
    )


def _resolve_data(data: Path | None) -> Path:
    from kiennghi.training.corpus import seed_corpus_dir

    return data or seed_corpus_dir()


def _print_metrics(console: Console, results: dict[str, Any]) -> None:
    table = Table(title="Kết quả đánh giá")
    table.add_column("Chỉ số")
    names = [n for n, r in results.items() if r is not None]
    for name in names:
        table.add_column(name, justify="right")
    rows = [
        ("Số kiến nghị", "n", False),
        ("Đúng cơ quan chủ trì", "lead_accuracy", True),
        ("Đúng trong 3 gợi ý", "lead_top3_accuracy", True),
        ("Đúng lĩnh vực", "sector_accuracy", True),
        ("Macro-F1 cơ quan", "lead_macro_f1", False),
        ("Sai số hiệu chỉnh (ECE)", "ece", False),
        ("Tỷ lệ tự động giao", "auto_coverage", True),
        ("Chính xác khi tự động giao", "auto_precision", True),
    ]
    for label, key, percent in rows:
        cells = []
        for name in names:
            value = getattr(results[name], key)
            if value is None:
                cells.append("–")
            elif key == "n":
                cells.append(str(value))
            else:
                cells.append(f"{value:.1%}" if percent else f"{value:.3f}")
        table.add_row(label, *cells)
    Console().print(table)


@app.command()
def train(
    config: Annotated[Path | None, typer.Option(help="Tệp cấu hình huấn luyện (YAML).")] = None,
    data: Annotated[
        Path | None,
        typer.Option(help="Dữ liệu huấn luyện (thư mục hoặc tệp); mặc định: kho mẫu đi kèm."),
    ] = None,
    eval_data: Annotated[
        list[Path] | None,
        typer.Option("--eval", help="Tệp có nhãn để đánh giá thêm (lặp lại được)."),
    ] = None,
    activate: Annotated[bool, typer.Option(help="Kích hoạt mô hình mới sau khi huấn luyện.")] = True,
) -> None:
    """Huấn luyện, đánh giá (kiểm định chéo) và đăng ký một phiên bản mô hình mới."""
    from kiennghi.catalog import load_catalog
    from kiennghi.models.registry import open_registry
    from kiennghi.training.corpus import load_labelled
    from kiennghi.training.train import load_config, train_and_register

    console = _console()
    with _errors():
        settings = _settings()
        catalog = load_catalog(settings)
        cfg = load_config(config)
        evals = {p.name: load_labelled(p, catalog) for p in (eval_data or [])}
        with _progress(console) as progress:
            result = train_and_register(
                _resolve_data(data),
                cfg,
                catalog,
                open_registry(settings),
                eval_sets=evals,
                activate=activate,
                progress=progress,
            )
    _print_metrics(console, {"kiểm định chéo": result.cv, **result.evaluations})
    registry = open_registry(settings)
    console.print(
        f"Đã đăng ký mô hình [bold]{result.version}[/] ({result.n_items:,} kiến nghị, "
        f"{result.seconds:.1f} giây){' và kích hoạt' if activate else ''}. "
        f"Báo cáo: {registry.path(result.version) / 'report.md'}"
    )


@app.command()
def evaluate(
    data: Annotated[Path, typer.Argument(help="Tệp có nhãn: 'text' và 'sector' hoặc mã cơ quan.")],
    model: Annotated[str | None, typer.Option("--model", help="Phiên bản mô hình.")] = None,
    strip_diacritics: Annotated[bool, typer.Option(help="Bỏ dấu tiếng Việt trước khi đánh giá.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")] = False,
) -> None:
    """Đo độ chính xác của một mô hình trên tệp có nhãn, cổng tự động giao và đường rủi ro – độ phủ."""
    from dataclasses import replace

    from kiennghi.nlp.normalize import strip_diacritics as strip
    from kiennghi.training.corpus import load_labelled
    from kiennghi.training.gate import gate_inputs, gate_score, gate_summary, risk_coverage
    from kiennghi.training.metrics import score

    console = _console()
    with _errors():
        classifier = _load_classifier(model, console)
        items = load_labelled(data, classifier.catalog)
        if strip_diacritics:
            items = [replace(i, text=strip(i.text)) for i in items]
        texts = [i.text for i in items]
        probs = classifier.probabilities(texts)
        classes = classifier.model.classes
        result = score(items, probs, classes, classifier.catalog)
        inputs = gate_inputs(probs, classes, classifier.catalog, [i.accepted_leads for i in items])
        gate = classifier.catalog.policy.routing_gate
        gate_result = gate_summary(gate, inputs)
        curve = risk_coverage(gate_score(gate, inputs), inputs.correct, CURVE_STEPS)
    if json_output:
        payload = {
            "model": classifier.version,
            **result.as_dict(),
            "gate": gate_result,
            "risk_coverage": [vars(p) for p in curve],
        }
        print(json.dumps(payload, ensure_ascii=False))
        return
    _print_metrics(console, {f"{data.name} ({classifier.version})": result})
    _print_gate(console, gate_result, curve)


CURVE_STEPS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def _print_gate(console: Console, gate: dict[str, Any], curve: list[Any]) -> None:
    precision = "–" if gate["precision"] is None else f"{gate['precision']:.1%}"
    console.print(
        f"Cổng tự động giao (policy.yaml): giao thẳng {gate['routed']} kiến nghị ({gate['coverage']:.1%}), "
        f"đúng {precision}; còn lại chờ cán bộ duyệt."
    )
    table = Table(title="Rủi ro – độ phủ: tự động giao bao nhiêu thì đúng bao nhiêu")
    table.add_column("Tự động giao", justify="right")
    table.add_column("Số kiến nghị", justify="right")
    table.add_column("Đúng cơ quan chủ trì", justify="right")
    for point in curve:
        table.add_row(f"{point.coverage:.0%}", str(point.n), f"{point.precision:.1%}")
    console.print(table)


@gate_app.command("fit")
def gate_fit(
    target: Annotated[
        float, typer.Option(help="Độ chính xác cần đạt khi tự động giao (cận dưới, trên dữ liệu giữ lại).")
    ] = 0.95,
    config: Annotated[Path | None, typer.Option(help="Tệp cấu hình huấn luyện (YAML).")] = None,
    data: Annotated[
        Path | None,
        typer.Option(help="Dữ liệu huấn luyện (thư mục hoặc tệp); mặc định: kho mẫu đi kèm."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Tệp chính sách để ghi; mặc định: tệp đang dùng.")
    ] = None,
    write: Annotated[bool, typer.Option(help="Ghi vào tệp chính sách (--no-write: chỉ in ra).")] = True,
    min_support: Annotated[
        int, typer.Option(help="Số kiến nghị giữ lại tối thiểu để một cơ quan có ngưỡng riêng.")
    ] = 30,
) -> None:
    """Khớp ngưỡng tự động giao theo từng cơ quan và khoảng cách với cơ quan thứ hai."""
    from kiennghi.catalog import load_catalog
    from kiennghi.training.gate import (
        fit_on_corpus,
        gate_score,
        gate_summary,
        gate_yaml,
        risk_coverage,
        write_gate,
    )
    from kiennghi.training.train import load_config

    if not 0.5 <= target < 1.0:
        _fail(f"--target phải từ 0.5 đến dưới 1, đang là {target}")
    console = _console()
    with _errors():
        settings = _settings()
        catalog = load_catalog(settings)
        cfg = load_config(config)
        with _progress(console) as progress:
            gate, inputs = fit_on_corpus(_resolve_data(data), cfg, catalog, target, min_support, progress)
        gate_result = gate_summary(gate, inputs)
        curve = risk_coverage(gate_score(gate, inputs), inputs.correct, CURVE_STEPS)
        console.print("Trên dữ liệu giữ lại (kiểm định chéo):")
        _print_gate(console, gate_result, curve)
        if write:
            path = output or settings.policy
            write_gate(path, gate)
            console.print(f"Đã ghi cổng tự động giao vào {path}.")
        else:
            console.print(gate_yaml(gate))


@models_app.command("list")
def models_list() -> None:
    """Liệt kê các phiên bản mô hình."""
    from kiennghi.models.registry import open_registry

    with _errors():
        rows = open_registry(_settings()).versions()
    if not rows:
        _console().print("Chưa có mô hình nào. Chạy 'kiennghi train' hoặc 'kiennghi classify'.")
        return
    table = Table(title="Các phiên bản mô hình")
    for column in (
        "Phiên bản",
        "Đang dùng",
        "Tạo lúc",
        "Cấu hình",
        "Số kiến nghị",
        "Đúng chủ trì (KĐC)",
    ):
        table.add_column(column)
    for row in rows:
        cv = (row.get("metrics") or {}).get("cross_validation") or {}
        acc = cv.get("lead_accuracy")
        table.add_row(
            row["version"],
            "✔" if row["active"] else "",
            row["created_at"],
            row.get("name", ""),
            str(row.get("data", {}).get("n_items", "")),
            f"{acc:.1%}" if acc is not None else "–",
        )
    Console().print(table)


@models_app.command("show")
def models_show(
    version: Annotated[str | None, typer.Argument(help="Phiên bản; mặc định: đang dùng.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In toàn bộ siêu dữ liệu dạng JSON.")] = False,
) -> None:
    """Xem một phiên bản: dữ liệu, cấu hình, chỉ số, tệp và thư viện."""
    from kiennghi.models.registry import open_registry

    with _errors():
        registry = open_registry(_settings())
        name = version or registry.active_version()
        if name is None:
            _fail("Chưa có mô hình nào được kích hoạt.")
        meta = registry.metadata(str(name))
        folder = registry.path(str(name))
        active = registry.active_version() == name
    if as_json:
        print(json.dumps(meta, ensure_ascii=False, indent=2))
        return
    Console().print(_model_summary(meta, folder, active))


def _model_summary(meta: dict[str, Any], folder: Path, active: bool) -> Table:
    """The facts an analyst checks before activating a version, as a two-column table."""
    table = Table(title=f"Mô hình {meta.get('version')}{' (đang dùng)' if active else ''}", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    data = meta.get("data") or {}
    config = meta.get("config") or {}
    features = json.dumps(config.get("features", {}), ensure_ascii=False)
    rows = [
        ("Tạo lúc", str(meta.get("created_at", "–"))),
        ("Cấu hình", f"{config.get('name', '–')} ({features})"),
        ("Bộ phân loại", json.dumps(config.get("classifier", {}), ensure_ascii=False)),
        (
            "Dữ liệu huấn luyện",
            f"{data.get('n_items', '–')} kiến nghị, trong đó {data.get('n_corrections', 0)} đính chính; "
            f"{data.get('path', '–')} (sha256 {str(data.get('sha256', ''))[:12]}…)",
        ),
        ("Số lĩnh vực", str(len(meta.get("labels") or []))),
        ("Thời gian huấn luyện", f"{meta.get('training_seconds', '–')} s"),
    ]
    for set_name, result in (meta.get("metrics") or {}).items():
        title = "Kiểm định chéo" if set_name == "cross_validation" else f"Đánh giá: {set_name}"
        if not result:
            rows.append((title, "không chạy (mô hình dựng nhanh lần đầu; `kiennghi train` có chạy)"))
            continue
        rows.append(
            (
                title,
                f"đúng chủ trì {result['lead_accuracy']:.1%}, trong 3 gợi ý "
                f"{result['lead_top3_accuracy']:.1%}, ECE {result['ece']:.3f} "
                f"({result['n']} kiến nghị)",
            )
        )
    serving = meta.get("serving") or {}
    rows += [
        (
            "Tệp mô hình",
            f"model.joblib {meta.get('size_bytes', 0) / 1e6:.1f} MB, sha256 {meta.get('sha256', '')[:12]}…",
        ),
        (
            "Dạng mảng để phân loại",
            f"serving.npz {serving['size_bytes'] / 1e6:.1f} MB"
            if serving
            else "không có (phân loại qua pipeline scikit-learn)",
        ),
        ("Thư viện", ", ".join(f"{k} {v}" for k, v in (meta.get("libraries") or {}).items())),
        ("Mã nguồn", str(meta.get("code_version", "–"))),
        ("Thư mục", str(folder)),
    ]
    report = folder / "report.md"
    if report.exists():
        rows.append(("Báo cáo", f"{report} (ma trận nhầm lẫn, biểu đồ hiệu chỉnh)"))
    for key, value in rows:
        table.add_row(key, value)
    return table


def _add_service_commands() -> None:
    # The service's modules are imported only when one of its commands runs (see service/cli.py),
    # so `kiennghi classify` starts as fast as before.
    from kiennghi.service.cli import db_app, import_file, keys_app, models_activate, models_rollback, serve

    models_app.command("activate")(models_activate)
    models_app.command("rollback")(models_rollback)
    app.command()(serve)
    app.command("import")(import_file)
    app.add_typer(db_app, name="db")
    app.add_typer(keys_app, name="keys")


_add_service_commands()


def main() -> None:  # pragma: no cover - console script entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
