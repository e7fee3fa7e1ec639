"""schemathesis against the service's own OpenAPI: no request, valid or not, gets a 5xx.

Every operation is driven with generated requests (schema-conforming and deliberately broken)
through the real app and a real database, as the admin (who may call everything), with a
bounded number of examples so the default test run stays fast.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from kiennghi.service.modelops import service as modelops
from tests.service.conftest import Api

EXAMPLES = {GenerationMode.POSITIVE: 8, GenerationMode.NEGATIVE: 5}


def test_no_operation_answers_5xx(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(modelops, "run_retrain", lambda *a, **k: None)  # no real training here
    for text in ("Đường liên xã xuống cấp", "Đề nghị hỗ trợ kinh phí", "Bệnh viện quá tải"):
        api.submit(text)  # something to find, answer, review and export
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        for mode, count in EXAMPLES.items():

            @settings(
                max_examples=count,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case: schemathesis.Case) -> None:
                kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=api.headers("admin"))
                kwargs.pop("timeout", None)
                kwargs.pop("verify", None)
                if not kwargs.get("cookies"):
                    kwargs.pop("cookies", None)
                if isinstance(kwargs.get("data"), bytes | str):
                    kwargs["content"] = kwargs.pop("data")
                response = api.client.request(**kwargs)
                assert response.status_code < 500, (
                    f"{case.method} {case.formatted_path} → {response.status_code}: "
                    f"{response.text[:300]}\n{case.as_curl_command()}"
                )

            try:
                check()
            except Unsatisfiable:
                continue  # nothing to break (e.g. no parameters): no negative cases exist
            except Exception as e:  # the test client re-raises what the server raised (a 500)
                failures.append(f"{operation.method.upper()} {operation.path}: {e!r}"[:1500])
    assert not failures, "\n\n".join(failures)
