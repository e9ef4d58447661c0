"""Stubs of a realistic module: a generic model, Decimal and tuple defaults, a handler parameter
named ``value``, a discriminated union, aliases and keyword defaults. The output imports, and
client code written against it is clean under mypy strict and pyright strict."""

from __future__ import annotations

import json
import sys
import typing
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from mypy import api as mypy_api
from tests.pyright_check import ROOT, pyright_errors

from durable_workflow.cli import main as cli_main
from durable_workflow.payloads import DEFAULT
from durable_workflow.stubs import StubError, generate

HERE = Path(__file__).resolve().parent

CLIENT = """
from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

from typing_extensions import assert_type

from durable_workflow import Client, WorkflowHandle
from shop.models import Address, Card, Customer, LineItem, OrderSummary, Page
from shop_workflows import Batch_Receipt, Receipt, ShopWorkflow, ShopWorkflowHandle


async def order(client: Client) -> None:
    customer = Customer(
        customer_id=uuid4(),
        address=Address(street_line="1 Main", postCode="1234"),
        payment=Card(token="tok"),
    )
    lines = [LineItem(sku="a", quantity=1, unit_price=Decimal("2.50"))]
    stub = client.workflow(ShopWorkflow, workflow_id="s-1", task_queue="shop")
    handle = await stub.start("s-1", customer, lines, express=True)
    assert_type(handle, WorkflowHandle[Receipt])
    typed = ShopWorkflowHandle(handle)
    assert_type(await typed.add_note(value="fragile"), int)
    assert_type(await typed.history(), Page[OrderSummary])
    assert_type(await typed.batch(), Batch_Receipt)
    await typed.approve("grace", approved=True)
    receipt = await typed.result()
    assert_type(receipt.charged, Decimal)
    assert_type(receipt.ship_to, Address)
    await stub.start("s-2", customer, lines, discount=0.5)  # type: ignore[arg-type]
    await typed.add_note(3)  # type: ignore[arg-type]
"""


@pytest.fixture
def shop_stubs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, ModuleType]:
    generate("shop.workflows", tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "shop_workflows", raising=False)
    import shop_workflows  # type: ignore[import-not-found]

    module: ModuleType = shop_workflows
    return tmp_path, module


def test_the_shop_stub_imports_and_keeps_the_wire_shape(shop_stubs: tuple[Path, ModuleType]) -> None:
    _, stubs = shop_stubs
    hints = typing.get_type_hints(stubs.ShopWorkflow.run)
    assert str(hints["discount"]) == "<class 'decimal.Decimal'>"
    defaults = stubs.ShopWorkflow.run.__defaults__
    assert defaults[-3:] == (Decimal("0.00"), False, DEFAULT)
    # the discriminator survives regeneration: a transfer payload rebuilds as a Transfer
    receipt = stubs.Receipt.model_validate(
        {
            "orderId": "o",
            "charged": "1.00",
            "payment": {"method": "transfer", "iban": "DE00"},
            "ship_to": {"streetLine": "x", "postCode": "1"},
        }
    )
    assert type(receipt.payment).__name__ == "Transfer"
    assert stubs.Receipt.model_fields["payment"].discriminator == "method"
    assert stubs.ShopWorkflowHandle.result_type is stubs.Receipt
    source = (shop_stubs[0] / "shop_workflows.py").read_text(encoding="utf-8")
    assert "# channels = DEFAULT: the worker applies its own default, ('web',)" in source
    # the importable generic model is imported and parametrized, the worker-side one made concrete
    assert "from shop.models import Address, Card, Customer, LineItem, OrderSummary, Page, Transfer" in source
    assert "-> Page[OrderSummary]:" in source and "class Batch_Receipt(BaseModel):" in source


