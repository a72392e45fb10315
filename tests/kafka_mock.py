"""A real Kafka wire-protocol broker for the tests: librdkafka's mock cluster, from the librdkafka that
the `confluent-kafka` wheel bundles, driven through ctypes. It runs on threads of this process and
listens on loopback; kafka-python talks to it as to Apache Kafka (api_version 2.3.0).

Through the C API: `rd_kafka_mock_topic_create` makes topics (the mock has no CreateTopics),
`rd_kafka_mock_broker_set_down` / `_set_up` stop and restart the broker on the same address, and
`rd_kafka_mock_group_initial_rebalance_delay_ms(0)` removes the 3 s wait before a group's first join.
"""
import ctypes
import glob
import os

RD_KAFKA_PRODUCER = 0


def _library() -> ctypes.CDLL:
    import confluent_kafka

    folder = os.path.join(os.path.dirname(confluent_kafka.__file__), os.pardir, "confluent_kafka.libs")
    found = glob.glob(os.path.join(folder, "librdkafka*.so*"))
    if not found:
        raise RuntimeError(f"no librdkafka in {folder}: is confluent-kafka installed from its wheel?")
    lib = ctypes.CDLL(found[0])
    pointer, c_int, c_str = ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p
    signatures = {
        "rd_kafka_conf_new": (pointer, []),
        "rd_kafka_conf_set": (c_int, [pointer, c_str, c_str, c_str, ctypes.c_size_t]),
        "rd_kafka_new": (pointer, [c_int, pointer, c_str, ctypes.c_size_t]),
        "rd_kafka_destroy": (None, [pointer]),
        "rd_kafka_mock_cluster_new": (pointer, [pointer, c_int]),
        "rd_kafka_mock_cluster_destroy": (None, [pointer]),
        "rd_kafka_mock_cluster_bootstraps": (c_str, [pointer]),
        "rd_kafka_mock_topic_create": (c_int, [pointer, c_str, c_int, c_int]),
        "rd_kafka_mock_broker_set_down": (c_int, [pointer, ctypes.c_int32]),
        "rd_kafka_mock_broker_set_up": (c_int, [pointer, ctypes.c_int32]),
        "rd_kafka_mock_group_initial_rebalance_delay_ms": (None, [pointer, ctypes.c_int32]),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, name)
        function.restype, function.argtypes = restype, argtypes
    return lib


class MockCluster:
    """One mock broker (id 1) on loopback, with the topics asked for."""

    BROKER = 1

    def __init__(self, topics: dict[str, int] | None = None):
        self.lib = _library()
        conf = self.lib.rd_kafka_conf_new()
        error = ctypes.create_string_buffer(512)
        self.lib.rd_kafka_conf_set(conf, b"log_level", b"0", error, len(error))
        self.handle = self.lib.rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, len(error))
        if not self.handle:
            raise RuntimeError(f"librdkafka: {error.value.decode()}")
        self.cluster = self.lib.rd_kafka_mock_cluster_new(self.handle, 1)
        self.bootstrap_servers = self.lib.rd_kafka_mock_cluster_bootstraps(self.cluster).decode()
        self.lib.rd_kafka_mock_group_initial_rebalance_delay_ms(self.cluster, 0)
        for topic, partitions in (topics or {}).items():
            self.create_topic(topic, partitions)

    def create_topic(self, name: str, partitions: int = 1) -> None:
        code = self.lib.rd_kafka_mock_topic_create(self.cluster, name.encode(), partitions, 1)
        if code != 0:
            raise RuntimeError(f"could not create topic {name}: error {code}")

    def down(self) -> None:
        self.lib.rd_kafka_mock_broker_set_down(self.cluster, self.BROKER)

    def up(self) -> None:
        self.lib.rd_kafka_mock_broker_set_up(self.cluster, self.BROKER)

    def close(self) -> None:
        if self.cluster:
            self.lib.rd_kafka_mock_cluster_destroy(self.cluster)
            self.lib.rd_kafka_destroy(self.handle)
            self.cluster = self.handle = None
