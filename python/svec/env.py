"""The SVEC simulator as a PettingZoo-style parallel environment.

svec runs as a subprocess (`svec serve env`) and speaks the line-delimited JSON protocol of
docs/python.md over its standard input and output: one request line, one response line. This
module only moves those lines and turns them into numpy arrays and Python exceptions; every
number comes from svec's TypeScript simulator, and svec validates every action.
"""

from __future__ import annotations

import collections
import json
import os
import shlex
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any, Dict as DictType, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .spaces import Space, from_description

AgentID = str


class SvecError(Exception):
    """An error svec reported, with svec's message.

    type:  'InvalidRequest' (a malformed request or action; `field` names it, e.g.
           'params.actions.vehicle_1.continuous'), 'StateError' (e.g. a step after the episode
           ended), 'SvecError' (a problem svec reports, e.g. a bad scenario value),
           'InternalError' (a bug in svec), 'Exited' (the svec process ended; its message is
           what svec printed on standard error), 'NotFound' (no svec command)
    field: the JSON path of the problem in the request, when svec named one
    """

    def __init__(self, message: str, type: str = "SvecError", field: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.type = type
        self.field = field


def find_svec_command() -> List[str]:
    """The command that runs svec: $SVEC_COMMAND, else the svec beside this package, else `svec` on PATH.

    "Beside this package": in a checkout of svec (python/svec/) or an installed npm package
    (node_modules/svec/python/svec/), the `bin/svec.mjs` two folders up, run by `node`.
    """
    from_env = os.environ.get("SVEC_COMMAND")
    if from_env:
        return shlex.split(from_env)
    beside = Path(__file__).resolve().parents[2] / "bin" / "svec.mjs"
    node = shutil.which("node")
    if beside.is_file() and node:
        return [node, str(beside)]
    on_path = shutil.which("svec")
    if on_path:
        return [on_path]
    raise SvecError("cannot find svec: install it (npm install svec) so that `svec` is on PATH, "
                    "set SVEC_COMMAND (e.g. 'npx svec'), or pass command=[...]", type="NotFound")


def _to_json(value: Any) -> Any:
    """numpy scalars and arrays as plain Python numbers and lists (json's `default` hook)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    raise TypeError(f"cannot send {type(value).__name__} to svec (use numbers, lists, dicts or numpy arrays)")


def _overrides(overrides: Union[Sequence[str], Mapping[str, Any], None]) -> List[str]:
    """`key=value` strings for svec's --set ({"vehicles": 5} becomes 'vehicles=5')."""
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        return [f"{key}={value if isinstance(value, str) else json.dumps(value, default=_to_json)}" for key, value in overrides.items()]
    if isinstance(overrides, str):
        return [overrides]
    return list(overrides)


class ParallelEnv:
    """The SVEC simulator in PettingZoo's parallel API, one agent per vehicle ('vehicle_0', ...).

        env = ParallelEnv(overrides=["vehicles=5"])
        observations, infos = env.reset(seed=42)
        while env.agents:
            actions = {agent: {"offload": 1, "continuous": [0.0, 1.0, 0.0]} for agent in env.agents}
            observations, rewards, terminations, truncations, infos = env.step(actions)
        env.close()

    An action per agent is {"offload": 0 or 1, "continuous": 3 numbers in [-1, 1]} (lambda, power,
    bandwidth weight; mapped onto their physical ranges, eq. 31 of the paper; values outside are
    clipped). Observations are float32 arrays; infos are svec's per-agent dictionaries (keys as
    svec names them: latencyMs, energyJ, fidelity, ...).

    scenario:  a scenario YAML/JSON file (svec's --scenario)
    overrides: 'key=value' strings or a mapping (svec's --set), e.g. ["vehicles=5", "mode=non-semantic"]
    command:   how to start svec (default: find_svec_command())
    cwd:       svec's working directory (relative scenario paths resolve against it)
    """

    metadata = {"name": "svec_v0", "render_modes": [], "is_parallelizable": True}

    def __init__(self, scenario: Optional[str] = None, overrides: Union[Sequence[str], Mapping[str, Any], None] = None,
                 command: Optional[Sequence[str]] = None, cwd: Optional[str] = None) -> None:
        args = list(command) if command is not None else find_svec_command()
        args += ["serve", "env"]
        if scenario is not None:
            args += ["--scenario", str(scenario)]
        for override in _overrides(overrides):
            args += ["--set", override]
        self._next_id = 0
        self._closed = False
        self._stderr: collections.deque = collections.deque(maxlen=200)
        try:
            self._process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                             cwd=cwd, text=True, encoding="utf-8", bufsize=1)
        except OSError as err:
            raise SvecError(f"cannot start svec ({shlex.join(args)}): {err}", type="NotFound") from err
        # Drain standard error (diagnostics) so svec never blocks on a full pipe; kept for errors.
        self._stderr_thread = threading.Thread(target=self._drain_stderr, daemon=True)
        self._stderr_thread.start()
        spaces = self._request("spaces")
        self.possible_agents: List[AgentID] = list(spaces["possibleAgents"])
        self.agents: List[AgentID] = list(spaces["agents"])
        self.max_episode_steps: int = spaces["maxEpisodeSteps"]
        #: the resolved scenario svec runs (every field, defaults included)
        self.scenario: DictType[str, Any] = spaces["scenario"]
        self._observation_spaces = {agent: from_description(spaces["observationSpace"]) for agent in self.possible_agents}
        self._action_spaces = {agent: from_description(spaces["actionSpace"]) for agent in self.possible_agents}

    # PettingZoo's parallel API

    def reset(self, seed: Optional[int] = None, options: Optional[dict] = None
              ) -> Tuple[DictType[AgentID, np.ndarray], DictType[AgentID, dict]]:
        """Starts an episode; its random draws depend only on `seed`.

        seed=None repeats the previous seed (0 the first time): svec episodes are reproducible by
        design, so pass a new seed for each different episode. `options` is accepted for
        PettingZoo compatibility and must be empty.
        """
        if options:
            raise ValueError(f"reset: svec takes no options, got {options!r}")
        result = self._request("reset", {} if seed is None else {"seed": seed})
        self.agents = list(result["agents"])
        return self._observations(result["observations"]), result["infos"]

    def step(self, actions: Mapping[AgentID, Mapping[str, Any]]):
        """Applies one action per agent; returns observations, rewards, terminations, truncations, infos."""
        result = self._request("step", {"actions": actions})
        self.agents = list(result["agents"])
        return (self._observations(result["observations"]), result["rewards"], result["terminations"],
                result["truncations"], result["infos"])

    def observation_space(self, agent: AgentID) -> Space:
        """Box of the agent's observation features, each in [0, 1] (names in `.names`)."""
        return self._observation_spaces[agent]

    def action_space(self, agent: AgentID) -> Space:
        """Dict(offload: Discrete(2), continuous: Box(-1, 1, (3,)))."""
        return self._action_spaces[agent]

    @property
    def num_agents(self) -> int:
        return len(self.agents)

    @property
    def max_num_agents(self) -> int:
        return len(self.possible_agents)

    def close(self) -> None:
        """Ends the svec process (it is not used afterwards); calling it again does nothing."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._process.poll() is None:
                self._send({"id": self._take_id(), "method": "close"})
                self._process.stdout.readline()
        except (OSError, ValueError):
            pass
        self._release()

    def _release(self) -> None:
        """Closes the pipes and waits for the process (killing it if it does not end)."""
        process = self._process
        for stream in (process.stdin, process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self._stderr_thread.join(timeout=2)
        process.stderr.close()

    def __enter__(self) -> "ParallelEnv":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        # an environment dropped without close(): end its process quietly
        if hasattr(self, "_process"):
            try:
                self.close()
            except Exception:
                pass

    # the protocol

    @property
    def stderr_lines(self) -> List[str]:
        """The last lines svec wrote on standard error (diagnostics)."""
        return list(self._stderr)

    def _drain_stderr(self) -> None:
        for line in self._process.stderr:
            self._stderr.append(line.rstrip("\n"))

    def _take_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _send(self, request: dict) -> None:
        try:
            line = json.dumps(request, default=_to_json, allow_nan=False)
        except ValueError as err:  # NaN or infinity: JSON has no such numbers
            raise ValueError(f"{request['method']}: cannot send NaN or infinity to svec ({err})") from None
        self._process.stdin.write(line + "\n")
        self._process.stdin.flush()

    def _request(self, method: str, params: Optional[dict] = None) -> Any:
        if self._closed:
            raise SvecError(f"{method}: the environment is closed", type="StateError")
        request_id = self._take_id()
        request = {"id": request_id, "method": method}
        if params is not None:
            request["params"] = params
        try:
            self._send(request)
            line = self._process.stdout.readline()
        except (BrokenPipeError, OSError):
            line = ""
        if not line:
            raise self._exited()
        response = json.loads(line)
        if response.get("id") != request_id:
            raise SvecError(f"{method}: svec answered request {response.get('id')!r} instead of {request_id}", type="InternalError")
        if "error" in response:
            error = response["error"]
            raise SvecError(error["message"], type=error.get("type", "SvecError"), field=error.get("field"))
        return response["result"]

    def _exited(self) -> SvecError:
        """The error for a svec process that ended: svec's own message from standard error."""
        self._closed = True
        self._release()
        said = "; ".join(line for line in self._stderr if line.strip()) or "(nothing on standard error)"
        return SvecError(f"svec exited with status {self._process.returncode}: {said}", type="Exited")

    def _observations(self, observations: Mapping[AgentID, List[float]]) -> DictType[AgentID, np.ndarray]:
        return {agent: np.asarray(values, dtype=np.float32) for agent, values in observations.items()}


def parallel_env(**kwargs: Any) -> ParallelEnv:
    """PettingZoo's constructor name: the same as ParallelEnv(**kwargs)."""
    return ParallelEnv(**kwargs)
