"""Apache Kafka 4.1, KRaft, one node on loopback, from the jars Maven Central serves.

PLAINTEXT without authentication by default; ``secure=True`` (``REBUB_KAFKA_SECURE=1``,
``rebub infra up --secure``) runs SASL/SCRAM with the platform's users and ACLs
(``rebub.infra.kafka_security``), in its own data folder.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path
from typing import Any

from aiokafka.errors import KafkaError
from pydantic import SecretStr

from rebub.infra import kafka_security, process
from rebub.infra.kafka_admin import KafkaAdmin, call
from rebub.infra.kafka_security import ADMIN, Credentials
from rebub.infra.paths import InfraPaths
from rebub.infra.server import InfraError, LocalServer, ServerStatus, maven_copy, require_tool
from rebub_shared.private_files import private_dir, write_private
from rebub_shared.settings import KafkaSettings

# Settings that make one node start fast: one partition for internal topics, no rebalance delay.
SERVER_PROPERTIES = """\
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:{controller_port}
controller.listener.names=CONTROLLER
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
PLAINTEXT_PROPERTIES = """\
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
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

    def __init__(self, paths: InfraPaths, port: int, *, secure: bool = False) -> None:
        super().__init__(paths, port)
        self.secure = secure
        self.mode_file = self.dir / "mode"

    @property
    def mode(self) -> str:
        return "sasl" if self.secure else "plaintext"

    @property
    def data(self) -> Path:
        # Each mode has its own storage: the SCRAM admin user is created when it is formatted.
        return self.dir / ("data-sasl" if self.secure else "data")

    @property
    def credentials(self) -> Credentials:
        """The SCRAM passwords of the secured broker (generated once, kept in the state folder)."""
        return Credentials.load_or_create(self.dir / "credentials.json")

    def client_options(self, user: str = ADMIN) -> dict[str, Any]:
        """aiokafka client options to connect as ``user``."""
        return self.credentials.client_options(user) if self.secure else {}

    def running_client_options(self) -> dict[str, Any]:
        # The mode of the broker last started from this state folder: `rebub infra status`
        # reaches a secured broker without being told it is one.
        running = self.mode_file.read_text() if self.mode_file.exists() else self.mode
        return self.credentials.client_options(ADMIN) if running == "sasl" else {}

    def client_settings(self, user: str, **overrides: Any) -> KafkaSettings:
        """A service's ``KafkaSettings`` for this broker, with ``user``'s credentials if secured."""
        if not self.secure:
            return KafkaSettings(bootstrap=self.address, **overrides)
        return KafkaSettings(
            bootstrap=self.address,
            security_protocol="SASL_PLAINTEXT",
            username=user,
            password=SecretStr(self.credentials.password(user)),
            **overrides,
        )

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
        maven_copy(self.paths.kafka_pom, self.libs, "the Kafka jars")

    def _java(self) -> str:
        return require_tool("java", "to run Kafka", "apt-get install openjdk-17-jre-headless")

    def _before_start(self) -> None:
        config = private_dir(self.dir / "config")
        data = self.data
        ports = {"port": self.port, "controller_port": self.controller_port}
        listeners = PLAINTEXT_PROPERTIES.format(**ports)
        format_extra: list[str] = []
        if self.secure:
            credentials = self.credentials
            listeners = kafka_security.SECURE_PROPERTIES.format(
                **ports, admin=ADMIN, admin_password=credentials.password(ADMIN)
            )
            format_extra = kafka_security.format_arguments(credentials)
        properties = config / "server.properties"
        # Holds the admin password when secured: private from its creation.
        write_private(properties, SERVER_PROPERTIES.format(**ports, data=data) + listeners)
        write_private(self.mode_file, self.mode)
        write_private(config / "log4j2.properties", LOG4J2)
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
                *format_extra,
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
        options = {} if self.external else self.running_client_options()
        try:
            call(self.external or self.address, options, KafkaAdmin.list_topics, timeout_ms=3000)
            return True
        except (KafkaError, OSError, ValueError, TimeoutError):
            return False

    def start(self, *, timeout_s: float = 90.0) -> ServerStatus:
        """Start (see ``LocalServer.start``); when secured, apply users, ACLs and topics."""
        running = self.mode_file.read_text() if self.mode_file.exists() else None
        if (
            not self.external
            and process.read_pid(self.pid_file)
            and running
            and running != self.mode
        ):
            raise InfraError(
                f"kafka runs in {running} mode, {self.mode} was asked: stop it first "
                "(rebub infra down), then start it again"
            )
        status = super().start(timeout_s=timeout_s)
        if self.secure and not self.external:
            self._apply_security()
        return status

    def _apply_security(self) -> None:
        async def apply(admin: KafkaAdmin) -> None:
            await kafka_security.apply(admin, self.credentials)

        try:
            call(self.address, self.client_options(), apply)
        except (KafkaError, RuntimeError) as error:
            raise InfraError(f"kafka: applying users, ACLs and topics failed: {error}") from error
