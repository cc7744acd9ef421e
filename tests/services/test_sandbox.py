"""tracker.services.sandbox: results come back, limits stop the child, errors keep their type."""
import pytest

from tests.services import sandbox_jobs as jobs
from tracker.services import ServiceError
from tracker.services.sandbox import DEFAULT_LIMITS
from tracker.services.sandbox import Limits
from tracker.services.sandbox import SandboxError
from tracker.services.sandbox import run_limited


def test_defaults_are_the_contract():
    assert Limits(20, 768 * 2**20, 40.0) == DEFAULT_LIMITS


def test_result_comes_back():
    assert run_limited(jobs.add, 1, 2, c=3) == 6


def test_child_exception_is_reraised_with_its_type_and_fields():
    with pytest.raises(ServiceError) as info:
        run_limited(jobs.refuse)
    assert (info.value.code, info.value.status, info.value.message) == ("nope", 422, "Không được")


def test_cpu_limit_stops_a_busy_loop():
    with pytest.raises(SandboxError) as info:
        run_limited(jobs.spin, limits=Limits(cpu_seconds=1, wall_seconds=60))
    assert info.value.reason == "timeout"
    assert "dừng" in str(info.value)


def test_wall_limit_stops_a_sleeper():
    with pytest.raises(SandboxError) as info:
        run_limited(jobs.sleep_forever, limits=Limits(wall_seconds=1.0))
    assert info.value.reason == "timeout"


def test_memory_limit_stops_a_hog():
    with pytest.raises(SandboxError) as info:
        run_limited(jobs.hog, limits=Limits(memory_bytes=400 * 2**20))
    assert info.value.reason == "memory"


def test_dead_child_is_a_crash():
    with pytest.raises(SandboxError) as info:
        run_limited(jobs.die)
    assert info.value.reason == "crash"


def test_unpicklable_result_is_a_crash():
    with pytest.raises(SandboxError) as info:
        run_limited(jobs.unpicklable_result)
    assert info.value.reason == "crash"
