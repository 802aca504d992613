"""YAML the council edits (rubrics, quy chế), read strictly with errors in Vietnamese."""

from __future__ import annotations

from typing import Any

import yaml


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML loader that refuses a key repeated in one mapping."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    # PyYAML silently keeps the last of two equal keys, hiding e.g. a second `criteria:` block.
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"khóa '{key}' bị lặp", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_strict(text: str, empty: str) -> tuple[Any, list[str]]:
    """The YAML's data, or None and why it cannot be read (`empty` when it holds nothing)."""
    try:
        data = yaml.load(text.lstrip("\ufeff"), Loader=_StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" ở dòng {mark.line + 1}" if mark is not None else ""
        return None, [f"Lỗi cú pháp YAML{where}: {exc.problem or exc.context}"]
    except yaml.YAMLError as exc:
        return None, [f"Lỗi cú pháp YAML: {exc}"]
    if data is None:
        return None, [empty]
    return data, []
