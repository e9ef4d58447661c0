"""Render type annotations as source, importing or regenerating the payload types they name."""

from __future__ import annotations

import dataclasses
import decimal
import enum
import inspect
import json
import re
import sys
import types
import typing
from collections.abc import Callable
from typing import Any

import pydantic
import typing_extensions
from typing_extensions import is_typeddict

from durable_workflow.stubs._inspect import StubError

__all__ = ["TypeRenderer", "literal", "quote"]

# Names a stub module always imports under these exact names, so payload types never take them.
HELPERS: dict[str, str] = {
    "Annotated": "typing",
    "Any": "typing",
    "Literal": "typing",
    "Generator": "collections.abc",
    "NotRequired": "typing_extensions",
    "BaseModel": "pydantic",
    "Field": "pydantic",
    "ConfigDict": "pydantic",
    "dataclass": "dataclasses",
    "field": "dataclasses",
    "Enum": "enum",
    "TypedDict": "typing_extensions",
    "DEFAULT": "durable_workflow.stubs",
    "WorkflowContext": "durable_workflow.workflow",
    "WorkflowStubHandle": "durable_workflow.stubs",
    "workflow_stub": "durable_workflow.stubs",
}
_BUILTIN_GENERICS = {list, dict, set, frozenset, tuple, type}
# pydantic model settings that change the wire shape or the schema, copied when a model sets them.
_MODEL_CONFIG = ("extra", "frozen", "populate_by_name", "validate_by_name", "validate_by_alias")
# Factories a regenerated default may use: they come back as the same call in source.
_FACTORIES: dict[Any, str] = {list: "list", dict: "dict", set: "set", tuple: "tuple", frozenset: "frozenset"}
# Packages a stub imports helpers from: grouped apart from the application's payload modules.
_PACKAGES = {"durable_workflow", "pydantic", "typing_extensions"}
_REQUIRED_MARKERS: dict[Any, bool] = {
    typing_extensions.NotRequired: False,
    typing_extensions.Required: True,
    getattr(typing, "NotRequired", typing_extensions.NotRequired): False,  # Python >= 3.11
    getattr(typing, "Required", typing_extensions.Required): True,
}
# pydantic field constraints that survive as `Field(...)` keyword arguments.
_CONSTRAINTS = ("gt", "ge", "lt", "le", "multiple_of", "min_length", "max_length", "pattern")


def literal(value: Any) -> str:
    """A default value as source; only plain scalars (and the empty tuple) have one."""
    if isinstance(value, str):
        return quote(value)
    if value is None or isinstance(value, (bool, int, float)) or value == ():
        return repr(value)
    raise StubError(f"default value {value!r} cannot be written into a stub; use a plain scalar or None")


