"""Simple descriptions of observation and action spaces (Box, Discrete, Dict).

They follow the names and the `sample()` / `contains()` / `seed()` methods of Gymnasium's
spaces, with numpy only, so that code written against PettingZoo's parallel API reads the same.
They describe what svec declares (`svec serve env`'s `spaces` answer); svec itself validates
every action it receives.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import numpy as np


class Space:
    """Base class: a seedable random generator for `sample()`."""

    def __init__(self) -> None:
        self.np_random = np.random.default_rng()

    def seed(self, seed: Optional[int] = None) -> None:
        """Seeds `sample()`; the same seed gives the same samples."""
        self.np_random = np.random.default_rng(seed)

    def sample(self) -> Any:
        raise NotImplementedError

    def contains(self, x: Any) -> bool:
        raise NotImplementedError

    def __contains__(self, x: Any) -> bool:
        return self.contains(x)


class Box(Space):
    """Real vectors of `shape` within [low, high] (per component)."""

    def __init__(self, low: Sequence[float], high: Sequence[float], shape: Sequence[int], dtype: Any = np.float32,
                 names: Optional[Sequence[str]] = None) -> None:
        super().__init__()
        self.shape = tuple(int(n) for n in shape)
        self.dtype = np.dtype(dtype)
        self.low = np.broadcast_to(np.asarray(low, dtype=np.float64), self.shape).astype(self.dtype)
        self.high = np.broadcast_to(np.asarray(high, dtype=np.float64), self.shape).astype(self.dtype)
        self.names = list(names) if names is not None else None

    def sample(self) -> np.ndarray:
        """Uniform within the bounds (every bound svec declares is finite)."""
        return self.np_random.uniform(self.low, self.high).astype(self.dtype)

    def contains(self, x: Any) -> bool:
        a = np.asarray(x)
        return a.shape == self.shape and bool(np.all(a >= self.low) and np.all(a <= self.high))

    def __repr__(self) -> str:
        return f"Box(low={self.low.min()}, high={self.high.max()}, shape={self.shape}, dtype={self.dtype})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Box) and self.shape == other.shape and self.dtype == other.dtype
                and np.array_equal(self.low, other.low) and np.array_equal(self.high, other.high))


class Discrete(Space):
    """The integers 0 .. n-1."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = int(n)

    def sample(self) -> int:
        return int(self.np_random.integers(self.n))

    def contains(self, x: Any) -> bool:
        return isinstance(x, (int, np.integer)) and not isinstance(x, bool) and 0 <= int(x) < self.n

    def __repr__(self) -> str:
        return f"Discrete({self.n})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Discrete) and self.n == other.n


class Dict(Space):
    """A dictionary of named subspaces (svec's hybrid action: {"offload": Discrete, "continuous": Box})."""

    def __init__(self, spaces: Mapping[str, Space]) -> None:
        super().__init__()
        self.spaces = dict(spaces)

    def seed(self, seed: Optional[int] = None) -> None:
        super().seed(seed)
        # one independent stream per subspace, all derived from `seed`
        for k, child in enumerate(np.random.SeedSequence(seed).spawn(len(self.spaces))):
            list(self.spaces.values())[k].seed(int(child.generate_state(1)[0]))

    def sample(self) -> dict:
        return {name: space.sample() for name, space in self.spaces.items()}

    def contains(self, x: Any) -> bool:
        return (isinstance(x, Mapping) and set(x) == set(self.spaces)
                and all(space.contains(x[name]) for name, space in self.spaces.items()))

    def __getitem__(self, name: str) -> Space:
        return self.spaces[name]

    def __repr__(self) -> str:
        return "Dict(" + ", ".join(f"{name}: {space!r}" for name, space in self.spaces.items()) + ")"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dict) and self.spaces == other.spaces


def from_description(description: Mapping[str, Any]) -> Space:
    """The space of one description of svec's protocol ({"type": "box" | "discrete" | "dict", ...})."""
    kind = description.get("type")
    if kind == "box":
        return Box(description["low"], description["high"], description["shape"], description.get("dtype", "float32"),
                   description.get("names"))
    if kind == "discrete":
        return Discrete(description["n"])
    if kind == "dict":
        return Dict({name: from_description(sub) for name, sub in description["spaces"].items()})
    raise ValueError(f"unknown space type {kind!r} in {description!r}")
