"""The limits a project file is read within, and why each is what it is.

A project file may come from anywhere, so no file decides how much memory or time opening
it costs (:mod:`nnstudio.core.project_reader` checks each limit before anything is
allocated or inflated).

Limits, and why
---------------
:data:`MAX_UNCOMPRESSED` (160 MiB)
    The memory the arrays of a project may take once read (a stored data set counts
    twice: checking it copies it). Refusing a file may cost up to this, plus the
    interpreter with NumPy (~40 MB) and the parsed project.json (< 30 MB): refusing any
    file stays below 256 MB.
:data:`MAX_PARAMETERS` (3,000,000)
    A project holds up to five vectors of this length (weights, initial and best weights,
    two optimizer moments): 120 MB in float64, which leaves 40 MB of the budget for data,
    history and the trajectory. The networks of the lessons have fewer than 1,000
    parameters; two hidden layers of 1,024 neurons on the 64 inputs of the digits have
    1.1 million. Saving refuses a larger network, so the app never writes a file it
    would not open again.
:data:`MAX_FILE_BYTES` (the budget + :data:`MAX_JSON` + 1 MiB)
    No project within the limits is larger, and the whole file is hashed when opened.
:data:`MAX_JSON` (1 MiB)
    The app writes 2–10 kB of JSON; a MiB of JSON parses to at most ~30 MB of Python objects.
Nesting depth 32, integers of at most 30 digits
    See :mod:`nnstudio.core.safejson`; project.json nests 5 levels deep.
:data:`MAX_MEMBERS` (16), :data:`MAX_ARRAYS` (64)
    The app writes 2 members and at most 18 arrays.
:data:`MAX_DIRECTORY_BYTES` (64 KiB)
    :mod:`zipfile` reads the whole list of members before anything can be counted; the
    app's lists take a few hundred bytes.
:data:`MAX_RATIO` (1,032 : 1)
    Deflate cannot compress more than that (it is the ratio of a run of zeros); a member
    declaring more lies about its sizes. It cannot be lower, because zeros are real
    content (weights initialised to zero): the size limits above are what bound a "zip bomb".
:data:`MAX_CLASSES` (1,000)
    Class labels of a stored data set without class names (names are always written).
Counters (iterations, epochs, ...) below 2**62
    They are used as NumPy integers later.
:data:`MAX_ITERATIONS` (10,000,000,000)
    The iteration a run stands at. The fastest network trains about 72,000 iterations a
    second here (2 → 1, one sample per update), so 10¹⁰ iterations are 1.6 days of
    training without a pause; a file that claims more is damaged or forged. It matters:
    rewinding a reopened run replays from iteration 0, and a run B with its own weights
    is trained from 0 up to run A's iteration, so a claimed count is time spent.
"""

from __future__ import annotations

from .history import History
from .project_archive import BadProjectFile
from .safetext import printable
from .specs import NetworkSpec

#: the memory the arrays of a project may take once read (bytes)
MAX_UNCOMPRESSED = 160 << 20
#: the most parameters (weights and biases) of a project's network
MAX_PARAMETERS = 3_000_000
#: the largest project.json (bytes)
MAX_JSON = 1 << 20
#: the most members of the project archive
MAX_MEMBERS = 16
#: the most arrays in arrays.npz
MAX_ARRAYS = 64
#: the most classes of a stored data set that has no class names
MAX_CLASSES = 1000
#: counters (iterations, epochs, steps) stay below this
MAX_COUNT = 2**62
#: the most iterations a run in a project may stand at
MAX_ITERATIONS = 10**10

_SLACK = 1 << 20  # zip headers, the list of members
_HISTORY_ROWS = History().iterations.capacity  # the most rows a trainer's log keeps


def max_file_bytes(budget: int = MAX_UNCOMPRESSED) -> int:
    """The largest project file opened with a memory ``budget`` (see the module notes)."""
    return budget + MAX_JSON + _SLACK


#: the largest project file
MAX_FILE_BYTES = max_file_bytes()


def network_text(network: NetworkSpec) -> str:
    """The network's layer sizes, ``2 → 8 → 8 → 1``, cut when very long."""
    return printable(" → ".join(str(s) for s in network.layer_sizes), 80)


def check_parameters(network: NetworkSpec) -> None:
    """Refuse a network with more than :data:`MAX_PARAMETERS` parameters (before anything is allocated)."""
    n = network.n_parameters
    if n > MAX_PARAMETERS:
        raise BadProjectFile(f"its network {network_text(network)} has {n:,} parameters; a project may have "
                             f"at most {MAX_PARAMETERS:,}")
