"""pydantic's ``Field`` as the built-in rules declare their schema fields with it: typed ``Any``.

The rules are compiled with mypyc where the install can (``setup.py``). Read without pydantic's mypy
plugin, ``Field(0.2, description=...)`` has the type of its default, and the compiled module would check
at import that the ``FieldInfo`` it returns is a float. Typed ``Any``, it is taken as it is.
"""

from typing import Any

from pydantic import Field as _PydanticField

Field: Any = _PydanticField
