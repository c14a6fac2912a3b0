"""svec from Python: the SVEC simulator as a PettingZoo-style parallel environment.

    import svec
    with svec.parallel_env(overrides=["vehicles=5"]) as env:
        observations, infos = env.reset(seed=42)
        ...

The simulator runs in svec (TypeScript, Node.js) as a subprocess, `svec serve env`; see
docs/python.md for the protocol and the example. Standard library and numpy only.
"""

from .env import ParallelEnv, SvecError, find_svec_command, parallel_env
from .spaces import Box, Dict, Discrete, Space

__all__ = ["ParallelEnv", "SvecError", "find_svec_command", "parallel_env", "Box", "Dict", "Discrete", "Space"]
__version__ = "0.1.0"