def test_the_shop_stub_and_its_client_pass_mypy_and_pyright_strict(
    shop_stubs: tuple[Path, ModuleType],
) -> None:
    out, _ = shop_stubs
    client = out / "shop_client.py"
    client.write_text(CLIENT, encoding="utf-8")
    config = out / "mypy.ini"
    search = ":".join(str(p) for p in (out, HERE, ROOT / "src"))
    config.write_text(
        f"[mypy]\nstrict = True\nwarn_unused_ignores = True\npython_version = 3.10\n"
        f"mypy_path = {search}\ncache_dir = {out / '.mypy_cache'}\n",
        encoding="utf-8",
    )
    stdout, stderr, status = mypy_api.run(
        ["--config-file", str(config), str(out / "shop_workflows.py"), str(client)]
    )
    assert status == 0 and not stderr, stdout + stderr

    project = out / "pyrightconfig.json"
    settings = {
        "typeCheckingMode": "strict",
        "pythonVersion": "3.10",
        "reportUnnecessaryTypeIgnoreComment": "error",
        "extraPaths": [str(out), str(HERE), str(ROOT / "src")],
    }
    project.write_text(json.dumps(settings), encoding="utf-8")
    errors, analysed = pyright_errors(out / "shop_workflows.py", client, project=project)
    assert not errors, "\n".join(errors)
    assert analysed == 2


def test_a_starting_stub_leaves_worker_defaults_to_the_worker(shop_stubs: tuple[Path, ModuleType]) -> None:
    from durable_workflow.client._stub import positional_arguments

    _, stubs = shop_stubs
    run = stubs.ShopWorkflow.run
    # a default is written only where a later argument needs the slot
    gap = positional_arguments(run, ("s", "c", []), {"express": True})
    assert gap == ["s", "c", [], Decimal("0.00"), True]
    assert positional_arguments(run, ("s", "c", []), {}) == ["s", "c", []]
    assert positional_arguments(run, ("s", "c", []), {"channels": ("x",)})[-1] == ("x",)
    trailing = positional_arguments(run, ("s", "c", [], Decimal(1), False, DEFAULT), {})
    assert trailing == [*gap[:3], Decimal(1), False]
    with pytest.raises(TypeError, match="'discount' has a default only the worker knows"):
        positional_arguments(run, ("s", "c", [], DEFAULT, True), {})


def _module(monkeypatch: pytest.MonkeyPatch, name: str, source: str) -> None:
    module = ModuleType(name)
    monkeypatch.setitem(sys.modules, name, module)
    exec(compile(source, f"{name}.py", "exec"), module.__dict__)


def test_errors_name_the_workflow_the_handler_and_the_parameter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _module(
        monkeypatch,
        "opaque_handler_workflows",
        "from collections.abc import Generator\n"
        "from typing import Any\n"
        "from durable_workflow import workflow\n"
        "class Opaque:\n    pass\n"
        "@workflow.defn(name='opaque')\n"
        "class OpaqueWorkflow:\n"
        "    @workflow.query('peek')\n"
        "    def peek(self, value: Opaque) -> int:\n        return 1\n"
        "    def run(self, ctx: Any) -> Generator[Any, Any, None]:\n"
        "        yield ctx.sleep(1)\n",
    )
    with pytest.raises(StubError, match=r"workflow 'opaque' query 'peek' parameter 'value': .*Opaque"):
        generate("opaque_handler_workflows", tmp_path)


def test_stubs_help_works(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["stubs", "--help"]) == 0  # main returns the exit status
    assert "generate" in capsys.readouterr().out
    assert cli_main(["stubs", "generate", "--help"]) == 0
    assert "--check" in capsys.readouterr().out


def test_shop_defaults_are_in_the_contract(tmp_path: Path) -> None:
    generate("shop.workflows", tmp_path)
    document: dict[str, Any] = json.loads((tmp_path / "shop_workflows.schema.json").read_text("utf-8"))
    items = document["workflows"]["shop-order"]["input"]["prefixItems"]
    assert [item.get("default") for item in items] == [None, None, None, "0.00", False, ["web"]]
    assert document["activities"]["shop.charge"]["input"]["prefixItems"][2]["default"] == "EUR"
