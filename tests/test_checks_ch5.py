"""Chapter 5: the epoch-batches check passes the right answer and names each likely mistake."""

import numpy as np
import pytest
from optimlab import data
from optimlab.checks import CheckFailed, check_epoch_batches


def epoch_batches(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def not_implemented(n, batch_size, rng):
    raise NotImplementedError()


def with_replacement(n, batch_size, rng):
    return [rng.integers(0, n, size=batch_size) for _ in range(-(-n // batch_size))]


def with_replacement_choice(n, batch_size, rng):
    return [rng.choice(n, size=batch_size, replace=True) for _ in range(-(-n // batch_size))]


def drops_last(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[k * batch_size:(k + 1) * batch_size] for k in range(n // batch_size)]


def permutation_per_batch(n, batch_size, rng):
    return [rng.permutation(n)[start:start + batch_size] for start in range(0, n, batch_size)]


def short_slices(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[start:start + batch_size - 1] for start in range(0, n, batch_size)]


def overlapping_slices(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[start:start + batch_size + 1] for start in range(0, n, batch_size)]


def misses_examples(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[start:start + batch_size] for start in range(0, n - batch_size, batch_size)]


def no_shuffle(n, batch_size, rng):
    order = np.arange(n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def other_order(n, batch_size, rng):
    order = rng.permutation(n)[::-1]
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def flat(n, batch_size, rng):
    return rng.permutation(n)


MISTAKES = {
    "not implemented": (not_implemented, "not implemented yet"),
    "with replacement": (with_replacement, "with replacement"),
    "with replacement (choice)": (with_replacement_choice, "with replacement"),
    "drops last batch": (drops_last, "dropped the last, shorter batch"),
    "permutation per batch": (permutation_per_batch, "new permutation for every batch"),
    "short slices": (short_slices, "one example too few"),
    "overlapping slices": (overlapping_slices, "overlap"),
    "misses examples": (misses_examples, "cover only"),
    "no shuffle": (no_shuffle, "shuffle first"),
    "other order": (other_order, "not in the order of"),
    "flat array": (flat, "one flat array"),
    "floats": (lambda n, b, rng: [np.arange(b) * 1.0], "integer indices"),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_check_epoch_batches_names_the_mistake(mistake):
    fn, message = MISTAKES[mistake]
    with pytest.raises(CheckFailed, match=message):
        check_epoch_batches(fn)


def test_messages_are_not_repeated():
    messages = []
    for fn, _ in MISTAKES.values():
        with pytest.raises(CheckFailed) as info:
            check_epoch_batches(fn)
        messages.append(str(info.value))
    distinct_mistakes = [m for name, m in zip(MISTAKES, messages, strict=True) if "(choice)" not in name]
    assert len(set(distinct_mistakes)) == len(distinct_mistakes)


def test_check_epoch_batches_passes_correct_solutions(capsys):
    check_epoch_batches(epoch_batches)
    check_epoch_batches(lambda n, b, rng: list(data.minibatches(n, b, rng)))
    check_epoch_batches(lambda n, b, rng: np.array_split(rng.permutation(n), range(b, n, b)))
    assert capsys.readouterr().out.count("passed") == 3
