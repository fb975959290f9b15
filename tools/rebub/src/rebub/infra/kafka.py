"""Apache Kafka 4.1, KRaft, one node on loopback, from the jars Maven Central serves."""

from __future__ import annotations

import logging
import shutil
import subprocess
import uuid
from pathlib import Path

from rebub.infra.server import InfraError, LocalServer, require_tool

DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies"

# Settings that make one node start fast: one partition for internal topics, no rebalance delay.
SERVER_PROPERTIES = """\
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:{controller_port}
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs={data}
num.partitions=1
auto.create.topics.enable=true
offsets.topic.num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.segment.bytes=67108864
"""

LOG4J2 = """\
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = INFO
"""


class LocalKafka(LocalServer):
    name = "kafka"
    env_override = "REBUB_KAFKA_BOOTSTRAP"

    @property
    def controller_port(self) -> int:
        return self.port + 1

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def libs(self) -> Path:
        return self.cache / "libs"

    def _inputs(self) -> list[Path]:
        return [self.paths.kafka_pom]

    def _prepare(self) -> None:
        mvn = require_tool("mvn", "to fetch the Kafka jars", "apt-get install maven")
        shutil.rmtree(self.libs, ignore_errors=True)
        result = subprocess.run(
            [
                mvn,
                "-B",
                "-q",
                "-f",
                str(self.paths.kafka_pom),
                DEPENDENCY_PLUGIN,
                "-DincludeScope=runtime",
                f"-DoutputDirectory={self.libs}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise InfraError(
                f"fetching the Kafka jars failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
            )

    def _java(self) -> str:
        return require_tool("java", "to run Kafka", "apt-get install openjdk-17-jre-headless")

    def _before_start(self) -> None:
        config = self.dir / "config"
        config.mkdir(exist_ok=True)
        data = self.dir / "data"
        (config / "server.properties").write_text(
            SERVER_PROPERTIES.format(
                port=self.port, controller_port=self.controller_port, data=data
            )
        )
        (config / "log4j2.properties").write_text(LOG4J2)
        if (data / "meta.properties").exists():
            return
        result = subprocess.run(
            [
                self._java(),
                "-cp",
                f"{self.libs}/*",
                "kafka.tools.StorageTool",
                "format",
                "--standalone",
                "-t",
                uuid.uuid4().hex[:22],
                "-c",
                str(config / "server.properties"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise InfraError(f"formatting Kafka's storage failed:\n{result.stdout}{result.stderr}")

    def _command(self) -> list[str]:
        config = self.dir / "config"
        return [
            self._java(),
            "-Xms512m",
            "-Xmx1g",
            "-XX:+UseG1GC",
            "-XX:TieredStopAtLevel=1",
            f"-Dlog4j2.configurationFile={config / 'log4j2.properties'}",
            "-cp",
            f"{self.libs}/*",
            "kafka.Kafka",
            str(config / "server.properties"),
        ]

    def _ready(self) -> bool:
        from kafka import KafkaAdminClient  # kafka-python: a synchronous metadata call
        from kafka.errors import KafkaError

        logging.getLogger("kafka").setLevel(logging.CRITICAL)
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=self.external or self.address,
                request_timeout_ms=3000,
            )
        except (KafkaError, OSError, ValueError):
            return False
        try:
            admin.list_topics()
            return True
        except (KafkaError, OSError):
            return False
        finally:
            admin.close()
