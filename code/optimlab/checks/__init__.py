"""Checks for the coding exercises.

Each ``check_*`` function calls the student's function on a few cases and compares it with the
reference implementation in optimlab. It passes with one short line, or raises
:class:`CheckFailed` (an ``AssertionError``) whose message names the most likely mistake.

One module per chapter holds that chapter's checks; ``_common`` holds what they share. Import
checks from ``optimlab.checks`` directly: ``from optimlab.checks import check_log_softmax``.
"""

from ._common import CheckFailed
from .adam import check_adam_step
from .adaptive import check_rmsprop_step
from .backprop import check_layer_backward, layer_backward_reference
from .gradient_descent import check_gradient_descent, check_line_mse_grad
from .line_search import check_bracket_rule
from .losses import check_bce_with_logits, check_log_softmax
from .momentum import check_momentum_step
from .sgd import check_sgd_epochs
from .torch_optimizer import check_torch_rmsprop

__all__ = ["CheckFailed", "check_bce_with_logits", "check_log_softmax", "check_gradient_descent",
           "check_line_mse_grad", "check_layer_backward", "layer_backward_reference", "check_bracket_rule",
           "check_sgd_epochs", "check_momentum_step", "check_rmsprop_step",
           "check_adam_step", "check_torch_rmsprop"]