class TypeRenderer:
    """Turns annotations into source text for one stub module and collects what they need.

    Types from ``implementation_modules`` (the worker code) and types that cannot be imported
    by name are regenerated in the stub with the same name and wire shape; all others are imported.
    """

    def __init__(self, implementation_modules: frozenset[str]) -> None:
        self._forbidden = implementation_modules | {"__main__"}
        self._imports: dict[tuple[str, str], str] = {}  # (module, attribute) -> local name
        self._taken: set[str] = set(HELPERS)
        self._regenerated: dict[Any, str] = {}
        self.definitions: list[str] = []
        #: explanations of `DEFAULT` defaults, written as comments above the next ``def``
        self.notes: list[str] = []

    def reserve(self, name: str) -> str:
        """Claim ``name`` for a class the stub module defines itself."""
        if name in self._taken:
            raise StubError(f"name {name!r} is used twice in the stub module")
        self._taken.add(name)
        return name

    def helper(self, name: str) -> str:
        self._imports[(HELPERS[name], name)] = name
        return name

    def import_lines(self) -> list[list[str]]:
        """``from m import a, b as c`` lines: standard library, then packages, then payload modules."""
        by_module: dict[str, list[str]] = {}
        for (module, attr), local in self._imports.items():
            by_module.setdefault(module, []).append(attr if local == attr else f"{attr} as {local}")
        groups: list[list[str]] = [[], [], []]
        for module in sorted(by_module):
            top = module.partition(".")[0]
            group = 0 if top in sys.stdlib_module_names else 1 if top in _PACKAGES else 2
            names = ", ".join(sorted(by_module[module], key=lambda n: (not n[0].isupper(), n)))
            groups[group].append(f"from {module} import {names}")
        return [g for g in groups if g]

    # -- annotations ---------------------------------------------------------------------------

    def render(self, tp: Any, *, where: str = "") -> str:
        """Source text of the annotation ``tp``; errors start with ``where`` (what it annotates)."""
        if not where:
            return self._render(tp)
        try:
            return self._render(tp)
        except StubError as exc:
            raise StubError(f"{where}: {exc}") from exc

    def default(self, value: Any, *, where: str) -> str:
        """A parameter default as source: a scalar, an enum member, a ``Decimal(...)``, or
        `DEFAULT` (the worker applies its own default) with a note for the comment above."""
        if isinstance(value, decimal.Decimal):
            return f"{self._use('decimal', 'Decimal')}({quote(str(value))})"
        try:
            return self.value(value)
        except StubError:
            name = where.rpartition(" ")[2].strip("'")
            self.notes.append(
                f"{name} = DEFAULT: the worker applies its own default, {value!r} (no source form)"
            )
            return self.helper("DEFAULT")

    def _render(self, tp: Any) -> str:
        if tp is Any or tp is typing_extensions.Any:
            return self.helper("Any")
        if tp is None or tp is type(None):
            return "None"
        if isinstance(tp, typing.TypeVar):
            raise StubError(f"type variable {tp} cannot be written into a stub; use a concrete type")
        supertype = getattr(tp, "__supertype__", None)
        if supertype is not None:  # typing.NewType: the wire only knows the underlying type
            return self.render(supertype)
        origin = typing.get_origin(tp)
        if origin is not None:
            return self._generic(tp, origin, typing.get_args(tp))
        if isinstance(tp, type):
            return self._class(tp)
        raise StubError(f"cannot write annotation {tp!r} into a stub")

    def _generic(self, tp: Any, origin: Any, args: tuple[Any, ...]) -> str:
        if origin is typing.Annotated:
            # Other metadata is validation detail the contract keeps; a discriminator decides
            # which type a payload is rebuilt into, so it stays.
            inner = self.render(args[0])
            tag = _discriminator(args[1:])
            if tag is None:
                return inner
            return f"{self.helper('Annotated')}[{inner}, {self.helper('Field')}(discriminator={quote(tag)})]"
        if origin is typing.Literal:
            return f"{self.helper('Literal')}[{', '.join(self.value(a) for a in args)}]"
        if origin is typing.Union or origin is types.UnionType:
            parts = [self.render(a) for a in args if a is not type(None)]
            return " | ".join(parts + (["None"] if type(None) in args else []))
        if origin in _BUILTIN_GENERICS:
            base = origin.__name__
        elif getattr(origin, "__module__", None) == "collections.abc":
            base = self._use("collections.abc", origin.__name__)
        else:
            raise StubError(f"cannot write generic annotation {tp!r} into a stub")
        if origin is tuple and args == ((),):
            return "tuple[()]"
        rendered = ["..." if a is Ellipsis else self.render(a) for a in args]
        return f"{base}[{', '.join(rendered)}]" if rendered else base

    def value(self, value: Any) -> str:
        """A default or ``Literal`` value as source: a plain scalar, or an enum member."""
        if isinstance(value, enum.Enum):
            return f"{self.render(type(value))}.{value.name}"
        return literal(value)

    def _class(self, cls: type) -> str:
        if cls.__module__ == "builtins":
            return cls.__name__
        generic = getattr(cls, "__pydantic_generic_metadata__", None) or {}
        if generic.get("origin") is not None and generic.get("args"):
            origin = generic["origin"]
            if not self._needs_regeneration(origin):  # Page[Item]: import Page, render the arguments
                return f"{self._class(origin)}[{', '.join(self.render(a) for a in generic['args'])}]"
        if self._needs_regeneration(cls):
            return self._regenerate(cls)
        top, _, rest = cls.__qualname__.partition(".")
        local = self._use(cls.__module__, top)
        return f"{local}.{rest}" if rest else local

    def _needs_regeneration(self, cls: type) -> bool:
        if cls.__module__ in self._forbidden or "<locals>" in cls.__qualname__:
            return True
        found: Any = sys.modules.get(cls.__module__)
        for part in cls.__qualname__.split("."):
            found = getattr(found, part, None)
        return found is not cls

    def _use(self, module: str, attr: str) -> str:
        if HELPERS.get(attr) == module:
            return self.helper(attr)
        key = (module, attr)
        if key not in self._imports:
            self._imports[key] = self._free_name(attr)
        return self._imports[key]

    def _free_name(self, name: str) -> str:
        candidate, counter = name, 1
        while candidate in self._taken:
            counter += 1
            candidate = f"{name}_{counter}"
        self._taken.add(candidate)
        return candidate

    # -- regenerated payload types -------------------------------------------------------------

    def _regenerate(self, cls: type) -> str:
        if cls in self._regenerated:
            return self._regenerated[cls]
        # A parametrized generic model (``Page[Item]``) becomes a concrete class ``Page_Item``.
        identifier = "".join(c if c.isalnum() or c == "_" else "_" for c in cls.__name__).strip("_")
        name = self._regenerated[cls] = self._free_name(re.sub("_+", "_", identifier))
        writer = self._writer_for(cls)
        # Rendering the body first puts the types it uses above it in the module.
        self.definitions.append(writer(cls, name))
        return name

    def _writer_for(self, cls: type) -> Callable[[Any, str], str]:
        if isinstance(cls, type) and issubclass(cls, enum.Enum):
            return self._enum
        if isinstance(cls, type) and issubclass(cls, pydantic.BaseModel):
            return self._model
        if dataclasses.is_dataclass(cls):
            return self._dataclass
        if is_typeddict(cls):
            return self._typeddict
        raise StubError(
            f"type {cls.__module__}.{cls.__qualname__} lives in worker code and is not a pydantic model, "
            "dataclass, TypedDict or Enum; move it to a module the client may import"
        )

    def _enum(self, cls: type[enum.Enum], name: str) -> str:
        mixin = next((f"{base.__name__}, " for base in (str, int) if issubclass(cls, base)), "")
        members = [f"    {m.name} = {literal(m.value)}" for m in cls]
        return _class_block(f"class {name}({mixin}{self.helper('Enum')}):", cls, members)

    def _model(self, cls: type[pydantic.BaseModel], name: str) -> str:
        settings: dict[str, Any] = dict(cls.model_config)
        config = [f"{key}={self.value(settings[key])}" for key in _MODEL_CONFIG if key in settings]
        lines = [f"    model_config = {self.helper('ConfigDict')}({', '.join(config)})", ""] if config else []
        for field_name, info in cls.model_fields.items():
            annotation = self.render(_with_metadata_stripped(info.annotation))
            lines.append(f"    {field_name}: {annotation}{self._model_default(info)}")
        return _class_block(f"class {name}({self.helper('BaseModel')}):", cls, lines)

    def _model_default(self, info: Any) -> str:
        """`` = default`` or `` = Field(...)`` carrying the default, alias and constraints."""
        options: list[str] = []
        if info.alias is not None:
            options.append(f"alias={quote(info.alias)}")
        tag = _discriminator([info])
        if tag is not None:
            options.append(f"discriminator={quote(tag)}")
        for meta in info.metadata:
            options.extend(
                f"{key}={self.value(getattr(meta, key))}" for key in _CONSTRAINTS if hasattr(meta, key)
            )
        if info.default_factory is not None:
            options.insert(0, f"default_factory={_factory(info.default_factory)}")
        elif not info.is_required():
            if not options:
                return f" = {self.value(info.default)}"
            options.insert(0, f"default={self.value(info.default)}")
        return f" = {self.helper('Field')}({', '.join(options)})" if options else ""

    def _dataclass(self, cls: Any, name: str) -> str:
        hints = typing.get_type_hints(cls)
        lines = []
        for item in dataclasses.fields(cls):
            default = ""
            if item.default_factory is not dataclasses.MISSING:
                default = f" = {self.helper('field')}(default_factory={_factory(item.default_factory)})"
            elif item.default is not dataclasses.MISSING:
                default = f" = {self.value(item.default)}"
            lines.append(f"    {item.name}: {self.render(hints[item.name])}{default}")
        frozen = "(frozen=True)" if cls.__dataclass_params__.frozen else ""
        return _class_block(f"@{self.helper('dataclass')}{frozen}\nclass {name}:", cls, lines)

    def _typeddict(self, cls: Any, name: str) -> str:
        lines = []
        for key, tp in typing.get_type_hints(cls, include_extras=True).items():
            required = key in cls.__required_keys__
            # Under `from __future__ import annotations` the class cannot see these wrappers itself.
            while typing.get_origin(tp) in _REQUIRED_MARKERS:
                required = _REQUIRED_MARKERS[typing.get_origin(tp)]
                tp = typing.get_args(tp)[0]
            rendered = self.render(tp)
            if not required:
                rendered = f"{self.helper('NotRequired')}[{rendered}]"
            lines.append(f"    {key}: {rendered}")
        return _class_block(f"class {name}({self.helper('TypedDict')}):", cls, lines)


