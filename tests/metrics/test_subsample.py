import numpy as np
import pytest

from divgenbench.metrics.subsample import equal_size_indices, pair_by_prompt, subsample_indices


def test_equal_size_keeps_the_smaller_set_whole_and_subsamples_the_larger_with_seed_42():
    small, large = equal_size_indices(5, 9)
    np.testing.assert_array_equal(small, np.arange(5))
    np.testing.assert_array_equal(large, np.sort(np.random.default_rng(42).choice(9, 5, replace=False)))
    assert [a.size for a in equal_size_indices(7, 3)] == [3, 3]


def test_pairing_keeps_shared_prompts_at_equal_n_in_one_prompt_numbering():
    reference = ["p1", "p2", "p3", "p4", "p4"]
    candidate = ["p4", "p2", "p9", "p1"]  # p3 missing (say, no face), p9 not in the reference
    paired = pair_by_prompt(reference, candidate)
    assert paired.reference_rows.size == paired.candidate_rows.size == 3
    kept_reference = [reference[i] for i in paired.reference_rows]
    assert set(kept_reference) <= {"p1", "p2", "p4"} and sorted(candidate[i] for i in paired.candidate_rows) == [
        "p1", "p2", "p4"]
    for rows, index, ids in ((paired.reference_rows, paired.reference_prompt_index, reference),
                             (paired.candidate_rows, paired.candidate_prompt_index, candidate)):
        assert [paired.prompt_ids[k] for k in index] == [ids[i] for i in rows]
    np.testing.assert_array_equal(paired.reference_rows, np.array([0, 1, 3, 4])[subsample_indices(4, 3)])


def test_no_shared_prompt_is_refused():
    with pytest.raises(ValueError, match="share no prompt"):
        pair_by_prompt(["a"], ["b"])
