"""Training internals on tiny synthetic data: domain adaptation folds into one linear model."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sparse

from detectors.sentiment.artifact import LABELS
from detectors.sentiment.training import TrainingOptions, _fit

N_SPARSE = 8
N_DENSE_COLUMNS = 2


def _toy_data() -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """Column 0 reads positive in general rows but negative in in-domain rows."""
    rows, labels, in_domain = [], [], []
    for repeat in range(12):
        for label_index, label in enumerate(LABELS):
            for domain in (False, True):
                row = np.zeros(N_SPARSE + N_DENSE_COLUMNS, dtype=np.float32)
                row[1 + label_index] = 1.0
                row[4 + repeat % 4] = 1.0
                if (label == "positive" and not domain) or (label == "negative" and domain):
                    row[0] = 1.0
                row[N_SPARSE] = label_index - 1.0
                rows.append(row)
                labels.append(label)
                in_domain.append(domain)
    return sparse.csr_matrix(np.stack(rows)), np.array(labels), np.array(in_domain)


def test_domain_adapted_weights_have_the_plain_shape() -> None:
    matrix, labels, in_domain = _toy_data()
    options = TrainingOptions(n_features=N_SPARSE)
    weights = np.ones(len(labels))
    plain = _fit(matrix, labels, weights, 1.0, options)
    adapted = _fit(matrix, labels, weights, 1.0, options, in_domain)
    assert adapted.weights.shape == plain.weights.shape == (N_SPARSE + N_DENSE_COLUMNS, len(LABELS))
    assert adapted.bias.shape == plain.bias.shape == (len(LABELS),)


def test_without_in_domain_rows_adaptation_changes_nothing() -> None:
    matrix, labels, _ = _toy_data()
    options = TrainingOptions(n_features=N_SPARSE)
    weights = np.ones(len(labels))
    plain = _fit(matrix, labels, weights, 1.0, options)
    adapted = _fit(matrix, labels, weights, 1.0, options, np.zeros(len(labels), dtype=bool))
    # Equal up to the solver's tolerance (lbfgs, tol=1e-3): compare the decisions.
    np.testing.assert_array_equal(
        adapted.log_probabilities(matrix).argmax(axis=1), plain.log_probabilities(matrix).argmax(axis=1)
    )
    np.testing.assert_allclose(adapted.weights, plain.weights, atol=0.5)


def test_adapted_weights_score_like_the_domain() -> None:
    """Column 0 marks negatives in the domain: the shipped (in-domain) weights say so."""
    matrix, labels, in_domain = _toy_data()
    options = TrainingOptions(n_features=N_SPARSE)
    adapted = _fit(matrix, labels, np.ones(len(labels)), 1.0, options, in_domain)
    negative, positive = LABELS.index("negative"), LABELS.index("positive")
    assert adapted.weights[0, negative] > adapted.weights[0, positive]