def quote(text: str) -> str:
    """A string literal in double quotes, as a formatter would write it."""
    return json.dumps(text, ensure_ascii=False)


def _class_block(header: str, cls: type, body: list[str]) -> str:
    """A class statement; the original docstring is kept, since pydantic puts it in the schema."""
    origin = f"# Regenerated from {cls.__module__}.{cls.__qualname__}: same name, same wire shape."
    lines = [origin, header] if not header.startswith("@") else [origin, *header.split("\n")]
    doc = cls.__doc__ if _own_docstring(cls) else None
    if doc:
        lines.append(docstring(inspect.cleandoc(doc), "    "))
        if body:
            lines.append("")
    return "\n".join([*lines, *(body or ["    pass"])])


def _own_docstring(cls: type) -> bool:
    """Whether ``cls`` has a docstring of its own, not one Python or a base class supplied."""
    doc = cls.__dict__.get("__doc__")
    if not doc:
        return False
    if dataclasses.is_dataclass(cls) and doc.startswith(f"{cls.__name__}("):
        return False  # the signature text @dataclass writes
    return not (issubclass(cls, enum.Enum) and doc == "An enumeration.")


def docstring(text: str, indent: str) -> str:
    """``text`` as a triple-quoted docstring at ``indent``."""
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    lines = text.splitlines()
    if len(lines) == 1 and not text.endswith('"'):
        return f'{indent}"""{text}"""'
    body = "\n".join(f"{indent}{line}".rstrip() for line in lines[1:])
    return f'{indent}"""{lines[0]}\n{body}\n{indent}"""' if body else f'{indent}"""{lines[0]}\n{indent}"""'


def _factory(factory: Any) -> str:
    if factory in _FACTORIES:
        return _FACTORIES[factory]
    raise StubError(f"default factory {factory!r} cannot be written into a stub; use list, dict or set")


def _discriminator(metadata: Any) -> str | None:
    """The discriminator field name among pydantic ``Field``/``Discriminator`` metadata, if any."""
    for meta in metadata:
        tag = getattr(meta, "discriminator", None)
        if isinstance(meta, pydantic.Discriminator):
            tag = meta.discriminator
        if isinstance(tag, pydantic.Discriminator):
            tag = tag.discriminator
        if tag is None:
            continue
        if not isinstance(tag, str):
            raise StubError(f"a callable discriminator ({tag!r}) cannot be written into a stub")
        return tag
    return None


def _with_metadata_stripped(annotation: Any) -> Any:
    return typing.get_args(annotation)[0] if typing.get_origin(annotation) is typing.Annotated else annotation
