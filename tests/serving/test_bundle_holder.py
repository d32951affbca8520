"""BundleHolder: polls CURRENT at most every poll_seconds, keeps the old bundle on a bad one."""

from animusic_serving.api.bundle_holder import RETRY_FAILED_SECONDS, BundleHolder
from animusic_serving.bundle import BundleError, load_bundle


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_polls_at_most_every_poll_seconds(tmp_path, publish):
    clock = FakeClock()
    publish(tmp_path, version="v1")
    holder = BundleHolder(tmp_path, poll_seconds=2.0, clock=clock)
    assert holder.get().version == "v1" and holder.reason is None
    publish(tmp_path, version="v2")
    clock.now = 1.0
    assert holder.get().version == "v1"  # not checked yet
    clock.now = 2.5
    assert holder.get().version == "v2"


def test_a_failing_version_is_retried_only_after_a_while(tmp_path, publish):
    clock, calls = FakeClock(), []

    def flaky_loader(root, version):
        calls.append(version)
        if len(calls) == 1:
            raise BundleError("disk hiccup")
        return load_bundle(root, version)

    publish(tmp_path, version="v1")
    holder = BundleHolder(tmp_path, poll_seconds=0, loader=flaky_loader, clock=clock)
    assert holder.get() is None and "disk hiccup" in holder.reason
    clock.now = 1.0
    assert holder.get() is None and calls == ["v1"]  # not hammered on every request
    clock.now = RETRY_FAILED_SECONDS + 1
    assert holder.get().version == "v1" and holder.reason is None


def test_unexpected_loader_errors_are_contained(tmp_path, publish):
    publish(tmp_path, version="v1")

    def broken(root, version):
        raise MemoryError("too big")

    holder = BundleHolder(tmp_path, poll_seconds=0, loader=broken)
    assert holder.get() is None
    assert holder.reason == "bundle v1 failed to load: MemoryError: too big"
