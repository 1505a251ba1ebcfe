"""Issue 16: ``fixes --min-group-size`` reaches the judgement, and ThresholdCurves (shared between sessions
through ``st.cache_resource``) cannot be changed once built."""

import numpy as np
import pytest

from fairdash.thresholds import ThresholdCurves


def test_threshold_curves_refuse_every_change():
    curves = ThresholdCurves([1, 0, 1, 0, 1], [0.9, 0.4, 0.6, 0.2, 0.7], ["a", "a", "b", "b", "b"])
    before = curves.metrics_at(0.5)
    with pytest.raises(AttributeError, match="cannot set or delete 'sizes'"):
        curves.sizes = np.array([9, 9])
    with pytest.raises(AttributeError, match="cannot set or delete 'labels'"):
        curves.labels = ["x", "y"]
    with pytest.raises(AttributeError, match="cannot set or delete 'cache'"):
        curves.cache = {}  # a new attribute too: nothing is filled in after __init__
    with pytest.raises(AttributeError, match="cannot set or delete 'positives'"):
        del curves.positives
    with pytest.raises(ValueError, match="read-only"):
        curves.sizes[0] = 9
    curves.labels.append("z")  # a copy: the curves' own labels stay as they were
    assert curves.labels == ["a", "b"]
    assert curves.sizes.tolist() == [2, 3] and curves.positives.tolist() == [1, 2]
    assert curves.metrics_at(0.5).equals(before)
