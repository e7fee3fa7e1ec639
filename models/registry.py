"""The model registry: the only place that writes or unpickles model artifacts."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import platform
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiennghi.errors import ModelNotFoundError, ModelRegistryError
from kiennghi.settings import Settings

__all__ = ["NAMESPACE", "LoadedModel", "ModelRegistry", "library_versions", "open_registry"]

ARTIFACT = "model.joblib"
SERVING = "serving.npz"  # the same model as arrays, served without scikit-learn (models/compiled.py)
METADATA = "metadata.json"
INDEX = "index.json"

# The package the pickled pipeline's classes live in. Versions saved before kiennghi became one
# namespace name bare modules (``nlp.transformers``) and are never unpickled (see ``load``).
NAMESPACE = "kiennghi"

# Libraries whose version changes can change what an unpickled pipeline does.
_TRACKED = ("scikit-learn", "numpy", "scipy", "joblib")


def library_versions() -> dict[str, str]:
    """Versions of Python and of the libraries a saved pipeline depends on."""
    from importlib.metadata import version

    versions = {"python": ".".join(platform.python_version_tuple()[:2])}
    for name in _TRACKED:
        versions[name] = version(name)
    return versions


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class LoadedModel:
    """A registered model: its metadata, the compiled scorer when the version has one, and the
    fitted pipeline, unpickled only when something asks for it (training, evaluation of another
    shape of model) so that classifying never pays for importing scikit-learn.
    """

    def __init__(
        self,
        version: str,
        pipeline: Any = None,
        metadata: dict[str, Any] | None = None,
        *,
        compiled: Any = None,
        loader: Callable[[], Any] | None = None,
    ) -> None:
        if pipeline is None and loader is None:
            raise ValueError("a LoadedModel needs a pipeline or a loader")
        self.version = version
        self.metadata = metadata or {}
        self.compiled = compiled
        self._pipeline = pipeline
        self._loader = loader

    @property
    def pipeline(self) -> Any:
        if self._pipeline is None:
            assert self._loader is not None
            self._pipeline = self._loader()
        return self._pipeline

    @property
    def classes(self) -> list[str]:
        if self.compiled is not None:
            return list(self.compiled.classes)
        return [str(c) for c in self.pipeline.classes_]

    def predict_proba(self, texts: Sequence[str]) -> Any:
        """Sector probabilities (rows: texts; columns: ``classes``)."""
        if self.compiled is not None:
            return self.compiled.predict_proba(texts)
        return self.pipeline.predict_proba(list(texts))


class ModelRegistry:
    """Versions of the sector model on disk, with one active version and a history for rollback.

    Layout: ``<root>/index.json`` and one folder per version holding ``model.joblib``,
    ``metadata.json`` and the training report. The index records each artifact's sha256; an
    artifact whose hash does not match, or that is not in the index, is never unpickled.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # -- index ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read_index(self) -> dict[str, Any]:
        path = self.root / INDEX
        if not path.exists():
            return {"active": None, "history": [], "versions": {}}
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise ModelRegistryError(
                f"Chỉ mục kho mô hình {path} bị hỏng ({e}); hãy khôi phục tệp hoặc xóa thư mục "
                f"{self.root} rồi huấn luyện lại (kiennghi train)"
            ) from e

    def _write_index(self, index: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".index-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(index, handle, ensure_ascii=False, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.root / INDEX)

    # -- queries -------------------------------------------------------------------------------
    def versions(self) -> list[dict[str, Any]]:
        """Registered versions, oldest first, each with its metadata summary and active flag."""
        index = self._read_index()
        rows = []
        for name in sorted(index["versions"]):
            meta = self.metadata(name)
            rows.append({**meta, "active": name == index["active"]})
        return rows

    def active_version(self) -> str | None:
        return self._read_index()["active"]

    def metadata(self, version: str) -> dict[str, Any]:
        index = self._read_index()
        if version not in index["versions"]:
            raise ModelNotFoundError(self._unknown(version, index))
        try:
            return json.loads((self.root / version / METADATA).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise ModelRegistryError(f"Siêu dữ liệu của mô hình {version} bị hỏng: {e}") from e

    def path(self, version: str) -> Path:
        return self.root / version

    def _unknown(self, version: str, index: dict[str, Any]) -> str:
        known = ", ".join(sorted(index["versions"])) or "(chưa có phiên bản nào)"
        return f"Không có mô hình phiên bản '{version}'; các phiên bản: {known}"

    # -- writes --------------------------------------------------------------------------------
    def register(
        self,
        pipeline: Any,
        metadata: dict[str, Any],
        files: dict[str, bytes] | None = None,
        activate: bool = False,
        probes: Sequence[str] = (),
    ) -> str:
        """Save a fitted pipeline as a new version (atomically) and return the version name.

        The compiled form (``serving.npz``) is saved beside it when the pipeline has the supported
        shape and the compiled probabilities equal the pipeline's on ``probes`` and built-in texts.
        """
        import joblib

        from kiennghi.models.compiled import export

        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=self.root, prefix=".staging-"))
        staging.chmod(0o755)
        try:
            artifact = staging / ARTIFACT
            joblib.dump(pipeline, artifact, compress=3)
            sha = _sha256(artifact)
            serving = export(pipeline, probes)
            serving_sha = None
            if serving is not None:
                (staging / SERVING).write_bytes(serving)
                serving_sha = _sha256(staging / SERVING)
            for name, content in (files or {}).items():
                (staging / name).write_bytes(content)
            with self._locked():
                index = self._read_index()
                number = 1 + max((int(v[1:]) for v in index["versions"]), default=0)
                version = f"v{number:04d}"
                meta = {
                    **metadata,
                    "version": version,
                    "sha256": sha,
                    "size_bytes": artifact.stat().st_size,
                    "serving": (
                        {"sha256": serving_sha, "size_bytes": len(serving)} if serving is not None else None
                    ),
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "libraries": library_versions(),
                    "namespace": NAMESPACE,
                }
                (staging / METADATA).write_text(
                    json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8"
                )
                os.replace(staging, self.root / version)
                index["versions"][version] = {"sha256": sha, "created_at": meta["created_at"]}
                if serving_sha is not None:
                    index["versions"][version]["serving_sha256"] = serving_sha
                if activate or index["active"] is None:
                    index["active"] = version
                    index["history"].append(version)
                self._write_index(index)
            return version
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)

    def activate(self, version: str) -> None:
        with self._locked():
            index = self._read_index()
            if version not in index["versions"]:
                raise ModelNotFoundError(self._unknown(version, index))
            index["active"] = version
            index["history"].append(version)
            self._write_index(index)

    def rollback(self) -> str:
        """Make the previously active version active again; return it."""
        with self._locked():
            index = self._read_index()
            history = [v for v in index["history"] if v in index["versions"]]
            if len(history) < 2:
                raise ModelRegistryError(
                    "Không có phiên bản nào trước đó để quay lại; dùng 'kiennghi models list' để xem"
                )
            history.pop()
            index["active"] = history[-1]
            index["history"] = history
            self._write_index(index)
            return history[-1]

    # -- loading -------------------------------------------------------------------------------
    def load(self, version: str | None = None) -> LoadedModel:
        """Verify a version (the active one by default) and open it for classifying.

        Refused, before anything is read, when a file's sha256 differs from the index or when
        the libraries differ from those it was built with. The compiled form, when the version
        has one, is read with ``allow_pickle=False``; the pipeline is unpickled on first use only.
        """
        index = self._read_index()
        name = version or index["active"]
        if name is None:
            raise ModelNotFoundError(
                "Chưa có mô hình nào được kích hoạt; hãy chạy 'kiennghi train' "
                "hoặc 'kiennghi models activate PHIÊN_BẢN'"
            )
        if name not in index["versions"]:
            raise ModelNotFoundError(self._unknown(name, index))
        meta = self.metadata(name)
        artifact = self.root / name / ARTIFACT
        if not artifact.exists():
            raise ModelRegistryError(f"Thiếu tệp mô hình {artifact}; hãy huấn luyện lại")
        entry = index["versions"][name]
        self._verify(name, artifact, entry["sha256"], meta.get("sha256"))
        current = library_versions()
        built = meta.get("libraries", {})
        diffs = [f"{k} {built.get(k)} ≠ {v}" for k, v in current.items() if built.get(k) != v]
        if diffs:
            raise ModelRegistryError(
                f"Mô hình {name} được xây dựng với thư viện khác môi trường hiện tại "
                f"({'; '.join(diffs)}); hãy huấn luyện lại bằng 'kiennghi train' trên máy này"
            )

        def unpickle() -> Any:
            import joblib

            if meta.get("namespace") != NAMESPACE:
                # Its pickle names the old top-level modules (nlp, training, …): unpickling it
                # would import whatever module of that name is on the path.
                raise ModelRegistryError(
                    f"Mô hình {name} được lưu với bố cục gói cũ (các mô-đun nlp, training… ở cấp "
                    "cao nhất) nên không được giải nén; hãy huấn luyện lại bằng 'kiennghi train' "
                    "(nếu phiên bản có tệp serving.npz thì vẫn phân loại được)"
                )
            self._verify(name, artifact, entry["sha256"], meta.get("sha256"))  # unchanged since
            return joblib.load(artifact)

        from kiennghi.models.compiled import CompiledModel, export

        serving_sha = entry.get("serving_sha256")
        if serving_sha is None:
            # Registered before the compiled form existed: compile it in memory when possible.
            pipeline = unpickle()
            data = export(pipeline)
            compiled = CompiledModel.load(data) if data is not None else None
            return LoadedModel(name, pipeline, meta, compiled=compiled)

        serving = self.root / name / SERVING
        if not serving.exists():
            raise ModelRegistryError(f"Thiếu tệp {serving}; hãy huấn luyện lại")
        self._verify(name, serving, serving_sha, (meta.get("serving") or {}).get("sha256"))
        try:
            compiled = CompiledModel.load(serving)
        except (OSError, ValueError, KeyError) as e:
            raise ModelRegistryError(f"Tệp {serving} không đọc được ({e}); hãy huấn luyện lại") from e
        return LoadedModel(name, None, meta, compiled=compiled, loader=unpickle)

    def _verify(self, name: str, path: Path, expected: str, recorded: str | None) -> None:
        actual = _sha256(path)
        if actual != expected or recorded != expected:
            raise ModelRegistryError(
                f"Tệp {path.name} của mô hình {name} đã bị thay đổi (sha256 {actual[:12]}… khác "
                f"{expected[:12]}…); không nạp tệp này. Hãy kích hoạt phiên bản khác hoặc huấn luyện lại"
            )


def open_registry(settings: Settings) -> ModelRegistry:
    """The registry in the data directory (``$KIENNGHI_HOME/models``)."""
    return ModelRegistry(settings.registry_dir)
