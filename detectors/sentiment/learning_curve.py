"""How the German model's held-out score grows with in-domain training data.

GermEval 2017 ``test_syn`` (Deutsche Bahn feedback) is the German target; the only
in-domain labelled data in ``../shared/data`` is GermEval's dev split (1,879 relevant
documents after de-duplication). This measures macro-F1 in 3-fold cross-validation on
that dev split while the training part keeps all general-domain German texts (SB10k,
PotTS, XLM-T) and a growing fraction of the in-domain documents, with the shipped
training options (C, in-domain weight). No test set is read, except to drop its texts
from training, as ``flarewatch train`` does.

Run: ``python -m detectors.sentiment.learning_curve [--data-dir DIR] [--repeats N]``
(a few minutes on one core).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from detectors.sentiment.datasets import deduplicate, read_german_training, read_lexicon
from detectors.sentiment.features import Featurizer
from detectors.sentiment.text import tokenize
from detectors.sentiment.training import (
    TrainingOptions,
    _bias_shift,
    _fit,
    _labels_of,
    macro_f1,
    test_set_texts,
)

FRACTIONS = (0.0, 0.125, 0.25, 0.5, 1.0)
FOLDS = 3


def learning_curve(
    data_dir: Path, repeats: int = 1, c_value: float = 3.0, in_domain_weight: float = 40.0, seed: int = 0
) -> list[tuple[int, float, float, float]]:
    """Rows of (repeat, in-domain fraction, macro-F1, macro-F1 after the bias shift)."""
    import scipy.sparse as sparse

    options = TrainingOptions()
    texts, labels, names = deduplicate(read_german_training(data_dir), exclude=test_set_texts(data_dir))
    in_domain = np.array([name.startswith("germeval") for name in names])
    featurizer = Featurizer(options.feature_config, options.n_features, read_lexicon(data_dir, "de"))
    hashed, dense = featurizer.transform([tokenize(text, "de") for text in texts])
    matrix = sparse.hstack([hashed, sparse.csr_matrix(dense)], format="csr")
    label_array = np.array(labels)
    general = np.flatnonzero(~in_domain)
    print(f"{int(in_domain.sum())} in-domain (GermEval dev) and {len(general)} general-domain German texts", flush=True)
    rng = np.random.default_rng(seed)
    rows = []
    for repeat in range(repeats):
        folds = np.array_split(rng.permutation(np.flatnonzero(in_domain)), FOLDS)
        for fraction in FRACTIONS:
            started = time.perf_counter()
            gold: list[str] = []
            scores = []
            for held_out in range(FOLDS):
                pool = np.concatenate([folds[fold] for fold in range(FOLDS) if fold != held_out])
                train = np.concatenate([general, pool[: round(fraction * len(pool))]])
                weights = np.where(in_domain[train], in_domain_weight, 1.0)
                model = _fit(matrix[train], label_array[train], weights, c_value, options)
                scores.append(model.log_probabilities(matrix[folds[held_out]]))
                gold += label_array[folds[held_out]].tolist()
            log_scores = np.vstack(scores)
            plain = macro_f1(gold, _labels_of(log_scores))
            shifted = macro_f1(gold, _labels_of(log_scores + _bias_shift(np.array(gold), log_scores)))
            documents = round(fraction * in_domain.sum() * (FOLDS - 1) / FOLDS)
            print(f"repeat {repeat}: {documents:5d} in-domain training documents ({fraction:.3f}): "
                  f"macro-F1 {plain:.3f}, after bias shift {shifted:.3f} ({time.perf_counter() - started:.0f}s)",
                  flush=True)
            rows.append((repeat, fraction, plain, shifted))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m detectors.sentiment.learning_curve", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"), help="labelled data (default %(default)s)")
    parser.add_argument("--repeats", type=int, default=1, help="random fold splits (default %(default)s)")
    args = parser.parse_args(argv)
    learning_curve(args.data_dir, args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
