"""The server tunes Python's cyclic garbage collector while it runs (PARTNERGRAPH_GC_YOUNG_THRESHOLD) and leaves the
process as it found it when it stops."""
import gc

from gql.app import tuned_collector


def test_while_the_server_runs_what_it_loaded_is_frozen_and_young_collections_wait_for_the_threshold():
    before = gc.get_threshold()
    with tuned_collector(50_000):
        assert gc.get_threshold() == (50_000, before[1], before[2])
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_threshold_of_zero_leaves_pythons_defaults():
    before = gc.get_threshold()
    with tuned_collector(0):
        assert gc.get_threshold() == before and gc.get_freeze_count() == 0
