"""Export a network as a self-contained Keras or PyTorch program.

:func:`export_code` writes one Python file that rebuilds the network designed in
nnstudio — layers, activations, dropout, output and loss, initialisers, optimizer and
its settings, learning-rate schedule, L1/L2 penalties, batch size, early stopping —
prepares raw inputs as nnstudio did (feature maps, standardisation), loads the trained
weights, and shows how to predict and how to train on. :func:`export_project` writes
it for a project; the app and the command line both call it.

How nnstudio's definitions map onto each framework:

* **Weights.** nnstudio computes ``z = a @ W + b`` with ``W`` of shape
  ``(n_in, n_out)``. Keras' ``Dense`` kernel has the same layout; ``torch.nn.Linear``
  stores ``W`` transposed, ``(n_out, n_in)``, so the PyTorch program transposes when it
  loads. The weights are embedded as Python lists of ``repr`` floats (which read back
  bit for bit); above :data:`EMBED_LIMIT` parameters they go to a companion ``.npz``.
* **Outputs.** The last layer produces logits; as in nnstudio the output activation is
  part of the loss (sigmoid + binary cross-entropy from the logit, softmax +
  categorical cross-entropy), and ``predict`` applies it.
* **Penalties.** nnstudio adds ``λ₁Σ|w| + λ₂Σw²`` over the weights (not the biases) to
  the batch-mean loss: Keras' ``L1L2`` kernel regulariser is exactly that; the PyTorch
  program adds it to the loss explicitly.
* **Optimizers.** nnstudio's optimizers are PyTorch's ``torch.optim`` definitions with
  their defaults, so the PyTorch program matches step for step. Keras formulates some
  of them differently; the Keras program chooses the settings that match most closely
  and says in a comment where it cannot match exactly.
* **Text.** Names, paths and column or class names are written only as literals or
  escaped docstrings and comments (:mod:`.literals`), so no field can inject code.

The modules: :mod:`.literals` (values as source), :mod:`.parts` (what both programs
share), :mod:`.pytorch_program`, :mod:`.keras_program`, :mod:`.program` (checks,
public functions, files).
"""

from .program import (
    DEFAULT_EPOCHS,
    EMBED_LIMIT,
    FRAMEWORKS,
    export_code,
    export_project,
    project_code,
    weights_npz_arrays,
    write_export,
)

__all__ = ["DEFAULT_EPOCHS", "EMBED_LIMIT", "FRAMEWORKS", "export_code", "export_project", "project_code",
           "weights_npz_arrays", "write_export"]
